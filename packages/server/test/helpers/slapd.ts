import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';
import { registerSecret } from '../log-secrets/registry.js';

export const SLAPD = '/usr/sbin/slapd';
export const SLAPADD = '/usr/sbin/slapadd';
export const BASE_DN = 'dc=example,dc=test';
export const ROOT_DN = `cn=admin,${BASE_DN}`;
export const ROOT_PASSWORD = 'root-secret-Pw1';
/** The service account the domain binds with (read access to the whole tree). */
export const READER_DN = `cn=reader,ou=services,${BASE_DN}`;
export const READER_PASSWORD = 'reader-secret-Pw2';
/** Users' passwords: `<uid>-secret-Pw3`. */
export const userPassword = (uid: string) => `${uid}-secret-Pw3`;

export interface RunningSlapd {
  dir: string;
  /** Plain LDAP (StartTLS offered) on 127.0.0.1. */
  port: number;
  /** LDAPS on 127.0.0.1. */
  ldapsPort: number;
  /** The test CA that issued the server certificate (PEM). */
  caPem: string;
  /** Another CA, which did not (PEM). */
  otherCaPem: string;
  stop(): void;
}

/**
 * A private OpenLDAP for a test file: its own slapd.conf, database, certificates (a temporary CA
 * issues a certificate for `localhost` only) and ports, loaded with slapadd before it starts:
 *
 *   users alice, bob, carol, dave (uid, inetOrgPerson, password `userPassword(uid)`)
 *   cn=helpdesk (alice) ⊂ cn=ums-admins (nested: helpdesk is a member) ; cn=staff (bob, carol)
 *
 * Entries are changed during a test through the root DN (`ROOT_DN` / `ROOT_PASSWORD`).
 */
export async function startSlapd(): Promise<RunningSlapd> {
  if (spawnSync(SLAPD, ['-VV']).error) throw new Error('slapd must be installed (.ci/run installs slapd and ldap-utils)');
  const dir = mkdtempSync(join(tmpdir(), 'openums-slapd-'));
  mkdirSync(join(dir, 'db'));
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  };
  const ca = (name: string, cn: string) =>
    run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]); // prettier-ignore
  ca('ca', 'OpenUMS test LDAP CA');
  ca('other-ca', 'Some other CA');
  run('openssl', [
    'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost',
  ]); // prettier-ignore
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  run('openssl', [
    'x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-out', 'server.crt', '-extfile', 'server.ext',
  ]); // prettier-ignore

  const conf = join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile ${dir}/ca.crt
TLSCertificateFile ${dir}/server.crt
TLSCertificateKeyFile ${dir}/server.key
TLSVerifyClient never
database mdb
maxsize 104857600
suffix "${BASE_DN}"
rootdn "${ROOT_DN}"
rootpw ${ROOT_PASSWORD}
directory ${dir}/db
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
`,
  );
  writeFileSync(join(dir, 'data.ldif'), ldif());
  run(SLAPADD, ['-f', conf, '-l', join(dir, 'data.ldif')]);

  const port = await freePort();
  const ldapsPort = await freePort();
  const child: ChildProcess = spawn(SLAPD, ['-h', `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${ldapsPort}/`, '-f', conf, '-d', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => void (stderr += d.toString()));
  const stop = () => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if ((await reachable(port)) && (await reachable(ldapsPort))) {
      return {
        dir,
        port,
        ldapsPort,
        caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
        otherCaPem: readFileSync(join(dir, 'other-ca.crt'), 'utf8'),
        stop,
      };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  throw new Error(`slapd did not start: ${stderr.slice(-1000)}`);
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function ldif(): string {
  registerSecret('ldap-password', ROOT_PASSWORD);
  registerSecret('ldap-password', READER_PASSWORD);
  const entries: string[] = [
    `dn: ${BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example`,
    ...['people', 'groups', 'services'].map((ou) => `dn: ou=${ou},${BASE_DN}\nobjectClass: organizationalUnit\nou: ${ou}`),
    `dn: ${READER_DN}\nobjectClass: person\nobjectClass: simpleSecurityObject\ncn: reader\nsn: reader\nuserPassword: ${READER_PASSWORD}`,
  ];
  for (const [uid, name] of [
    ['alice', 'Alice Archer'],
    ['bob', 'Bob Baker'],
    ['carol', 'Carol Cook'],
    ['dave', 'Dave Dyer'],
  ] as const) {
    registerSecret('ldap-password', userPassword(uid));
    entries.push(
      `dn: uid=${uid},ou=people,${BASE_DN}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${name}\nsn: ${name.split(' ')[1]}\n` +
        `displayName: ${name}\nuserPassword: ${userPassword(uid)}`,
    );
  }
  const group = (cn: string, members: string[]) =>
    `dn: cn=${cn},ou=groups,${BASE_DN}\nobjectClass: groupOfNames\ncn: ${cn}\n${members.map((m) => `member: ${m}`).join('\n')}`;
  const person = (uid: string) => `uid=${uid},ou=people,${BASE_DN}`;
  entries.push(group('helpdesk', [person('alice')]));
  entries.push(group('ums-admins', [`cn=helpdesk,ou=groups,${BASE_DN}`]));
  entries.push(group('staff', [person('bob'), person('carol')]));
  return `${entries.join('\n\n')}\n`;
}

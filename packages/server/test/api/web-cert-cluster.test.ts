import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyJoinToken, createJoinToken } from '../../src/cluster/join.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { freePort } from '../helpers/net.js';
import { ServerProcess } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';

/** The certificate a server presents on a fresh TLS connection (checked against the web CA). */
function presented(server: ServerProcess): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: server.t.ca, session: undefined }, () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      resolve(cert);
    });
    socket.on('error', reject);
  });
}

const sans = (cert: PeerCertificate) => (cert.subjectaltname ?? '').split(/,\s*/);

// Several hosts share one PostgreSQL; each process here stands for a host (own data directory).
describe('one web certificate for the whole cluster (postgres, real processes)', () => {
  let testDb: TestDb;
  let dirB: string;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    testDb = await createTestDb('postgres');
    a = new ServerProcess(testDb, await freePort());
    await a.start({}, ['--tls-extra-name', 'a.cluster.test']);
    dirB = mkdtempSync(join(tmpdir(), 'openums-test-second-'));
    applyJoinToken(dirB, createJoinToken(testDb.dataDir));
    b = new ServerProcess({ ...testDb, dataDir: dirB }, await freePort());
    await b.start({}, ['--tls-extra-name', 'b.cluster.test', '--tls-extra-name', '10.99.0.7']);
  }, 120_000);

  afterAll(async () => {
    for (const s of [a, b]) if (s?.child?.exitCode === null && s.child.signalCode === null) await s.kill();
    await testDb?.drop();
    if (dirB) rmSync(dirB, { recursive: true, force: true });
  });

  it('is presented by both servers and names both servers’ extra names', async () => {
    // B issued the next generation at its start; A adopts it on the bus message.
    const [certA, certB] = await until(
      'both servers to present one certificate',
      async () => {
        const pair = await Promise.all([presented(a), presented(b)]);
        return pair[0].fingerprint256 === pair[1].fingerprint256 ? pair : null;
      },
      20_000,
    );
    expect(certA.fingerprint256).toBe(certB.fingerprint256);
    expect(sans(certA)).toEqual(
      expect.arrayContaining(['DNS:a.cluster.test', 'DNS:b.cluster.test', 'IP Address:10.99.0.7', 'DNS:localhost']),
    );
    // Issued by the web CA agents pin, and written to each data directory for the supervisor and CLI.
    for (const dir of [testDb.dataDir, dirB]) {
      const onDisk = new X509Certificate(readFileSync(join(dir, 'tls/web.crt'), 'utf8'));
      expect(onDisk.fingerprint256).toBe(certA.fingerprint256);
    }
  });

  it('names a new cluster address on both servers within seconds, without a restart', async () => {
    const before = (await presented(a)).fingerprint256;
    const put = await b.api('PUT', '/api/v1/cluster-settings', {
      clusterAddress: 'https://ums.cluster.test:8443',
      enrollmentAddress: null,
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const started = Date.now();
    const [certA, certB] = await until(
      'both servers to present a certificate naming the cluster address',
      async () => {
        const pair = await Promise.all([presented(a), presented(b)]);
        return pair.every((c) => sans(c).includes('DNS:ums.cluster.test')) ? pair : null;
      },
      10_000,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(certA.fingerprint256).toBe(certB.fingerprint256);
    expect(certA.fingerprint256).not.toBe(before);
    expect(sans(certA)).toEqual(expect.arrayContaining(['DNS:a.cluster.test', 'DNS:b.cluster.test']));
    // An IP as the cluster address becomes an IP SAN.
    expect((await a.api('PUT', '/api/v1/cluster-settings', { clusterAddress: '10.99.0.8', enrollmentAddress: null })).status).toBe(200);
    await until('the IP cluster address on B', async () => sans(await presented(b)).includes('IP Address:10.99.0.8'), 10_000);
  });

  it('issues nothing when a server restarts with names already covered', async () => {
    const before = (await presented(a)).fingerprint256;
    await b.kill();
    await b.start({}, ['--tls-extra-name', 'b.cluster.test', '--tls-extra-name', '10.99.0.7']);
    expect((await presented(b)).fingerprint256).toBe(before);
    expect((await presented(a)).fingerprint256).toBe(before);
  }, 90_000);
});

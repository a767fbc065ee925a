import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { EST_BASE_PATH } from '@openums/protocol';
import { loadConfig } from '../../src/config/load.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';
import { enroll, httpsCall, pkcs7ToPem, TestDevice, type Target } from '../helpers/device.js';

const NGINX = '/usr/sbin/nginx';


/**
 * nginx in front of the server doing SSL offloading as in the knowledge base's example: it
 * terminates TLS with the server's web certificate, checks the device certificate optionally,
 * forwards it URL-encoded in X-SSL-CERT on the WebSocket path, and re-encrypts to the server.
 */
function nginxConfig(dir: string, listen: number, upstream: number): string {
  return `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream umsserver { server 127.0.0.1:${upstream}; }
  server {
    listen 127.0.0.1:${listen} ssl;
    ssl_certificate ${dir}/web.crt;
    ssl_certificate_key ${dir}/web.key;
    ssl_protocols TLSv1.3;
    ssl_client_certificate ${dir}/device-ca.pem;
    ssl_verify_client optional;
    # Configuration for WebSocket endpoints
    location ~ /device-connector/device/(ws-connect|portforwarding) {
      proxy_pass https://umsserver;
      proxy_http_version 1.1;
      proxy_set_header X-SSL-CERT $ssl_client_escaped_cert;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_ssl_trusted_certificate ${dir}/web-ca.crt;
      proxy_ssl_protocols TLSv1.3;
    }
    # Configuration for all other endpoints
    location / {
      proxy_pass https://umsserver;
      proxy_ssl_trusted_certificate ${dir}/web-ca.crt;
      proxy_ssl_protocols TLSv1.3;
    }
  }
}
`;
}

describe.each(DIALECTS)('behind nginx with SSL offloading and certificate forwarding (%s)', (dialect) => {
  let testDb: TestDb;
  let server: RunningServer;
  let nginx: ChildProcess;
  let direct: Target;
  let proxied: Target;
  let token: string;

  beforeAll(async () => {
    expect(spawnSync(NGINX, ['-v']).status, 'nginx must be installed (.ci/run installs it)').toBe(0);
    testDb = await createTestDb(dialect);
    const base = loadConfig({
      env: {},
      flags: { dataDir: testDb.dataDir, databaseUrl: testDb.databaseUrl, port: 0, host: '127.0.0.1', logLevel: 'silent', bindRetrySeconds: 0 },
    });
    server = await startServer({ ...base, clientCertForwarding: { enabled: true, header: 'X-SSL-CERT', trustedProxies: ['127.0.0.1'] } }, { adminPassword: 'proxy-test' });
    const port = (server.built.app.server.address() as { port: number }).port;
    const tlsDir = join(testDb.dataDir, 'tls');
    direct = { port, ca: readFileSync(join(tlsDir, 'web-ca.crt'), 'utf8') };

    const dir = join(testDb.dataDir, 'nginx');
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    for (const f of ['web.crt', 'web.key', 'web-ca.crt']) writeFileSync(join(dir, f), readFileSync(join(tlsDir, f)));
    writeFileSync(join(dir, 'device-ca.pem'), pkcs7ToPem((await httpsCall(direct, 'GET', `${EST_BASE_PATH}/cacerts`)).body));
    const listen = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, listen, port));
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
    proxied = { port: listen, ca: direct.ca };
    for (let i = 0; i < 100; i++) {
      try {
        if ((await httpsCall(proxied, 'GET', '/ums/check-status')).status === 200) break;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const login = await httpsCall(proxied, 'POST', '/api/v1/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'proxy-test' }),
    });
    token = JSON.parse(login.body).token;
  });
  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await server?.stop();
    await testDb?.drop();
  });

  it('enrolls through the proxy and brings the device online with its forwarded certificate', async () => {
    const keyRes = await httpsCall(proxied, 'POST', '/api/v1/enrollment-keys', {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'mass' }),
    });
    const secret = JSON.parse(keyRes.body).keys[0].secret;
    const mac = '02DDEE000001';
    const e = await enroll(proxied, secret, { unitId: mac, mac });
    expect(e.status, e.body).toBe(200);
    const dev = (await TestDevice.connect(proxied, e)) as TestDevice;
    dev.hello(mac);
    const welcome = await dev.next((m) => m.t === 'welcome');
    let device: any = null;
    for (let i = 0; i < 100 && !device?.online; i++) {
      await new Promise((r) => setTimeout(r, 100));
      device = JSON.parse((await httpsCall(proxied, 'GET', `/api/v1/devices/${welcome.deviceId}`, { headers: { authorization: `Bearer ${token}` } })).body);
    }
    // The address is the device's as nginx saw it (X-Real-IP from the trusted proxy).
    expect(device).toMatchObject({ online: true, lastIp: '127.0.0.1' });
    dev.close();
  });

  it('refuses a device without a certificate at the proxy, and a forwarded header that does not parse', async () => {
    expect(await TestDevice.connect(proxied, null)).toEqual({ status: 401 });
    // Straight to the server from a trusted address, with a header that is not a certificate.
    expect(await TestDevice.connect(direct, null, { 'X-SSL-CERT': 'not%20a%20certificate' })).toEqual({ status: 401 });
  });
});

describe('forwarded certificates are ignored unless enabled', () => {
  it('does not accept X-SSL-CERT when forwarding is off', async () => {
    const testDb = await createTestDb('sqlite');
    const config = loadConfig({ env: {}, flags: { dataDir: testDb.dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent', bindRetrySeconds: 0 } });
    const server = await startServer(config, { adminPassword: 'x-forwarding-off' });
    try {
      const t = { port: (server.built.app.server.address() as { port: number }).port, ca: readFileSync(join(testDb.dataDir, 'tls/web-ca.crt'), 'utf8') };
      const login = await httpsCall(t, 'POST', '/api/v1/auth/login', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'x-forwarding-off' }) });
      const token = JSON.parse(login.body).token;
      const keyRes = await httpsCall(t, 'POST', '/api/v1/enrollment-keys', { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'mass' }) });
      const e = await enroll(t, JSON.parse(keyRes.body).keys[0].secret, { unitId: '02DDEE000002', mac: '02DDEE000002' });
      // A valid device certificate, but only in a header: refused because forwarding is off.
      expect(await TestDevice.connect(t, null, { 'X-SSL-CERT': encodeURIComponent(e.certPem!) })).toEqual({ status: 401 });
      // The same certificate presented in TLS works.
      const dev = await TestDevice.connect(t, e);
      expect(dev).toBeInstanceOf(TestDevice);
      (dev as TestDevice).close();
    } finally {
      await server.stop();
      await testDb.drop();
    }
  });
});

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { DEVICE_WS_PATH, EST_BASE_PATH, ENROLL_INFO_HEADER } from '@openums/protocol';
import { createTestCa, issueServerCert, pkcs7Base64, signDeviceCsr, type TestCa } from './pki.js';

export interface DeviceConn {
  ws: WebSocket;
  cn: string;
  resumed: boolean;
  messages: Array<Record<string, unknown>>;
  next(pred?: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

const SESSION_ID_CONTEXT = 'fake-server';

/**
 * A small stand-in for the OpenUMS device endpoints (web CA, EST, ws-connect with mutual TLS),
 * enough to drive the agent end to end before/besides the real server.
 */
export class FakeServer {
  webCa!: TestCa;
  deviceCa!: TestCa;
  server!: Server;
  wss!: WebSocketServer;
  port = 0;
  keys = new Set<string>(['good-key']);
  enrollments: Array<{ unitId: string; info: Record<string, unknown>; renewal: boolean }> = [];
  nextDeviceId = 100;
  lifetimeDays = 365;
  notBeforeDaysAgo = 1;
  /** Sent after hello; set to null to not answer (welcome timeout tests). */
  welcome: Record<string, unknown> | null = { heartbeatSeconds: 1, heartbeatOffsetSeconds: 0 };
  connections: DeviceConn[] = [];
  /** This many next device upgrades are refused with 401 whatever the certificate. */
  refuseUpgrades = 0;
  private waiters: Array<(c: DeviceConn) => void> = [];
  private web!: { certPem: string; keyPem: string };

  static async start(): Promise<FakeServer> {
    const s = new FakeServer();
    s.webCa = await createTestCa('Fake Web CA');
    s.deviceCa = await createTestCa('Fake Device CA');
    const web = await issueServerCert(s.webCa);
    s.web = web;
    s.server = createServer(
      {
        cert: web.certPem,
        key: web.keyPem,
        ca: s.deviceCa.certPem,
        requestCert: true,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
        sessionIdContext: SESSION_ID_CONTEXT,
      },
      (req, res) => void s.http(req, res),
    );
    s.wss = new WebSocketServer({
      server: s.server,
      path: DEVICE_WS_PATH,
      maxPayload: 64 * 1024,
      verifyClient: ({ req }, cb) => {
        if (s.refuseUpgrades > 0) {
          s.refuseUpgrades--;
          return cb(false, 401, 'refused by the test');
        }
        return (req.socket as TLSSocket).authorized ? cb(true) : cb(false, 401, 'client certificate required');
      },
    });
    s.wss.on('connection', (ws, req) => s.onConnection(ws, req));
    await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
    s.port = (s.server.address() as AddressInfo).port;
    return s;
  }

  /**
   * Swaps the TLS context as a server would whose device CA is not loaded yet (false), and back
   * (true), keeping the session id context and ticket keys: a session begun while untrusted
   * resumes afterwards with its failed verification restored (what an agent must get out of).
   * Another session id context stands for a process whose sessions do not resume on this one.
   */
  trustDeviceCa(trusted: boolean, sessionIdContext = SESSION_ID_CONTEXT): void {
    const keys = this.server.getTicketKeys();
    this.server.setSecureContext({
      cert: this.web.certPem,
      key: this.web.keyPem,
      ...(trusted ? { ca: this.deviceCa.certPem } : {}),
      minVersion: 'TLSv1.2',
      sessionIdContext,
    });
    this.server.setTicketKeys(keys);
  }

  get url(): string {
    return `https://localhost:${this.port}`;
  }

  get caFingerprint(): string {
    return `sha256:${new X509Certificate(this.webCa.certPem).fingerprint256}`;
  }

  nextConnection(timeoutMs = 10_000): Promise<DeviceConn> {
    return new Promise((resolve, reject) => {
      const waiter = (c: DeviceConn) => {
        clearTimeout(t);
        resolve(c);
      };
      // A waiter that timed out leaves the queue: else it would take the next test's connection.
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error('no device connection'));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const sock = req.socket as TLSSocket;
    const cn = String(sock.getPeerCertificate().subject?.CN ?? '');
    const listeners: Array<(m: Record<string, unknown>) => void> = [];
    const conn: DeviceConn = {
      ws,
      cn,
      resumed: sock.isSessionReused(),
      messages: [],
      next: (pred = () => true, timeoutMs = 10_000) =>
        new Promise((resolve, reject) => {
          const seen = conn.messages.find(pred);
          if (seen) {
            conn.messages.splice(conn.messages.indexOf(seen), 1);
            return resolve(seen);
          }
          const t = setTimeout(() => reject(new Error('no matching message')), timeoutMs);
          const l = (m: Record<string, unknown>) => {
            if (!pred(m)) return;
            clearTimeout(t);
            listeners.splice(listeners.indexOf(l), 1);
            conn.messages.splice(conn.messages.indexOf(m), 1);
            resolve(m);
          };
          listeners.push(l);
        }),
    };
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Record<string, unknown>;
      conn.messages.push(m);
      if (m.t === 'hello' && this.welcome) {
        ws.send(JSON.stringify({ t: 'welcome', deviceId: Number(cn.replace('device-', '')), serverTime: Date.now(), ...this.welcome }));
      }
      for (const l of [...listeners]) l(m);
    });
    this.connections.push(conn);
    this.waiters.shift()?.(conn);
  }

  private async http(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await new Promise<string>((r) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => r(b));
    });
    const json = (status: number, code: string, message: string) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message } }));
    };
    const url = req.url ?? '';
    if (url === '/ca.crt') {
      res
        .writeHead(200, { 'content-type': 'application/x-pem-file', 'x-certificate-fingerprint': this.caFingerprint })
        .end(this.webCa.certPem);
      return;
    }
    if (url === `${EST_BASE_PATH}/cacerts`) {
      res.writeHead(200, { 'content-type': 'application/pkcs7-mime' }).end(pkcs7Base64([this.deviceCa.cert]));
      return;
    }
    const renewal = url === `${EST_BASE_PATH}/simplereenroll`;
    if (url === `${EST_BASE_PATH}/simpleenroll` || renewal) {
      const sock = req.socket as TLSSocket;
      let deviceId: number;
      if (renewal) {
        if (!sock.authorized) return json(401, 'CLIENT_CERTIFICATE_REQUIRED', 'client certificate required');
        deviceId = Number(String(sock.getPeerCertificate().subject?.CN).replace('device-', ''));
      } else {
        const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        if (key === 'rate-limited') {
          res
            .writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'slow down' } }));
          return;
        }
        if (!this.keys.has(key)) return json(401, 'ENROLLMENT_KEY_INVALID', 'The enrollment key is not valid');
        deviceId = this.nextDeviceId++;
      }
      if (req.headers['content-type'] !== 'application/pkcs10') return json(415, 'UNSUPPORTED_MEDIA_TYPE', 'pkcs10 expected');
      const info = JSON.parse(Buffer.from(String(req.headers[ENROLL_INFO_HEADER]), 'base64url').toString()) as Record<string, unknown>;
      try {
        const cert = await signDeviceCsr(
          this.deviceCa,
          Buffer.from(body.replace(/\s+/g, ''), 'base64'),
          deviceId,
          this.lifetimeDays,
          this.notBeforeDaysAgo,
        );
        this.enrollments.push({ unitId: String(info.unitId), info, renewal });
        res
          .writeHead(200, { 'content-type': 'application/pkcs7-mime; smime-type=certs-only' })
          .end(pkcs7Base64([cert]).replace(/(.{64})/g, '$1\n'));
      } catch (err) {
        json(400, 'CSR_INVALID', (err as Error).message);
      }
      return;
    }
    json(404, 'ROUTE_NOT_FOUND', 'not found');
  }
}

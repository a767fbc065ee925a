import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { request } from 'node:https';
import * as x509 from '@peculiar/x509';
import { registerSecret, registerSecretsInHeaders, registerSecretsInText } from '../log-secrets/registry.js';
import WebSocket from 'ws';
import {
  DEVICE_WS_PATH,
  ENROLL_INFO_HEADER,
  EST_BASE_PATH,
  PROTOCOL_VERSION,
  type EnrollDeviceInfo,
  type SystemInfo,
} from '@openums/protocol';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export interface Target {
  port: number;
  ca: string;
}

export async function makeCsr(cn: string) {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${cn}`,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  registerSecret('private-key', keyPem);
  return { keyPem, csrBase64: Buffer.from(csr.rawData).toString('base64'), csr };
}

export function httpsCall(
  t: Target,
  method: string,
  path: string,
  opts: { body?: string; headers?: Record<string, string>; cert?: string; key?: string; localAddress?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  // Whatever credentials go over the wire here are searched for in the servers' logs (log-secrets/).
  registerSecretsInHeaders(opts.headers);
  registerSecretsInText(opts.body);
  if (opts.key) registerSecret('private-key', opts.key);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port: t.port,
        path,
        method,
        ca: t.ca,
        cert: opts.cert,
        key: opts.key,
        headers: opts.headers,
        agent: false,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          registerSecretsInHeaders({ 'set-cookie': res.headers['set-cookie'] });
          registerSecretsInText(text);
          resolve({ status: res.statusCode!, body: text, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    // Without an answer in time the request fails (and a polling `until` asks again): a connection
    // the supervisor hands to a worker in the instant it dies is never answered (docs/cluster.md).
    if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.end(opts.body);
  });
}

export function pkcs7ToPem(base64: string): string {
  return new x509.X509Certificates(Buffer.from(base64.replace(/\s+/g, ''), 'base64')).map((c) => c.toString('pem'))[0]!;
}

export async function enroll(t: Target, key: string | null, info: EnrollDeviceInfo, csrBase64?: string, localAddress?: string) {
  const csr = csrBase64 ? { keyPem: '', csrBase64 } : await makeCsr(info.unitId);
  const res = await httpsCall(t, 'POST', `${EST_BASE_PATH}/simpleenroll`, {
    body: csr.csrBase64,
    headers: {
      'content-type': 'application/pkcs10',
      [ENROLL_INFO_HEADER]: Buffer.from(JSON.stringify(info)).toString('base64url'),
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    ...(localAddress ? { localAddress } : {}),
  });
  return { ...res, keyPem: csr.keyPem, certPem: res.status === 200 ? pkcs7ToPem(res.body) : null };
}

export const sysinfo = (over: Partial<SystemInfo> = {}): SystemInfo => ({
  hostname: 'thin-client-1',
  macs: ['02AABBCCDD01'],
  ips: ['10.0.0.5'],
  product: 'OpenUMS Linux',
  version: '12.1.0',
  bootTime: Date.now() - 60_000,
  uptime: 60,
  cpu: { model: 'Test CPU', cores: 4 },
  memory: { totalMb: 4096, freeMb: 2048 },
  ...over,
});

/** A device's WebSocket with a queue of received messages. */
export class TestDevice {
  readonly received: any[] = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.received.push(JSON.parse(d.toString()));
      this.waiters.splice(0).forEach((w) => w());
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  static connect(
    t: Target,
    creds: { certPem?: string; keyPem?: string } | null,
    headers: Record<string, string> = {},
    handshakeTimeoutMs?: number,
  ): Promise<TestDevice | { status: number }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`wss://127.0.0.1:${t.port}${DEVICE_WS_PATH}`, {
        ca: t.ca,
        servername: 'localhost',
        ...(creds?.certPem ? { cert: creds.certPem, key: creds.keyPem } : {}),
        headers,
        perMessageDeflate: false,
        ...(handshakeTimeoutMs ? { handshakeTimeout: handshakeTimeoutMs } : {}),
      });
      const dev = new TestDevice(ws);
      ws.once('open', () => resolve(dev));
      ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  hello(unitId: string, system = sysinfo()): void {
    this.send({ t: 'hello', v: PROTOCOL_VERSION, unitId, system });
  }

  /** The next not yet consumed message matching `pred` (waits up to `ms`). */
  async next(pred: (m: any) => boolean, ms = 10_000): Promise<any> {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.received.findIndex(pred);
      if (i >= 0) return this.received.splice(i, 1)[0];
      if (this.closed) throw new Error(`closed ${this.closed.code} ${this.closed.reason} while waiting`);
      if (Date.now() > end) throw new Error(`timed out; received ${JSON.stringify(this.received).slice(0, 500)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  async waitClosed(ms = 10_000): Promise<{ code: number; reason: string }> {
    const end = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > end) throw new Error('not closed');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }

  close(): void {
    this.ws.terminate();
  }
}

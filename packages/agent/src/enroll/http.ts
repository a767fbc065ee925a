import { request as httpsRequest, type Agent } from 'node:https';
import { isIP } from 'node:net';

export interface TlsOptions {
  /** Pinned CA (PEM). Without it the request is made WITHOUT certificate verification (CA fetch only). */
  ca?: string;
  cert?: string;
  key?: string;
  localAddress?: string;
  agent?: Agent;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const MAX_BODY = 1024 * 1024;

/** One HTTPS request with a buffered body; used for the few EST calls only. */
export function httpsCall(
  url: URL,
  opts: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; tls: TlsOptions; timeoutMs?: number },
): Promise<HttpResponse> {
  if (url.protocol !== 'https:') return Promise.reject(new Error(`server URL must be https: ${url.href}`));
  return new Promise((resolve, reject) => {
    const verify = opts.tls.ca !== undefined;
    const req = httpsRequest(
      url,
      {
        method: opts.method,
        headers: { ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}), ...opts.headers },
        ca: opts.tls.ca,
        cert: opts.tls.cert,
        key: opts.tls.key,
        rejectUnauthorized: verify,
        localAddress: opts.tls.localAddress,
        ...(opts.tls.localAddress && isIP(opts.tls.localAddress) === 4 ? { family: 4 } : {}),
        agent: opts.tls.agent ?? false,
        minVersion: 'TLSv1.2',
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(new Error('response too large'));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`request to ${url.host} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function headerValue(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

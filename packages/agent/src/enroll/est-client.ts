import type { Agent } from 'node:https';
import { EST_BASE_PATH, ENROLL_INFO_HEADER, REENROLL_PROOF_HEADER, type EnrollDeviceInfo } from '@openums/protocol';
import { base64Body, firstPem, fingerprint256, parsePkcs7Certs, reenrollProof } from '../crypto/x509.js';
import { headerValue, httpsCall, type HttpResponse } from './http.js';

/** A failed EST or CA call, with the server's error code when it sent one. */
export class EstError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'EstError';
  }
}

export function estUrl(server: string, op: 'cacerts' | 'simpleenroll' | 'simplereenroll'): URL {
  return new URL(`${EST_BASE_PATH}/${op}`, withSlash(server));
}

const withSlash = (server: string) => (server.endsWith('/') ? server : `${server}/`);

export interface ServerCa {
  pem: string;
  fingerprint: string;
  /** What the server claims in X-Certificate-Fingerprint (informational; we compute our own). */
  claimedFingerprint: string | null;
}

/** GET /ca.crt WITHOUT verifying the server: the caller pins the result (given fingerprint or TOFU). */
export async function fetchServerCa(server: string): Promise<ServerCa> {
  const res = await httpsCall(new URL('ca.crt', withSlash(server)), { method: 'GET', tls: {} });
  if (res.status !== 200) throw toEstError(res, 'fetching the server CA');
  const pem = firstPem(res.body.toString('utf8'));
  return { pem, fingerprint: fingerprint256(pem), claimedFingerprint: headerValue(res, 'x-certificate-fingerprint') ?? null };
}

export interface EnrollRequest {
  server: string;
  ca: string;
  csrDer: Uint8Array;
  info: EnrollDeviceInfo;
  /** simpleenroll: the enrollment key. */
  enrollmentKey?: string;
  /** simplereenroll: the current identity (mutual TLS). */
  identity?: { cert: string; key: string };
  localAddress?: string;
  agent?: Agent;
}

/**
 * EST simpleenroll (key) or simplereenroll (mutual TLS, plus a proof signed by the current key
 * for servers behind a TLS-terminating proxy); returns the issued certificate (PEM).
 */
export async function requestCertificate(req: EnrollRequest): Promise<string> {
  const op = req.identity ? 'simplereenroll' : 'simpleenroll';
  const headers: Record<string, string> = {
    'content-type': 'application/pkcs10',
    'content-transfer-encoding': 'base64',
    accept: 'application/pkcs7-mime',
    [ENROLL_INFO_HEADER]: Buffer.from(JSON.stringify(req.info)).toString('base64url'),
  };
  if (req.enrollmentKey !== undefined) headers.authorization = `Bearer ${req.enrollmentKey}`;
  // Always sent: through a TLS-terminating proxy the server cannot see our key in the handshake.
  if (req.identity) headers[REENROLL_PROOF_HEADER] = reenrollProof(req.identity.cert, req.identity.key, req.csrDer);
  const res = await httpsCall(estUrl(req.server, op), {
    method: 'POST',
    headers,
    body: base64Body(req.csrDer),
    tls: { ca: req.ca, cert: req.identity?.cert, key: req.identity?.key, localAddress: req.localAddress, agent: req.agent },
  });
  if (res.status !== 200) throw toEstError(res, op);
  const certs = parseCertsReply(res, op);
  return certs[0]!;
}

/** EST cacerts: the device CA chain (PEM). */
export async function fetchCaCerts(server: string, ca: string): Promise<string[]> {
  const res = await httpsCall(estUrl(server, 'cacerts'), { method: 'GET', tls: { ca } });
  if (res.status !== 200) throw toEstError(res, 'cacerts');
  return parseCertsReply(res, 'cacerts');
}

function parseCertsReply(res: HttpResponse, op: string): string[] {
  try {
    return parsePkcs7Certs(res.body);
  } catch (err) {
    throw new EstError(`${op}: unreadable reply (${(err as Error).message})`, res.status, null);
  }
}

function toEstError(res: HttpResponse, what: string): EstError {
  let code: string | null = null;
  let message = res.body.toString('utf8').slice(0, 500).trim();
  try {
    const parsed = JSON.parse(res.body.toString('utf8')) as { error?: { code?: string; message?: string } };
    if (parsed.error) {
      code = parsed.error.code ?? null;
      message = parsed.error.message ?? message;
    }
  } catch {
    // not JSON: keep the text
  }
  const ra = Number(headerValue(res, 'retry-after'));
  const retryAfter = Number.isFinite(ra) && ra >= 0 ? ra : null;
  const text = `${what} failed: HTTP ${res.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
  return new EstError(text, res.status, code, retryAfter);
}

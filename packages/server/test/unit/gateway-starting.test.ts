import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_WS_PATH, ErrorCode } from '@openums/protocol';
import { DeviceGateway } from '../../src/gateway/gateway.js';
import { AppError } from '../../src/lib/errors.js';

/**
 * The port opens before the database is migrated and the device CA loaded (server.ts), so after a
 * restart devices reconnect into a starting server. Their upgrade must be answered 503 — it once
 * threw out of the async upgrade handler and the unhandled rejection ended the process
 * (found by the kill -9 half-way test of scheduled jobs).
 */
describe('device upgrade while the server is starting', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  afterEach(() => {
    unhandled.length = 0;
  });

  it('answers 503 with Retry-After and keeps the process alive', async () => {
    const starting = () => {
      throw new AppError(ErrorCode.ServiceUnavailable, 'The server is starting');
    };
    const ca = new Proxy({}, { get: starting });
    const gateway = new DeviceGateway({
      config: {
        gateway: {
          maxMessageBytes: 65536,
          pingIntervalSeconds: 330,
          pongTimeoutSeconds: 10,
          keepAliveSeconds: 45,
          maxHandshakesInProgress: 100,
        },
        clientCertForwarding: { enabled: false, header: 'X-SSL-CERT', trustedProxies: [] },
      },
      ca,
      events: { subscribe: () => () => undefined },
      log: { error: () => undefined, warn: () => undefined },
    } as never);
    const server = new EventEmitter();
    gateway.attach(server as never);
    let answer = '';
    const socket = {
      destroyed: false,
      remoteAddress: '127.0.0.2',
      end: (text: string) => {
        answer = text;
      },
    };
    // A mutual-TLS socket whose peer certificate the (not yet loaded) device CA must check.
    const req = {
      url: DEVICE_WS_PATH,
      headers: {},
      socket: { authorized: true, remoteAddress: '127.0.0.2', getPeerX509Certificate: () => ({}) },
    };
    server.emit('upgrade', req, socket, Buffer.alloc(0));
    await new Promise((r) => setTimeout(r, 20));
    await gateway.shutdown();
    expect(answer).toMatch(/^HTTP\/1.1 503 /);
    expect(answer).toContain('Retry-After: 5');
    expect(answer).toContain(ErrorCode.ServiceUnavailable);
    expect(unhandled).toEqual([]);
  });
});

import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AcceptCeiling } from './accept-ceiling.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client connection that the server accepted and kept (true), or one refused or closed (false). */
function dial(port: number, clients: Socket[]): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      clients.push(s);
      // A connection accepted and closed at once shows as an end right after connect.
      setTimeout(() => resolve(!s.destroyed && s.readyState === 'open'), 50);
    });
    s.once('error', () => resolve(false));
  });
}

describe('AcceptCeiling', () => {
  let server: Server;
  let current: AcceptCeiling | null = null;
  const clients: Socket[] = [];
  afterEach(async () => {
    current?.stop();
    for (const c of clients.splice(0)) c.destroy();
    if (server.listening) await new Promise((r) => server.close(() => r(undefined)));
  });

  async function start(ceiling: number): Promise<{ port: number; ac: AcceptCeiling }> {
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    server.maxConnections = ceiling;
    const ac = new AcceptCeiling(server, ceiling, () => server.listen(port, '127.0.0.1'), null);
    current = ac;
    return { port, ac };
  }

  it('stops listening at the ceiling and listens again below it', async () => {
    const { port, ac } = await start(3);
    expect(ac.resumeAt).toBe(2);
    for (let i = 0; i < 3; i++) expect(await dial(port, clients)).toBe(true);
    await wait(20);
    expect(ac.isPaused).toBe(true);
    expect(server.listening).toBe(false);
    // Nobody else listens on this port here: refused, not accepted and closed.
    expect(await dial(port, clients)).toBe(false);
    clients[0]!.destroy();
    await wait(100);
    expect(ac.connections).toBe(2);
    expect(ac.isPaused).toBe(false);
    expect(server.listening).toBe(true);
    expect(await dial(port, clients)).toBe(true);
  });

  it('leaves a margin of 2 % before listening again', async () => {
    const { ac } = await start(1000);
    expect(ac.resumeAt).toBe(980);
  });

  it('never listens again once stopped (shutdown)', async () => {
    const { port, ac } = await start(2);
    for (let i = 0; i < 2; i++) expect(await dial(port, clients)).toBe(true);
    await wait(20);
    expect(ac.stop()).toBe(true);
    for (const c of clients) c.destroy();
    await wait(100);
    expect(ac.connections).toBe(0);
    expect(server.listening).toBe(false);
  });
});

import { request } from 'node:https';
import type { Target } from './device.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `fn` until it returns something truthy (an error counts as not yet) and returns that;
 * throws after `ms` naming `what`, the last error and `diagnose()`.
 */
export async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 15_000,
  diagnose = () => '',
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown = null;
  for (;;) {
    const v = await fn().catch((e: unknown) => ((last = e), null));
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what} ${diagnose()} ${last ? String(last) : ''}`.trim());
    await sleep(100);
  }
}

/** A browser's live event stream (SSE) on one server; `opened` once the stream's headers arrived. */
export function openEvents(t: Target, token: string) {
  const events: Array<{ type: string; data: any; at: number }> = [];
  let ready!: () => void;
  const opened = new Promise<void>((r) => (ready = r));
  const req = request(
    {
      host: '127.0.0.1',
      servername: 'localhost',
      port: t.port,
      path: '/api/v1/events',
      ca: t.ca,
      headers: { authorization: `Bearer ${token}` },
    },
    (res) => {
      ready();
      let buf = '';
      res.on('data', (c) => {
        buf += c;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const type = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (type && data) events.push({ type, data: JSON.parse(data), at: Date.now() });
        }
      });
    },
  );
  req.on('error', () => undefined);
  req.end();
  return { events, opened, close: () => req.destroy() };
}

import { EVENTS_PATH, type LiveEvent } from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import type { EventBus } from '../../lib/event-bus.js';
import { rightsOf, type RequestRights } from '../access/request-rights.js';

const KEEPALIVE_MS = 25_000;
/** A restricted administrator's events are sorted by rights in batches this far apart. */
const FILTER_BATCH_MS = 200;
/** Devices remembered as visible, so their deletion (no longer in the database) still reaches the browser. */
const SEEN_MAX = 50_000;

/**
 * Passes on only events of devices the administrator may browse (ADR 0006). Rights are
 * evaluated per batch with the current tree, so a change of rights applies to the stream at once.
 */
function visibleEvents(rights: RequestRights, send: (events: LiveEvent[]) => void, onError: (err: unknown) => void) {
  let queue: LiveEvent[] = [];
  let timer: NodeJS.Timeout | null = null;
  const seen = new Set<number>();
  const flush = async () => {
    timer = null;
    const batch = queue;
    queue = [];
    const ids = [...new Set(batch.filter((e) => e.type !== 'device.deleted').map((e) => e.deviceId))];
    const { allowed } = await rights.partition('device', ids, 'browse');
    const ok = new Set(allowed);
    if (seen.size + ok.size > SEEN_MAX) seen.clear();
    for (const id of ok) seen.add(id);
    send(batch.filter((e) => (e.type === 'device.deleted' ? seen.delete(e.deviceId) : ok.has(e.deviceId))));
  };
  return {
    push(e: LiveEvent) {
      queue.push(e);
      timer ??= setTimeout(() => void flush().catch(onError), FILTER_BATCH_MS);
    },
    stop() {
      if (timer) clearTimeout(timer);
    },
  };
}

/** Server-Sent Events: live presence, device and command changes for the web app. */
export function eventRoutes(app: App, bus: EventBus): void {
  app.get(EVENTS_PATH, {
    config: { access: 'authenticated' },
    schema: { tags: ['events'], summary: 'Live events of the devices you may browse (text/event-stream)' },
    handler: async (req, reply) => {
      const rights = rightsOf(req);
      // Decided before the stream starts: a hijacked reply bypasses the guard that checks it.
      await rights.listFilter('device', 'browse');
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      const write = (e: LiveEvent) => {
        const { type, ...data } = e;
        res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const filter = rights.superuser
        ? null
        : visibleEvents(
            rights,
            (events) => events.forEach(write),
            (err) => req.log.error({ err }, 'event filter failed; events of this batch were dropped'),
          );
      const unsubscribe = bus.subscribe(filter ? (e) => filter.push(e) : write);
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      const stop = () => {
        clearInterval(keepalive);
        filter?.stop();
        unsubscribe();
      };
      req.raw.on('close', stop);
      res.on('error', stop);
    },
  });
}

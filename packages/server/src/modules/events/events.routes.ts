import { EVENTS_PATH, Permission, type LiveEvent } from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import type { EventBus } from '../../lib/event-bus.js';

const KEEPALIVE_MS = 25_000;

/** Server-Sent Events: live presence, device and command changes for the web app. */
export function eventRoutes(app: App, bus: EventBus): void {
  app.get(EVENTS_PATH, {
    config: { access: Permission.DevicesRead },
    schema: { tags: ['events'], summary: 'Live events (text/event-stream)' },
    handler: (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      const send = (e: LiveEvent) => {
        const { type, ...data } = e;
        res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const unsubscribe = bus.subscribe(send);
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      const stop = () => {
        clearInterval(keepalive);
        unsubscribe();
      };
      req.raw.on('close', stop);
      res.on('error', stop);
    },
  });
}

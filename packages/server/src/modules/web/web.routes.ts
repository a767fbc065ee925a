import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { ErrorCode } from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { AppError } from '../../lib/errors.js';

/** The web app built by packages/web, next to this package in the repository. */
export const BUNDLED_WEB_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../web/dist');

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>OpenUMS</title>
<p>The OpenUMS web app has not been built. Run <code>npm run build</code> and restart the server.
The REST API is available under <a href="/api/docs">/api/docs</a>.</p>`;

// Mantine sets style attributes at run time, hence 'unsafe-inline' for styles only.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Serves the single-page app: files under /assets, index.html for every other page URL. */
export async function webRoutes(app: App, webRoot: string | null): Promise<void> {
  const root = webRoot ?? BUNDLED_WEB_ROOT;
  const built = existsSync(join(root, 'index.html'));
  await app.register(fastifyStatic, { root: built ? root : process.cwd(), serve: false });

  app.get('/*', {
    config: { access: 'public' },
    schema: { hide: true },
    handler: async (req, reply) => {
      const path = (req.params as { '*': string })['*'];
      // .well-known/* belongs to protocols (EST): an unknown one is a 404, never the app's HTML.
      if (/^(api|umsapi|device-connector|ums|\.well-known)(\/|$)/.test(path)) {
        throw new AppError(ErrorCode.RouteNotFound, `No route ${req.method} ${req.url}`);
      }
      if (!built) return reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).send(NOT_BUILT);
      if (/^assets\/[\w.-]+$/.test(path) || /^[\w-]+\.(svg|png|ico|txt|webmanifest)$/.test(path)) {
        const immutable = path.startsWith('assets/');
        return reply.sendFile(path, { maxAge: immutable ? 31_536_000_000 : 3_600_000, immutable });
      }
      reply.header('content-security-policy', CSP).header('cache-control', 'no-cache');
      return reply.sendFile('index.html', { maxAge: 0 });
    },
  });
}

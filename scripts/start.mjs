#!/usr/bin/env node
// `npm start`: build what is missing or stale, then run `openums server` with any extra arguments.
import { execSync, spawn } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const stale = (src, out) => !existsSync(out) || newestMtime(join(root, src)) > statSync(join(root, out)).mtimeMs;
if (
  stale('packages/server/src', 'packages/server/dist/main.js') ||
  stale('packages/protocol/src', 'packages/protocol/dist/index.js') ||
  stale('packages/web/src', 'packages/web/dist/index.html')
) {
  console.log('Building OpenUMS…');
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
}
// The server's heap sizes go on node's command line (V8 reads them only at start).
const { serverExecArgv } = await import(join(root, 'packages/server/dist/lib/heap-flags.js'));
const child = spawn(
  process.execPath,
  [...serverExecArgv([]), join(root, 'packages/server/bin/openums.js'), 'server', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

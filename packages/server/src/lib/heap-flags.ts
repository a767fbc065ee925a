/**
 * The V8 heap sizes every server process runs with: each worker of `--workers N` and a single
 * server alike. V8 reads them only when the process starts, so they travel on node's command line:
 * the supervisor adds them to its workers' (cluster.setupPrimary), and `bin/openums.js` carries
 * them in its `#!` line, `npm start` (scripts/start.mjs), the systemd unit of docs/install.md and
 * the benches pass them. (`v8.setFlagsFromString` after start does not resize the heap: measured,
 * docs/benchmarks.md.) A size the operator gives on node's command line or in NODE_OPTIONS wins.
 */

/**
 * V8's young generation, in MB per semi-space (Node's default: 16). A worker gains thousands of
 * long-lived channels within minutes after a restart and every handshake leaves short-lived garbage
 * besides; an API request allocates its rows and JSON: with more room, fewer scavenges run and
 * fewer of those objects get copied and promoted (100,000 devices: faster cold start and reconnect
 * storm, the same RSS; the device list: less server CPU per request — docs/benchmarks.md).
 */
export const SEMI_SPACE_MB = 64;

/**
 * Where V8 starts the old generation's limit, in MB (Node's default: a few MB, raised as the heap
 * grows). A worker restarted into a reconnect storm grows from nothing to thousands of channels in
 * a minute; from a small start it runs a full mark-and-sweep of its growing heap again and again on
 * the way (about a fifth of its CPU in a storm profile). Starting at 256 MB skips those; a process
 * that holds more grows past it as before. Measured: reconnect storm after kill -9 of every worker
 * at 20,000 devices 77 → 70 s (docs/benchmarks.md).
 */
export const INITIAL_OLD_SPACE_MB = 256;

const SIZES: ReadonlyArray<readonly [flag: string, value: number]> = [
  ['max-semi-space-size', SEMI_SPACE_MB],
  ['initial-old-space-size', INITIAL_OLD_SPACE_MB],
];

/** The server's heap flags, as node takes them on its command line. */
export const SERVER_HEAP_FLAGS: readonly string[] = SIZES.map(([flag, mb]) => `--${flag}=${mb}`);

/** The flags of SERVER_HEAP_FLAGS that neither node's own options nor NODE_OPTIONS set (in either spelling). */
export function missingHeapFlags(execArgv: readonly string[], nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const all = [...execArgv, ...nodeOptions.split(/\s+/)];
  const given = (flag: string) => all.some((a) => new RegExp(`^--${flag.replace(/-/g, '[-_]')}(?:=|$)`).test(a));
  return SIZES.filter(([flag]) => !given(flag)).map(([flag, mb]) => `--${flag}=${mb}`);
}

/** Node options for a server process: `execArgv` plus the heap sizes it does not set itself. */
export function serverExecArgv(execArgv: readonly string[], nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  return [...execArgv, ...missingHeapFlags(execArgv, nodeOptions)];
}

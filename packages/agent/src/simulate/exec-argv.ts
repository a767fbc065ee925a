/**
 * V8 heap settings for each simulator process, unless the command line or NODE_OPTIONS sets them.
 * A simulator process holds thousands of devices whose channels all come back at once after a
 * server restart; the load generator should leave the shared host's CPU to the server under test.
 *
 * - `--max-semi-space-size=64`: a larger young generation than Node's 16 MB semi-spaces, as the
 *   server's workers (server cluster/supervisor.ts).
 * - `--heap-growing-percent=300`: after a full mark-and-sweep V8 lets the old generation grow
 *   to 4× what survived before the next one. With V8's own factor a simulator process ran a full
 *   collection every few seconds in a reconnect storm, on a heap of ≈ 50 MB of which ≈ 40 MB
 *   survived each time (`--trace-gc`, 20,000 devices in 8 processes: 250 full collections in
 *   one cold start and storm; with this setting 83 — docs/benchmarks.md).
 */
export const SIMULATOR_V8_DEFAULTS: ReadonlyArray<readonly [flag: string, value: string]> = [
  ['max-semi-space-size', '64'],
  ['heap-growing-percent', '300'],
];

/** The simulator processes' Node options: the coordinator's own, plus SIMULATOR_V8_DEFAULTS not set there or in NODE_OPTIONS. */
export function simulatorExecArgv(execArgv: readonly string[], nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const all = [...execArgv, ...nodeOptions.split(/\s+/)];
  // V8 takes - and _ alike in flag names.
  const given = (flag: string) => all.some((a) => new RegExp(`^--${flag.replace(/-/g, '[-_]')}(?:=|$)`).test(a));
  return [...execArgv, ...SIMULATOR_V8_DEFAULTS.filter(([flag]) => !given(flag)).map(([flag, value]) => `--${flag}=${value}`)];
}

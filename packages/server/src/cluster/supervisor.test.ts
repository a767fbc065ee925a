import { describe, expect, it } from 'vitest';
import { WORKER_INITIAL_OLD_SPACE_MB, WORKER_SEMI_SPACE_MB, workerExecArgv } from './supervisor.js';

describe('workerExecArgv', () => {
  const semi = `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`;
  const old = `--initial-old-space-size=${WORKER_INITIAL_OLD_SPACE_MB}`;
  it("adds the young generation size and the old generation's first limit to the supervisor's own options", () => {
    expect(workerExecArgv(['--enable-source-maps'], '')).toEqual(['--enable-source-maps', semi, old]);
  });

  it("keeps an operator's own sizes, given on the command line or in NODE_OPTIONS, in either spelling", () => {
    expect(workerExecArgv(['--max-semi-space-size=32'], '')).toEqual(['--max-semi-space-size=32', old]);
    expect(workerExecArgv([], '--max-old-space-size=4096 --max_semi_space_size=8')).toEqual([old]);
    expect(workerExecArgv([], '--max-old-space-size=4096')).toEqual([semi, old]);
    expect(workerExecArgv(['--initial_old_space_size=64'], '--max-semi-space-size=16')).toEqual(['--initial_old_space_size=64']);
    // Another flag that merely starts alike is not the operator's size.
    expect(workerExecArgv(['--max-semi-space-size-x'], '')).toEqual(['--max-semi-space-size-x', semi, old]);
  });
});

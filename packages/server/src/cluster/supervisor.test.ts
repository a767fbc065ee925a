import { describe, expect, it } from 'vitest';
import { WORKER_SEMI_SPACE_MB, workerExecArgv } from './supervisor.js';

describe('workerExecArgv', () => {
  it("adds the young generation size to the supervisor's own options", () => {
    expect(workerExecArgv(['--enable-source-maps'], '')).toEqual(['--enable-source-maps', `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`]);
  });

  it("keeps an operator's own size, given on the command line or in NODE_OPTIONS, in either spelling", () => {
    expect(workerExecArgv(['--max-semi-space-size=32'], '')).toEqual(['--max-semi-space-size=32']);
    expect(workerExecArgv([], '--max-old-space-size=4096 --max_semi_space_size=8')).toEqual([]);
    expect(workerExecArgv([], '--max-old-space-size=4096')).toEqual([`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`]);
  });
});

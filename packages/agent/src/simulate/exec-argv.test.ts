import { describe, expect, it } from 'vitest';
import { simulatorExecArgv } from './exec-argv.js';

describe('simulatorExecArgv', () => {
  const semi = '--max-semi-space-size=64';
  const growing = '--heap-growing-percent=300';

  it('adds the heap defaults to the coordinator’s own flags', () => {
    expect(simulatorExecArgv([], '')).toEqual([semi, growing]);
    expect(simulatorExecArgv(['--enable-source-maps'], '')).toEqual(['--enable-source-maps', semi, growing]);
  });

  it('keeps what the command line or NODE_OPTIONS sets, with - or _', () => {
    expect(simulatorExecArgv(['--max-semi-space-size=16'], '')).toEqual(['--max-semi-space-size=16', growing]);
    expect(simulatorExecArgv([], '--heap_growing_percent=50')).toEqual([semi]);
    expect(simulatorExecArgv(['--heap-growing-percent=100'], '--max_semi_space_size=8')).toEqual(['--heap-growing-percent=100']);
  });

  it('does not take a longer flag for one of its own', () => {
    expect(simulatorExecArgv(['--max-semi-space-size-x'], '')).toEqual(['--max-semi-space-size-x', semi, growing]);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INITIAL_OLD_SPACE_MB, SEMI_SPACE_MB, SERVER_HEAP_FLAGS, missingHeapFlags, serverExecArgv } from './heap-flags.js';

describe('server heap flags', () => {
  const semi = `--max-semi-space-size=${SEMI_SPACE_MB}`;
  const old = `--initial-old-space-size=${INITIAL_OLD_SPACE_MB}`;

  it("adds the young generation size and the old generation's first limit to a process's own options", () => {
    expect(SERVER_HEAP_FLAGS).toEqual([semi, old]);
    expect(serverExecArgv(['--enable-source-maps'], '')).toEqual(['--enable-source-maps', semi, old]);
  });

  it("keeps an operator's own sizes, given on the command line or in NODE_OPTIONS, in either spelling", () => {
    expect(serverExecArgv(['--max-semi-space-size=32'], '')).toEqual(['--max-semi-space-size=32', old]);
    expect(serverExecArgv([], '--max-old-space-size=4096 --max_semi_space_size=8')).toEqual([old]);
    expect(serverExecArgv([], '--max-old-space-size=4096')).toEqual([semi, old]);
    expect(serverExecArgv(['--initial_old_space_size=64'], '--max-semi-space-size=16')).toEqual(['--initial_old_space_size=64']);
    expect(missingHeapFlags([semi, old], '')).toEqual([]);
    // Another flag that merely starts alike is not the operator's size.
    expect(serverExecArgv(['--max-semi-space-size-x'], '')).toEqual(['--max-semi-space-size-x', semi, old]);
  });

  it('are the flags of the `#!` line of bin/openums.js (run as a program, the server starts with them)', () => {
    const first = readFileSync(new URL('../../bin/openums.js', import.meta.url), 'utf8').split('\n')[0];
    expect(first).toBe(`#!/usr/bin/env -S node ${SERVER_HEAP_FLAGS.join(' ')}`);
  });
});

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { captureLogsTo, createLogger } from './log.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-log-capture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('appends every line, debug included, to the capture directory of the test suite (the log-secret scan)', () => {
  const shown: string[] = [];
  const before = createLogger({ level: 'warn', write: (l) => void shown.push(l) });
  before.info('not captured: no directory yet');
  captureLogsTo(dir);
  const log = createLogger({ level: 'warn', write: (l) => void shown.push(l) }).child('[enroll]');
  log.debug('hidden detail');
  log.warn('server busy');
  expect(shown).toEqual([expect.stringMatching(/ WARN \[enroll\] server busy\n$/)]);
  expect(readdirSync(dir)).toEqual([`agent-${process.pid}.log`]);
  const captured = readFileSync(join(dir, `agent-${process.pid}.log`), 'utf8')
    .trimEnd()
    .split('\n');
  expect(captured).toEqual([
    expect.stringMatching(/ DEBUG \[enroll\] hidden detail$/),
    expect.stringMatching(/ WARN \[enroll\] server busy$/),
  ]);
});

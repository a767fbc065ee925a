import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SettingsReportMessage } from '@openums/protocol';
import { silentLogger } from '../lib/log.js';
import { enqueueChanges, MAX_REPORT_BYTES, queueDir, readQueue, removeQueued, reportMessages } from './queue.js';
import { SettingsReporter } from './reporter.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'settings-queue-'));

describe('local change queue', () => {
  it('merges queued changes in the order they were made (later wins) and removes only what was read', () => {
    const dir = tmp();
    enqueueChanges(dir, { 'a.x': 1, 'a.y': 'y' });
    enqueueChanges(dir, { 'a.x': null });
    enqueueChanges(dir, { 'a.x': 3, 'a.z': ['l'] });
    const q = readQueue(dir, silentLogger);
    expect(q.files).toHaveLength(3);
    expect(q.changes).toEqual({ 'a.y': 'y', 'a.x': 3, 'a.z': ['l'] });

    // A change queued after the read survives the removal of what was sent.
    const late = enqueueChanges(dir, { 'a.late': true });
    removeQueued(dir, q.files);
    expect(readdirSync(queueDir(dir))).toEqual([late]);
    expect(readQueue(dir, silentLogger).changes).toEqual({ 'a.late': true });
  });

  it('numbers files above the highest queued, so order holds after the agent emptied part of the queue', () => {
    const dir = tmp();
    const a = enqueueChanges(dir, { k: 1 });
    const b = enqueueChanges(dir, { k: 2 });
    removeQueued(dir, [a]);
    const c = enqueueChanges(dir, { k: 3 });
    expect([a, b, c].map((n) => n.slice(0, 12))).toEqual(['000000000001', '000000000002', '000000000003']);
    expect(readQueue(dir, silentLogger).changes).toEqual({ k: 3 });
  });

  it('sets an invalid file aside and reads the rest', () => {
    const dir = tmp();
    enqueueChanges(dir, { 'a.ok': 1 });
    writeFileSync(join(queueDir(dir), '000000000005-x-y.json'), JSON.stringify({ settings: { 'a.bad': 1.5 } }));
    writeFileSync(join(queueDir(dir), '000000000006-x-y.json'), '{oops');
    writeFileSync(join(queueDir(dir), 'notes.txt'), 'ignored');
    const warnings: string[] = [];
    const q = readQueue(dir, { ...silentLogger, warn: (m) => warnings.push(m) });
    expect(q.changes).toEqual({ 'a.ok': 1 });
    expect(q.files).toHaveLength(1);
    expect(warnings).toHaveLength(2);
    expect(existsSync(join(queueDir(dir), '000000000005-x-y.json.bad'))).toBe(true);
  });

  it('splits large reports to fit the channel limits', () => {
    const changes: Record<string, string | null> = {};
    for (let i = 0; i < 3000; i++) changes[`k.n${i}`] = i % 2 ? null : 'v';
    const byKeys = reportMessages(changes);
    expect(byKeys.map((m) => Object.keys(m.settings).length)).toEqual([2000, 1000]);
    const big: Record<string, string> = {};
    for (let i = 0; i < 40; i++) big[`k.big${i}`] = 'x'.repeat(4000);
    const bySize = reportMessages(big);
    expect(bySize.length).toBeGreaterThan(2);
    for (const m of bySize) expect(Buffer.byteLength(JSON.stringify(m))).toBeLessThanOrEqual(MAX_REPORT_BYTES);
    expect(bySize.flatMap((m) => Object.keys(m.settings))).toEqual(Object.keys(big));
  });
});

describe('SettingsReporter', () => {
  it('sends queued changes only while online and clears the queue only after a successful send', async () => {
    const dir = tmp();
    mkdirSync(dir, { recursive: true });
    const sent: SettingsReportMessage[] = [];
    let online = false;
    let sendOk = false;
    const reporter = new SettingsReporter({
      stateDir: dir,
      log: silentLogger,
      online: () => online,
      send: async (m) => {
        if (sendOk) sent.push(m);
        return sendOk;
      },
    });
    expect(await reporter.flush()).toBe(true);
    enqueueChanges(dir, { 'a.x': 5 });
    expect(await reporter.flush()).toBe(false);
    online = true;
    expect(await reporter.flush()).toBe(false);
    expect(readQueue(dir, silentLogger).files).toHaveLength(1);
    sendOk = true;
    enqueueChanges(dir, { 'a.y': null });
    expect(await reporter.flush()).toBe(true);
    expect(sent).toEqual([{ t: 'settings-report', settings: { 'a.x': 5, 'a.y': null } }]);
    expect(readQueue(dir, silentLogger).files).toEqual([]);
    expect(await reporter.flush()).toBe(true);
    expect(sent).toHaveLength(1);
  });
});

import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AckMessage, CommandMessage, ResultMessage } from '@openums/protocol';
import { silentLogger } from '../lib/log.js';
import { RecordingPlatform } from '../platform/recording.js';
import { CommandRunner } from './command-runner.js';
import { FileCommandStore, MemoryCommandStore, type CommandStore } from './command-store.js';

function setup(opts: { store?: CommandStore; allowPowerActions?: boolean } = {}) {
  const sent: Array<AckMessage | ResultMessage> = [];
  const platform = new RecordingPlatform({ unitId: '020000000001', mac: '020000000001', allowPowerActions: opts.allowPowerActions });
  const store = opts.store ?? new MemoryCommandStore();
  let resets = 0;
  const runner = new CommandRunner({
    platform,
    log: silentLogger,
    store: () => store,
    send: async (m) => {
      sent.push(m);
      return true;
    },
    onFactoryReset: () => resets++,
  });
  return { sent, platform, store, runner, resets: () => resets };
}

const cmd = (id: number, command: string, text?: string) => ({ t: 'command', id, command, ...(text ? { text } : {}) }) as CommandMessage;

describe('CommandRunner', () => {
  it('acks, executes once, and answers a redelivered id from the store', async () => {
    const { sent, platform, runner } = setup();
    await runner.handle(cmd(7, 'send-message', 'hello'));
    await runner.handle(cmd(7, 'send-message', 'hello'));
    expect(platform.actions.map((a) => a.text)).toEqual(['hello']);
    expect(sent).toEqual([
      { t: 'ack', id: 7 },
      { t: 'result', id: 7, ok: true, message: 'message shown' },
      { t: 'ack', id: 7 },
      { t: 'result', id: 7, ok: true, message: 'message shown' },
    ]);
  });

  it('only acks an id that is still running', async () => {
    const { sent, platform, runner } = setup();
    await Promise.all([runner.handle(cmd(8, 'send-message', 'x')), runner.handle(cmd(8, 'send-message', 'x'))]);
    expect(platform.actions).toHaveLength(1);
    expect(sent.filter((m) => m.t === 'result')).toHaveLength(1);
    expect(sent.filter((m) => m.t === 'ack')).toHaveLength(2);
  });

  it('records reboot as done before the action, so a crash mid-reboot still answers ok', async () => {
    const store = new MemoryCommandStore();
    const { platform, runner } = setup({ store });
    let recordedBeforeAction = false;
    const reboot = platform.reboot.bind(platform);
    platform.reboot = async () => {
      recordedBeforeAction = store.get(9)?.ok === true;
      return reboot();
    };
    await runner.handle(cmd(9, 'reboot'));
    expect(recordedBeforeAction).toBe(true);
    expect(platform.actions.map((a) => a.action)).toEqual(['reboot']);
  });

  it('refuses power actions when the agent config forbids them', async () => {
    const { sent, platform, runner } = setup({ allowPowerActions: false });
    for (const [id, c] of [
      [1, 'reboot'],
      [2, 'shutdown'],
      [3, 'suspend'],
    ] as const)
      await runner.handle(cmd(id, c));
    expect(platform.actions).toEqual([]);
    expect(sent.filter((m) => m.t === 'result')).toEqual([
      { t: 'result', id: 1, ok: false, message: 'power actions disabled in agent config' },
      { t: 'result', id: 2, ok: false, message: 'power actions disabled in agent config' },
      { t: 'result', id: 3, ok: false, message: 'power actions disabled in agent config' },
    ]);
  });

  it('answers refresh-sysinfo with system facts, wakeup and unknown commands with ok:false', async () => {
    const { sent, runner } = setup();
    await runner.handle(cmd(1, 'refresh-sysinfo'));
    await runner.handle(cmd(2, 'wakeup'));
    await runner.handle(cmd(3, 'format-disk'));
    const results = sent.filter((m): m is ResultMessage => m.t === 'result');
    expect(results[0]).toMatchObject({ id: 1, ok: true, system: { macs: ['020000000001'], product: 'OpenUMS simulated device' } });
    expect(results[1]).toMatchObject({ id: 2, ok: false, message: expect.stringContaining('not supported') });
    expect(results[2]).toMatchObject({ id: 3, ok: false, message: expect.stringContaining('unknown command') });
    // re-sent refresh-sysinfo carries system facts again
    await runner.handle(cmd(1, 'refresh-sysinfo'));
    expect(sent.at(-1)).toMatchObject({ t: 'result', id: 1, ok: true, system: { hostname: 'sim-020000000001' } });
  });

  it('sends the factory-reset result before resetting', async () => {
    const { sent, runner, resets } = setup();
    await runner.handle(cmd(5, 'reset-factory-defaults'));
    expect(sent.at(-1)).toMatchObject({ t: 'result', id: 5, ok: true });
    expect(resets()).toBe(1);
  });
});

describe('command stores', () => {
  it('keeps only the newest ids', () => {
    const store = new MemoryCommandStore(3);
    for (let id = 1; id <= 5; id++) store.put(id, { command: 'send-message', ok: true, at: id });
    expect(store.size).toBe(3);
    expect(store.get(1)).toBeUndefined();
    expect(store.get(2)).toBeUndefined();
    expect(store.get(5)?.at).toBe(5);
  });

  it('persists across agent restarts (0600, bounded), so redelivery after a reboot is not executed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-store-'));
    const path = join(dir, 'commands.json');
    const first = setup({ store: new FileCommandStore(path, 1000) });
    await first.runner.handle(cmd(11, 'reboot'));
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const second = setup({ store: new FileCommandStore(path, 1000) });
    await second.runner.handle(cmd(11, 'reboot'));
    expect(second.platform.actions).toEqual([]);
    expect(second.sent).toEqual([
      { t: 'ack', id: 11 },
      { t: 'result', id: 11, ok: true, message: 'reboot started' },
    ]);

    const big = new FileCommandStore(join(dir, 'big.json'), 1000);
    for (let id = 1; id <= 1100; id++) big.put(id, { command: 'send-message', ok: true, at: 0 });
    const reloaded = new FileCommandStore(join(dir, 'big.json'), 1000);
    expect(reloaded.size).toBe(1000);
    expect(reloaded.get(100)).toBeUndefined();
    expect(reloaded.get(1100)).toBeDefined();
    expect(JSON.parse(readFileSync(join(dir, 'big.json'), 'utf8')).results).toHaveLength(1000);
  });
});

import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsRepository } from '../../src/db/settings.repository.js';
import { LogLevels } from '../../src/lib/log-levels.js';
import { LoggingService } from '../../src/modules/logging/logging.routes.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const BIN = new URL('../../bin/openums.js', import.meta.url).pathname;

/** A pino logger writing its lines into an array. */
function memoryLogger(level: string) {
  const lines: { area?: string; msg: string; level: number }[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: pino({ level }, stream), lines };
}

describe('run-time log levels (LogLevels)', () => {
  it('changes the default and each area without new loggers, and goes back to the start level', () => {
    const { log, lines } = memoryLogger('info');
    const levels = new LogLevels(log);
    const gateway = levels.area('gateway')!;
    const commands = levels.area('commands')!;
    gateway.debug('hidden');
    levels.apply({ level: 'warn', areas: { gateway: 'debug' } });
    gateway.debug('gateway debug');
    commands.info('commands info hidden');
    commands.warn('commands warn');
    log.info('root info hidden');
    // An area created after a change gets the level it should have.
    levels.area('delivery')!.info('delivery info hidden');
    levels.apply(null);
    gateway.debug('hidden again');
    commands.info('commands info');
    expect(lines.map((l) => l.msg)).toEqual(['gateway debug', 'commands warn', 'commands info']);
    expect(lines[0]!.area).toBe('gateway');
  });
});

describe.each(DIALECTS)('run-time log levels over the API and the CLI (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t?.close());

  it('stores the levels for the cluster; another process applies them on its refresh; bad input changes nothing', async () => {
    const put = await t.api('PUT', '/api/v1/settings/logging', { level: 'warn', areas: { gateway: 'trace' } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect((await t.api('GET', '/api/v1/settings/logging')).body).toEqual({ level: 'warn', areas: { gateway: 'trace' } });
    for (const body of [
      { level: 'loud', areas: {} },
      { level: 'info', areas: { kernel: 'debug' } },
      { level: 'info' },
      { level: 'info', areas: { gateway: 'silent' } },
    ]) {
      expect((await t.api('PUT', '/api/v1/settings/logging', body)).status).toBe(400);
    }
    expect((await t.api('GET', '/api/v1/settings/logging')).body).toEqual({ level: 'warn', areas: { gateway: 'trace' } });
    const audit = (await t.api('GET', '/api/v1/audit-log?action=settings.logging')).body.items;
    expect(audit[0]).toMatchObject({ action: 'settings.logging' });

    // "Another process": its own loggers, the same database.
    const other = memoryLogger('info');
    const levels = new LogLevels(other.log);
    const gateway = levels.area('gateway')!;
    await new LoggingService(t.database.db, new SettingsRepository(t.database.db), levels, { record: async () => undefined }).refresh();
    expect(other.log.level).toBe('warn');
    expect(gateway.level).toBe('trace');
  });

  it('openums admin log-level sets and shows them', async () => {
    const env = { ...process.env };
    const args = ['--data-dir', t.testDb.dataDir, ...(t.testDb.databaseUrl ? ['--database-url', t.testDb.databaseUrl] : [])];
    const set = spawnSync(process.execPath, [BIN, 'admin', 'log-level', 'debug', 'commands=trace', ...args], { encoding: 'utf8', env });
    expect(set.status, set.stderr).toBe(0);
    expect((await t.api('GET', '/api/v1/settings/logging')).body).toEqual({ level: 'debug', areas: { commands: 'trace' } });
    const show = spawnSync(process.execPath, [BIN, 'admin', 'log-level', ...args], { encoding: 'utf8', env });
    expect(JSON.parse(show.stdout)).toEqual({ level: 'debug', areas: { commands: 'trace' } });
    const bad = spawnSync(process.execPath, [BIN, 'admin', 'log-level', 'debug', 'kernel=trace', ...args], { encoding: 'utf8', env });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('is not AREA=LEVEL');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

const file = (content: string) => {
  const p = join(mkdtempSync(join(tmpdir(), 'openums-cfg-')), 'config.json');
  writeFileSync(p, content);
  return p;
};

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c).toMatchObject({ port: 8443, databaseUrl: null, logLevel: 'info', tls: { minVersion: 'TLSv1.3' } });
    expect(c.dataDir).toBe(resolve('./data'));
    expect(Object.isFrozen(c) && Object.isFrozen(c.tls)).toBe(true);
  });

  it('notices a vanished host within 60 s and never pings a device that beats (docs/devices.md#liveness)', () => {
    const { gateway } = loadConfig({ env: {} });
    const flush = gateway.presenceFlushMs / 1000;
    // Nothing in flight: kernel keepalive (K idle seconds, then 10 probes 1 s apart) + the presence flush.
    expect(gateway.keepAliveSeconds).toBeGreaterThan(0);
    expect(gateway.keepAliveSeconds + 10 + flush).toBeLessThanOrEqual(60);
    // Data in flight (keepalive stops probing): the answer deadline every send starts, then a ping's, + 2 s of wheel resolution.
    expect(2 * gateway.pongTimeoutSeconds + 2 + flush).toBeLessThanOrEqual(60);
    // Heartbeats (period + its random first offset spread them, the period stays) arrive before the ping.
    expect(gateway.pingIntervalSeconds).toBeGreaterThan(gateway.heartbeatSeconds);
  });

  it('layers file < environment < flags', () => {
    const f = file(JSON.stringify({ port: 9000, logLevel: 'debug', tls: { extraNames: ['ums.example.org'] } }));
    const c = loadConfig({ file: f, env: { OPENUMS_PORT: '9100', OPENUMS_DATABASE_URL: 'postgres://db/ums' }, flags: { port: 9200 } });
    expect(c.port).toBe(9200);
    expect(c.logLevel).toBe('debug');
    expect(c.databaseUrl).toBe('postgres://db/ums');
    expect(c.tls).toEqual({ minVersion: 'TLSv1.3', extraNames: ['ums.example.org'] });
    const e = loadConfig({ env: { OPENUMS_TLS_EXTRA_NAMES: 'a.example, 10.1.2.3' } });
    expect(e.tls.extraNames).toEqual(['a.example', '10.1.2.3']);
    expect(e.databasePreparedStatements).toBe(true);
    expect(loadConfig({ env: { OPENUMS_DATABASE_PREPARED_STATEMENTS: 'false' } }).databasePreparedStatements).toBe(false);
  });

  it('names the bad setting and where it came from', () => {
    expect(() => loadConfig({ env: { OPENUMS_PORT: 'eighty' } })).toThrow(/setting "port".*environment.*"eighty"/);
    expect(() => loadConfig({ flags: { port: 70000 } })).toThrow(/setting "port" must be <= 65535 \(from command line/);
    expect(() => loadConfig({ env: { OPENUMS_DATABASE_URL: 'mysql://x' } })).toThrow(/databaseUrl/);
    expect(() => loadConfig({ env: { OPENUMS_LOG_LEVEL: 'loud' } })).toThrow(/logLevel/);
    expect(() => loadConfig({ env: { OPENUMS_DATABASE_PREPARED_STATEMENTS: 'no' } })).toThrow(/databasePreparedStatements/);
    expect(() => loadConfig({ file: file('{"prot": 1}') })).toThrow(/unknown setting "prot"/);
    expect(() => loadConfig({ file: file('{"tls": {"minVersion": "TLSv1.0"}}') })).toThrow(/tls.minVersion/);
    expect(() => loadConfig({ file: file('{not json') })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ file: '/nonexistent/openums.json' })).toThrow(/Cannot read config file/);
  });
});

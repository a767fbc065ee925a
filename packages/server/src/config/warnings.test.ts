import { describe, expect, it } from 'vitest';
import { configWarnings } from './warnings.js';
import { DEFAULTS, type Config } from './schema.js';

const withForwarding = (over: Partial<Config['clientCertForwarding']>): Config => ({
  ...DEFAULTS,
  clientCertForwarding: { ...DEFAULTS.clientCertForwarding, enabled: true, ...over },
});

describe('configWarnings', () => {
  it('warns when forwarding trusts loopback (the default list or any loopback address)', () => {
    expect(configWarnings(withForwarding({}))).toEqual([expect.objectContaining({ setting: 'clientCertForwarding.trustedProxies' })]);
    expect(configWarnings(withForwarding({}))[0]!.message).toContain('(the default list)');
    expect(configWarnings(withForwarding({ trustedProxies: ['10.0.0.5', '127.0.0.53'] }))[0]!.message).toContain('127.0.0.53');
    expect(configWarnings(withForwarding({ trustedProxies: ['::ffff:127.0.0.1'] }))).toHaveLength(1);
  });

  it('says nothing when forwarding is off or only the proxy is trusted', () => {
    expect(configWarnings(DEFAULTS)).toEqual([]);
    expect(configWarnings(withForwarding({ trustedProxies: ['10.0.0.5', 'fd00::5'] }))).toEqual([]);
  });
});

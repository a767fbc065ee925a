import { describe, expect, it } from 'vitest';
import { isSecretField, maskPayload, payloadText } from './comm-log-mask.js';

describe('device communication log masking', () => {
  it('knows secret field names in any case and spelling', () => {
    for (const k of [
      'password',
      'Password',
      'admin_password',
      'network.wireless.network[0].passphrase',
      'clientSecret',
      'API-TOKEN',
      'refresh_token',
      'apiKey',
      'private_key',
      'key',
      'sshKey',
      'pin',
      'userPin',
      'PIN',
      'credentials',
      'pwd',
      'settingsHash',
      'hash',
    ])
      expect(isSecretField(k), k).toBe(true);
    for (const k of ['t', 'unitId', 'hostname', 'keyboard.layout', 'hotkey', 'ping', 'spinner', 'message', 'id', 'uptime', 'monkey'])
      expect(isSecretField(k), k).toBe(false);
  });

  it('masks values of secret fields at any depth, in arrays, and credentials in any string', () => {
    expect(
      maskPayload({
        t: 'x',
        settings: { 'security.admin_password': 's1', 'user.name': 'ann', list: [{ token: 't', ok: 1 }] },
        deep: { a: { b: { secretValue: { anything: true } } } },
        unset: { password: null },
        text: 'use oek_ABCDEFGHIJKLMNOP_abcdefghijklmnopqrstuvwxyz0123 now',
      }),
    ).toEqual({
      t: 'x',
      settings: { 'security.admin_password': '***', 'user.name': 'ann', list: [{ token: '***', ok: 1 }] },
      deep: { a: { b: { secretValue: '***' } } },
      unset: { password: null },
      text: '***',
    });
  });

  it('cuts the stored text at the limit, never inside a surrogate pair', () => {
    expect(payloadText({ t: 'a' })).toEqual({ text: '{"t":"a"}', truncated: false });
    const long = payloadText({ t: 'x'.repeat(100) }, 20);
    expect(long).toEqual({ text: '{"t":"xxxxxxxxxxxxxx', truncated: true });
    // '{"t":"' is 6 characters: an emoji (two UTF-16 units) at 19–20 is left out whole.
    const emoji = payloadText({ t: 'x'.repeat(13) + '😀' + 'y'.repeat(10) }, 20);
    expect(emoji).toEqual({ text: '{"t":"' + 'x'.repeat(13), truncated: true });
  });
});

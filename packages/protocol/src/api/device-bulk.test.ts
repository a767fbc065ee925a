import { describe, expect, it } from 'vitest';
import { commandsOffered } from './device-bulk.js';

describe('commandsOffered', () => {
  const device = (online: boolean, enrolled: boolean) => ({
    online,
    unitId: enrolled ? '0A1B2C3D4E5F' : null,
    lastContact: enrolled ? '2026-12-01T10:00:00.000Z' : null,
  });

  it('offers an online device everything but wake-up', () => {
    expect(commandsOffered(device(true, true))).toEqual([
      'reboot',
      'shutdown',
      'suspend',
      'refresh-sysinfo',
      'send-message',
      'reset-factory-defaults',
    ]);
  });

  it('offers an offline device wake-up and what can wait for its next connection, not a refresh', () => {
    expect(commandsOffered(device(false, true))).toEqual([
      'reboot',
      'shutdown',
      'suspend',
      'wakeup',
      'send-message',
      'reset-factory-defaults',
    ]);
  });

  it('offers a record no agent has enrolled for only wake-up', () => {
    expect(commandsOffered(device(false, false))).toEqual(['wakeup']);
    // Contact without a unit id (an older record) counts as enrolled.
    expect(commandsOffered({ online: false, unitId: null, lastContact: '2026-12-01T10:00:00.000Z' })).toContain('reboot');
  });
});

import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATE_FILES, wipeIdentity } from './state.js';

describe('wipeIdentity', () => {
  it('removes the identity, the settings store and queued local changes, and keeps the agent config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-state-'));
    for (const name of [STATE_FILES.agent, STATE_FILES.cert, STATE_FILES.key, STATE_FILES.settings, STATE_FILES.config])
      writeFileSync(join(dir, name), '{}');
    mkdirSync(join(dir, STATE_FILES.settingsQueue));
    writeFileSync(join(dir, STATE_FILES.settingsQueue, '1.json'), '{}');
    wipeIdentity(dir);
    for (const name of [STATE_FILES.agent, STATE_FILES.cert, STATE_FILES.key, STATE_FILES.settings, STATE_FILES.settingsQueue])
      expect(existsSync(join(dir, name)), name).toBe(false);
    expect(existsSync(join(dir, STATE_FILES.config))).toBe(true);
  });
});

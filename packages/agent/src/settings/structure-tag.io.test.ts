import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordingPlatform } from '../platform/recording.js';
import { SettingsStore } from './store.js';
import { readStructureTag, STRUCTURE_TAG_SETTING } from './structure-tag.js';

describe('structure tag', () => {
  it('is read from the settings store each time: none, set, changed, blank', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'structure-tag-')), 'settings.json');
    expect(readStructureTag(path)).toBeUndefined();
    const store = SettingsStore.load(path);
    store.change({ [STRUCTURE_TAG_SETTING]: ' augsburg/floor1 ' });
    expect(readStructureTag(path)).toBe('augsburg/floor1');
    store.change({ [STRUCTURE_TAG_SETTING]: 'x'.repeat(300) });
    expect(readStructureTag(path)).toHaveLength(256);
    store.change({ [STRUCTURE_TAG_SETTING]: '   ' });
    expect(readStructureTag(path)).toBeUndefined();
  });

  it('goes into the system information only when set (older servers see no new field otherwise)', async () => {
    const device: { tag?: string } = {};
    const platform = new RecordingPlatform({ unitId: '02AA00000001', mac: '02AA00000001', keep: false, structureTag: () => device.tag });
    expect(await platform.systemInfo()).not.toHaveProperty('structureTag');
    device.tag = 'berlin';
    expect((await platform.systemInfo()).structureTag).toBe('berlin');
  });
});

import type { SystemInfo } from '@openums/protocol';
import type { Logger } from '../lib/log.js';
import { SettingsStore } from './store.js';

/** The setting that holds the device's structure tag (System › Remote Management › Structure tag). */
export const STRUCTURE_TAG_SETTING = 'system.remotemanager.structure_tag';
/** SystemInfo.structureTag's limit on the wire. */
const MAX = 256;

/**
 * The structure tag set on this device — by a profile or `openums-agent settings set
 * system.remotemanager.structure_tag TAG` — read from the settings store each time (it may
 * change while the agent runs); undefined when none is set or the store cannot be read.
 */
export function readStructureTag(storePath: string, log?: Logger): string | undefined {
  try {
    const v = SettingsStore.load(storePath, log).get(STRUCTURE_TAG_SETTING);
    const tag = typeof v === 'string' ? v.trim().slice(0, MAX) : '';
    return tag || undefined;
  } catch {
    return undefined;
  }
}

/** System information with the structure tag, when there is one (the field stays out otherwise). */
export function withStructureTag(system: SystemInfo, tag: string | undefined): SystemInfo {
  return tag ? { ...system, structureTag: tag } : system;
}

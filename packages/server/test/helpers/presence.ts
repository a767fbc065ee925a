import type { Kysely } from 'kysely';
import type { Database, DevicePresenceTable } from '../../src/db/types.js';
import { splitPresencePatch, type PresencePatch } from '../../src/modules/devices/presence.repository.js';

export type PresenceValues = Partial<Omit<DevicePresenceTable, 'device_id'>>;

/** Sets online state / last contact of devices as the presence service would (device_presence). */
export async function setPresence(db: Kysely<Database>, ids: number | readonly number[], values: PresenceValues): Promise<void> {
  const list = typeof ids === 'number' ? [ids] : [...ids];
  if (list.length) await db.updateTable('device_presence').set(values).where('device_id', 'in', list).execute();
}

/** Writes fields of a device wherever they live: presence columns to device_presence, the rest to devices. */
export async function setDeviceFields(db: Kysely<Database>, id: number, fields: Record<string, unknown>): Promise<void> {
  const [presence, device] = splitPresencePatch(fields as PresencePatch);
  if (Object.keys(presence).length) await setPresence(db, id, presence);
  if (Object.keys(device).length) await db.updateTable('devices').set(device).where('id', '=', id).execute();
}

import type { Kysely } from 'kysely';
import type { Database, DevicePresenceTable } from '../../src/db/types.js';

export type PresenceValues = Partial<Omit<DevicePresenceTable, 'device_id'>>;

/** Sets online state / last contact of devices as the presence service would (device_presence). */
export async function setPresence(db: Kysely<Database>, ids: number | readonly number[], values: PresenceValues): Promise<void> {
  const list = typeof ids === 'number' ? [ids] : [...ids];
  if (list.length) await db.updateTable('device_presence').set(values).where('device_id', 'in', list).execute();
}

/** The presence rows of these devices, by device id. */
export async function presenceOf(db: Kysely<Database>, ids: readonly number[]): Promise<Map<number, DevicePresenceTable>> {
  const rows = await db
    .selectFrom('device_presence')
    .selectAll()
    .where('device_id', 'in', [...ids])
    .execute();
  return new Map(
    rows.map((r) => [
      Number(r.device_id),
      {
        device_id: Number(r.device_id),
        online: Number(r.online),
        connected_server: r.connected_server,
        last_contact: Number(r.last_contact),
        sysinfo: r.sysinfo,
        sysinfo_at: r.sysinfo_at === null ? null : Number(r.sysinfo_at),
      },
    ]),
  );
}

const PRESENCE_KEYS = new Set(['online', 'connected_server', 'last_contact', 'sysinfo', 'sysinfo_at']);

/** Writes fields of a device wherever they live: presence columns to device_presence, the rest to devices. */
export async function setDeviceFields(db: Kysely<Database>, id: number, fields: Record<string, unknown>): Promise<void> {
  const presence: Record<string, unknown> = {};
  const device: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) (PRESENCE_KEYS.has(k) ? presence : device)[k] = v;
  if (Object.keys(presence).length) await setPresence(db, id, presence as PresenceValues);
  if (Object.keys(device).length) await db.updateTable('devices').set(device).where('id', '=', id).execute();
}

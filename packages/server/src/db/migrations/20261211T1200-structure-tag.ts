import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// The structure tag a device reports (hello / refresh-sysinfo `system.structureTag`, the setting
// system.remotemanager.structure_tag): a text string for view criteria and default folder rules.
// Null while the device reports none (older agents). Indexed for equality (rules match it exactly).
export async function up(db: Kysely<any>, _ctx: MigrationContext): Promise<void> {
  await db.schema.alterTable('devices').addColumn('structure_tag', 'text').execute();
  await db.schema.createIndex('devices_structure_tag').on('devices').columns(['structure_tag', 'id']).execute();
}

import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// Object access lists (issue 11, ADR 0006): one row per principal (an administrator or a group)
// on one object or folder. Rights are two bit masks in the order of OBJECT_RIGHTS (bit 0 =
// browse … bit 11 = firmwareControl): a right in neither mask is not set. Integers load and
// compare without parsing, and the tree evaluator works on the same masks.
// No foreign keys (the object and the principal are each one of several tables): the services
// delete a node's or a principal's rows together with it.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('access_entries')
    .addColumn('object_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('object_id', ctx.idType, (c) => c.notNull())
    .addColumn('principal_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('principal_id', ctx.idType, (c) => c.notNull())
    .addColumn('allow_mask', 'integer', (c) => c.notNull())
    .addColumn('deny_mask', 'integer', (c) => c.notNull())
    // One principal once per object; the key's prefix is the index that loads one object's list.
    .addPrimaryKeyConstraint('access_entries_pk', ['object_type', 'object_id', 'principal_type', 'principal_id'])
    .addCheckConstraint('access_entries_allow_or_deny', sql`(allow_mask & deny_mask) = 0`)
    .execute();
  // "Every entry of these principals" (evaluation) and deleting an administrator's or a group's rows.
  await db.schema
    .createIndex('access_entries_principal')
    .on('access_entries')
    .columns(['principal_type', 'principal_id', 'object_type', 'object_id'])
    .execute();
}

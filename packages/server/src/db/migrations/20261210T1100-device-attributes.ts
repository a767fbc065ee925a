import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// Device attributes: administrator-defined attributes and each device's values.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('device_attributes')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('identifier', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    // 'string' | 'number' | 'date' | 'range'
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    // JSON array of the allowed values of a range attribute, null otherwise.
    .addColumn('range_json', 'text')
    // 'server' | 'device' | 'all'
    .addColumn('overwrite', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('updated_at', ctx.epochMs, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('device_attribute_values')
    .addColumn('device_id', ctx.idType, (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('attribute_id', ctx.idType, (c) => c.notNull().references('device_attributes.id').onDelete('cascade'))
    // Byte-wise text: view criteria (equals, starts with, ranges) walk the (attribute_id, value) index.
    .addColumn('value', ctx.binaryText, (c) => c.notNull())
    .addColumn('updated_at', ctx.epochMs, (c) => c.notNull())
    // 'server' | 'device': who set the value last.
    .addColumn('set_by', 'varchar(8)', (c) => c.notNull())
    .addPrimaryKeyConstraint('device_attribute_values_pk', ['device_id', 'attribute_id'])
    .execute();
  await db.schema
    .createIndex('device_attribute_values_attr_value')
    .on('device_attribute_values')
    .columns(['attribute_id', 'value'])
    .execute();
}

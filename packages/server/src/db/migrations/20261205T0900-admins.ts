import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// Administrators (the `users` table) get a superuser flag, a disabled flag, an LDAP domain
// (null = a local account) and general rights (JSON array of names); a user name is unique per
// domain instead of installation-wide. Plus groups (nested), password history and API tokens.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  // The column-level unique(username) must go: PostgreSQL drops the constraint, SQLite cannot
  // drop it and rebuilds the table (ctx.rebuildTable keeps the sessions' foreign keys intact).
  await ctx.rebuildTable(db, {
    table: 'users',
    postgresDrop: sql`alter table users drop constraint if exists users_username_key`,
    sqliteCreate: sql`create table users_new (
      id integer primary key autoincrement,
      username varchar(128) not null,
      password_hash text not null,
      role varchar(32) not null,
      created_at integer not null,
      updated_at integer not null)`,
    columns: ['id', 'username', 'password_hash', 'role', 'created_at', 'updated_at'],
  });
  await db.schema.alterTable('users').addColumn('domain', 'varchar(253)').execute();
  await db.schema
    .alterTable('users')
    .addColumn('superuser', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('users')
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('users')
    .addColumn('general_rights', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.updateTable('users').set({ superuser: 1 }).where('role', '=', 'superuser').execute();
  // NULLs are distinct in a unique index: local accounts (domain null) get their own index.
  await db.schema
    .createIndex('users_local_username')
    .on('users')
    .column('username')
    .unique()
    .where(sql.ref('domain'), 'is', null)
    .execute();
  await db.schema.createIndex('users_domain_username').on('users').columns(['domain', 'username']).unique().execute();
  await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('admin_password_history')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('user_id', ctx.idType, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('admin_password_history_user').on('admin_password_history').columns(['user_id', 'id']).execute();

  await db.schema
    .createTable('admin_groups')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('name', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('general_rights', 'text', (c) => c.notNull())
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  // A member is an administrator or another group (nesting); exactly one of the two is set.
  await db.schema
    .createTable('admin_group_members')
    .addColumn('group_id', ctx.idType, (c) => c.notNull().references('admin_groups.id').onDelete('cascade'))
    .addColumn('member_admin_id', ctx.idType, (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('member_group_id', ctx.idType, (c) => c.references('admin_groups.id').onDelete('cascade'))
    .addCheckConstraint('admin_group_members_one', sql`(member_admin_id is null) <> (member_group_id is null)`)
    .execute();
  await db.schema
    .createIndex('admin_group_members_admin')
    .on('admin_group_members')
    .columns(['member_admin_id', 'group_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('admin_group_members_group')
    .on('admin_group_members')
    .columns(['member_group_id', 'group_id'])
    .unique()
    .execute();
  await db.schema.createIndex('admin_group_members_parent').on('admin_group_members').column('group_id').execute();

  // Tokens for automation: only a SHA-256 of the token is stored; `prefix` (unique) finds the row.
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('user_id', ctx.idType, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    .addColumn('prefix', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('expires_at', ctx.epochMs)
    .addColumn('last_used_at', ctx.epochMs)
    .addColumn('revoked_at', ctx.epochMs)
    .execute();
  await db.schema.createIndex('api_tokens_user').on('api_tokens').columns(['user_id', 'id']).execute();
}

import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// LDAP / Active Directory domains, and the link of an imported group to its directory group.
// Directory accounts are `users` rows whose `domain` is the domain's name (20261205T0900).
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('ldap_domains')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('name', 'varchar(253)', (c) => c.notNull())
    // Lower-cased name: EXAMPLE and example are one domain.
    .addColumn('name_key', 'varchar(253)', (c) => c.notNull().unique())
    .addColumn('kind', 'varchar(8)', (c) => c.notNull())
    // JSON array of host names or addresses, tried in order.
    .addColumn('hosts', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('security', 'varchar(16)', (c) => c.notNull())
    .addColumn('ca_pem', 'text')
    .addColumn('verify_host_name', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('base_dn', 'text', (c) => c.notNull())
    .addColumn('bind_dn', 'text')
    // Sealed with the installation's SecretBox (data directory's secret.key).
    .addColumn('bind_password_sealed', 'text')
    .addColumn('naming_attribute', 'varchar(64)', (c) => c.notNull())
    .addColumn('group_attribute', 'varchar(64)', (c) => c.notNull())
    .addColumn('member_attribute', 'varchar(64)')
    .addColumn('user_filter', 'text')
    .addColumn('page_size', 'integer', (c) => c.notNull())
    // JSON array of further UPN suffixes that name this domain after `@`.
    .addColumn('upn_suffixes', 'text', (c) => c.notNull())
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('updated_at', ctx.epochMs, (c) => c.notNull())
    .execute();

  // 1: the account was imported (it may log in by itself); 0: created at a login through an
  // imported group (it may log in only while in one).
  await db.schema
    .alterTable('users')
    .addColumn('directory_imported', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  // An imported directory group: its domain and DN (lower-cased DN in `directory_dn_key`).
  await db.schema
    .alterTable('admin_groups')
    .addColumn('ldap_domain_id', ctx.idType, (c) => c.references('ldap_domains.id').onDelete('set null'))
    .execute();
  await db.schema.alterTable('admin_groups').addColumn('directory_dn', 'text').execute();
  await db.schema.alterTable('admin_groups').addColumn('directory_dn_key', 'varchar(1024)').execute();
  await db.schema
    .createIndex('admin_groups_directory')
    .on('admin_groups')
    .columns(['ldap_domain_id', 'directory_dn_key'])
    .unique()
    .execute();
}

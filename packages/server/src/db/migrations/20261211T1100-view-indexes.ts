import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// View performance at 1,000,000 devices (issue 12, bench:views; docs/benchmarks.md "Views").
//
// 1. SQLite stores the sortable version and IPv4 keys too (PostgreSQL has had them as generated
//    columns since 20261210T1000): computed per row by the JavaScript functions, a version or CIDR
//    criterion cost ~2 µs a device. Real columns kept by triggers rather than generated columns:
//    a generated column whose expression calls an application function makes *every* statement
//    on `devices` unpreparable on a connection without that function (the sqlite3 shell cannot
//    even read the table), while a trigger only needs it when version or last_ip is written — the
//    shell can still read, and a write there fails loudly instead of leaving a stale key. The
//    triggers keep the keys right whichever code path writes (enrollment, device hello, admin
//    update, import, raw SQL). Anyone rebuilding `devices` on SQLite must recreate them.
//    Only `ip_key` is indexed on SQLite: a version criterion usually matches a large share of a
//    fleet, and with an index on version_key SQLite's planner chose it over a table scan for the
//    six-criteria view (750,000 index lookups, 1.4 s, against 0.55 s scanning; measured).
//    PostgreSQL's planner weighs its statistics and keeps its version_key index.
// 2. Case-insensitive equality on the fields views filter on most (site, department, cost
//    center, product) compares `lower(col) = lower(value)` (criteria-sql.ts); an index on that
//    expression serves it. It also holds the column itself (criteria test `col is not null`
//    first), so the count reads the index only: PostgreSQL as an included column (index-only
//    scan; needs a vacuumed visibility map), SQLite as a key after `name_lc`, so the first page
//    of a view sorted by name (the default) comes in index order.
const FIELDS = ['site', 'department', 'cost_center', 'product'] as const;

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect === 'sqlite') {
    await sql`alter table devices add column version_key text`.execute(db);
    await sql`alter table devices add column ip_key text`.execute(db);
    await sql`update devices set version_key = openums_version_key(version), ip_key = openums_ip_key(last_ip)`.execute(db);
    await sql`
      create trigger devices_view_keys_insert after insert on devices
      when new.version is not null or new.last_ip is not null
      begin
        update devices set version_key = openums_version_key(new.version), ip_key = openums_ip_key(new.last_ip) where id = new.id;
      end`.execute(db);
    await sql`
      create trigger devices_view_keys_update after update of version, last_ip on devices
      when new.version is not old.version or new.last_ip is not old.last_ip
      begin
        update devices set version_key = openums_version_key(new.version), ip_key = openums_ip_key(new.last_ip) where id = new.id;
      end`.execute(db);
    await sql`create index devices_ip_key on devices (ip_key)`.execute(db);
  }
  for (const f of FIELDS) {
    const name = sql.raw(`devices_${f}_lc`);
    const col = sql.ref(f);
    if (ctx.dialect === 'postgres') await sql`create index ${name} on devices (lower(${col})) include (${col})`.execute(db);
    else await sql`create index ${name} on devices (lower(${col}), name_lc, ${col})`.execute(db);
  }
  if (ctx.dialect === 'postgres') await sql`analyze devices`.execute(db);
}

import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// View criteria (ADR 0007) compare versions and IPv4 addresses through sortable keys, the same
// as the protocol's viewVersionKey / viewIpKey. PostgreSQL stores them in generated columns
// computed by these immutable functions; SQLite registers the functions per connection. Not
// `strict`: a strict SQL function whose body is a CASE is not inlined into the query, and the
// function call per row made a 100,000-device view ~50× slower; NULL gives NULL anyway.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect !== 'postgres') return;
  // Lower-cased; each run of digits without leading zeros, left-padded to 10 digits. Two
  // regexp_replace calls (no set-returning function), so the planner inlines it: ten zeros go in
  // front of every digit run, then each run keeps its last 10 digits — or more, when the number
  // itself is longer.
  await sql`
    create or replace function openums_version_key(v text) returns text
    language sql immutable parallel safe as $$
      select nullif(regexp_replace(regexp_replace(lower(v), '([0-9]+)', '0000000000\\1', 'g'), '0*([0-9]{10,})', '\\1', 'g'), '')
    $$`.execute(db);
  // An IPv4 address as 8 hex digits; null for anything else (IPv6, garbage).
  await sql`
    create or replace function openums_ip_key(ip text) returns text
    language sql immutable parallel safe as $$
      select case when ip ~ '^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$' then
        lpad(to_hex(split_part(ip, '.', 1)::int), 2, '0') || lpad(to_hex(split_part(ip, '.', 2)::int), 2, '0') ||
        lpad(to_hex(split_part(ip, '.', 3)::int), 2, '0') || lpad(to_hex(split_part(ip, '.', 4)::int), 2, '0')
      end
    $$`.execute(db);
  // Stored keys: computing them per row at query time cost ~2.5 s for a 100,000-device view
  // (regexp_replace per row); stored, a version or CIDR criterion is a plain byte-wise comparison,
  // and indexable. Adding the columns rewrites the table once.
  await sql`alter table devices add column version_key text collate "C" generated always as (openums_version_key(version)) stored`.execute(
    db,
  );
  await sql`alter table devices add column ip_key text collate "C" generated always as (openums_ip_key(last_ip)) stored`.execute(db);
  await sql`create index devices_version_key on devices (version_key)`.execute(db);
  await sql`create index devices_ip_key on devices (ip_key)`.execute(db);
}

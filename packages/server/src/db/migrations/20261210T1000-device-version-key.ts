import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// View criteria (ADR 0007) compare versions and IPv4 addresses through sortable keys, the same
// as the protocol's viewVersionKey / viewIpKey. PostgreSQL computes them with these immutable
// functions (usable in expression indexes later); SQLite registers them per connection.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect !== 'postgres') return;
  // Lower-cased; each run of digits without leading zeros, left-padded to 10 digits.
  await sql`
    create or replace function openums_version_key(v text) returns text
    language sql immutable strict parallel safe as $$
      select string_agg(
        case when m[1] ~ '^[0-9]' then
          case when length(ltrim(m[1], '0')) >= 10 then ltrim(m[1], '0') else lpad(ltrim(m[1], '0'), 10, '0') end
        else m[1] end, '' order by n)
      from regexp_matches(lower(v), '[0-9]+|[^0-9]+', 'g') with ordinality as t(m, n)
    $$`.execute(db);
  // An IPv4 address as 8 hex digits; null for anything else (IPv6, garbage).
  await sql`
    create or replace function openums_ip_key(ip text) returns text
    language sql immutable strict parallel safe as $$
      select case when ip ~ '^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$' then
        lpad(to_hex(split_part(ip, '.', 1)::int), 2, '0') || lpad(to_hex(split_part(ip, '.', 2)::int), 2, '0') ||
        lpad(to_hex(split_part(ip, '.', 3)::int), 2, '0') || lpad(to_hex(split_part(ip, '.', 4)::int), 2, '0')
      end
    $$`.execute(db);
}

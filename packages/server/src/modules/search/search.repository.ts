import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database.js';
import { viewSql, type DialectName, type ViewSql } from '../../db/dialect.js';
import { devicesWithPresence } from '../devices/device-rows.js';

type Cond = RawBuilder<boolean>;

/** What to look for: lower-cased text (substring) or a checked regular expression (ADR 0008). */
export type SearchMatch = { text: string; mac: string | null } | { regex: string };

export interface DeviceHitRow {
  id: number;
  name: string;
  folder_id: number | null;
  mac: string;
  unit_id: string | null;
  last_ip: string | null;
  serial_number: string | null;
  online: number;
}
export interface FolderHitRow {
  id: number;
  name: string;
  parent_id: number | null;
}
export interface ProfileHitRow {
  id: number;
  name: string;
  folder_id: number | null;
  type: 'standard' | 'priority';
}

export interface ViewHitRow {
  id: number;
  name: string;
  folder_id: number | null;
}

/** A text parameter typed as text, so PostgreSQL can choose among overloads (lower, strpos). */
const str = (x: string) => sql<string>`cast(${x} as text)`;

/**
 * Quick search: each method reads at most `limit` rows of one type, by name, that match and are
 * `visible` (the access scope on unqualified `id` / `folder_id` / `parent_id`; null = all).
 * Substrings cannot use an index (ADR 0008): the database walks the name index in order and
 * stops after `limit` matches, so a rare term reads the whole table.
 */
export class SearchRepository {
  private readonly d: ViewSql;
  constructor(
    readonly db: Db,
    dialect: DialectName,
  ) {
    this.d = viewSql(dialect);
  }

  /** Name (lower-cased), serial, last IP, unit id; MAC when the text is hex digits. */
  private deviceMatch(m: SearchMatch): Cond {
    const d = this.d;
    if ('regex' in m) {
      const cols = ['name', 'mac', 'unit_id', 'last_ip', 'serial_number'].map((c) => d.regex(sql.ref(c), m.regex, false));
      return sql<boolean>`(${sql.join(cols, sql` or `)})`;
    }
    const t = str(m.text);
    const conds = [
      d.contains(sql.ref('name_lc'), t),
      d.contains(sql.ref('serial_lc'), t),
      d.contains(sql`lower(${sql.ref('last_ip')})`, t),
      d.contains(sql`lower(${sql.ref('unit_id')})`, t),
    ];
    if (m.mac) conds.push(d.contains(sql.ref('mac'), str(m.mac)));
    return sql<boolean>`(${sql.join(conds, sql` or `)})`;
  }

  /** `lower(name)` contains the text, or `name` matches the pattern (case-insensitive). */
  private nameMatch(m: SearchMatch, lowerName: RawBuilder<unknown>): Cond {
    if ('regex' in m) return this.d.regex(sql.ref('name'), m.regex, false);
    return this.d.contains(lowerName, str(m.text));
  }

  private static where(match: Cond, visible: Cond | null): Cond {
    return visible ? sql<boolean>`(${visible} and ${match})` : match;
  }

  searchDevices = async (m: SearchMatch, visible: Cond | null, limit: number, db: Db = this.db): Promise<DeviceHitRow[]> => {
    const rows = await devicesWithPresence(db)
      .select(['id', 'name', 'folder_id', 'mac', 'unit_id', 'last_ip', 'serial_number', 'online'])
      .where(SearchRepository.where(this.deviceMatch(m), visible))
      .orderBy('name_lc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), folder_id: r.folder_id === null ? null : Number(r.folder_id) }));
  };

  searchProfiles = async (m: SearchMatch, visible: Cond | null, limit: number, db: Db = this.db): Promise<ProfileHitRow[]> => {
    const rows = await db
      .selectFrom('profiles')
      .select(['id', 'name', 'folder_id', 'type'])
      .where(SearchRepository.where(this.nameMatch(m, sql.ref('name_lc')), visible))
      .orderBy(this.d.binary(sql.ref('name_lc')))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), folder_id: r.folder_id === null ? null : Number(r.folder_id) }));
  };

  /** Saved views by name. */
  searchViews = async (m: SearchMatch, visible: Cond | null, limit: number, db: Db = this.db): Promise<ViewHitRow[]> => {
    const lowerName = sql`lower(${sql.ref('name')})`;
    const rows = await db
      .selectFrom('views')
      .select(['id', 'name', 'folder_id'])
      .where(SearchRepository.where(this.nameMatch(m, lowerName), visible))
      .orderBy(this.d.binary(lowerName))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: Number(r.id), name: r.name, folder_id: r.folder_id === null ? null : Number(r.folder_id) }));
  };

  searchFolders = async (
    table: 'device_folders' | 'profile_folders' | 'view_folders',
    m: SearchMatch,
    visible: Cond | null,
    limit: number,
    db: Db = this.db,
  ): Promise<FolderHitRow[]> => {
    const lowerName = sql`lower(${sql.ref('name')})`;
    const rows = await db
      .selectFrom(table)
      .select(['id', 'name', 'parent_id'])
      .where(SearchRepository.where(this.nameMatch(m, lowerName), visible))
      .orderBy(this.d.binary(lowerName))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: Number(r.id), name: r.name, parent_id: r.parent_id === null ? null : Number(r.parent_id) }));
  };
}

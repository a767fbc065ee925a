import { sql, type RawBuilder } from 'kysely';
import type { ListFilter } from './tree-access.js';

/**
 * A list query's access condition (ADR 0006, "lists filter by folder sets"): the objects in
 * folders whose inherited rights allow, plus those at the top level if allowed there, minus
 * objects whose own entries deny, plus objects whose own entries allow. Null when nothing is
 * filtered (superuser). The folder set is at most the tree's folder count (about 1,000).
 */
export function objectFilterSql(filter: ListFilter, idColumn: string, folderColumn: string): RawBuilder<boolean> | null {
  if (filter.all) return null;
  const id = sql.ref(idColumn);
  const folder = sql.ref(folderColumn);
  const notExcluded = filter.excludeIds.length ? sql` and ${id} not in (${sql.join(filter.excludeIds)})` : sql``;
  const parts: RawBuilder<unknown>[] = [];
  if (filter.folderIds.length) parts.push(sql`(${folder} in (${sql.join(filter.folderIds)})${notExcluded})`);
  if (filter.includeTopLevel) parts.push(sql`(${folder} is null${notExcluded})`);
  if (filter.includeIds.length) parts.push(sql`${id} in (${sql.join(filter.includeIds)})`);
  if (!parts.length) return sql<boolean>`1 = 0`;
  return sql<boolean>`(${sql.join(parts, sql` or `)})`;
}

/** A folder list's access condition: only the folders in `visible` ('all' for a superuser). */
export function folderFilterSql(visible: readonly number[] | 'all', idColumn: string): RawBuilder<boolean> | null {
  if (visible === 'all') return null;
  if (!visible.length) return sql<boolean>`1 = 0`;
  return sql<boolean>`${sql.ref(idColumn)} in (${sql.join([...visible])})`;
}

/** What a list request may show of one tree: its folders and its objects. */
export interface TreeScope {
  folders: RawBuilder<boolean> | null;
  objects: RawBuilder<boolean> | null;
}

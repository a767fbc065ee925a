import type { RawBuilder } from 'kysely';
import type { ViewAttributeDefs, ViewCriteria } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { DialectName } from '../../db/dialect.js';
import { readSubtreeIds } from '../device-folders/device-folders.repository.js';
import { criteriaSql } from './criteria-sql.js';
import { loadViewAttributes } from './view-attributes.js';

/** The folders that criteria name "in folder, with sub-folders" (each once). */
export function recursiveFolderRoots(criteria: ViewCriteria): number[] {
  const roots = new Set<number>();
  const walk = (c: ViewCriteria): void => {
    if ('and' in c) c.and.forEach(walk);
    else if ('or' in c) c.or.forEach(walk);
    else if ('not' in c) walk(c.not);
    else if (c.op === 'inFolder') {
      const v = c.value as { id?: unknown; recursive?: unknown } | null;
      if (v && v.recursive === true && typeof v.id === 'number') roots.add(v.id);
    }
  };
  walk(criteria);
  return [...roots];
}

/**
 * The subtrees of those folders as ids, read before the statement that evaluates the criteria
 * (`CriteriaContext.subtrees`): a recursive query inside it made PostgreSQL plan for half the
 * folders and read every device for a leaf's hundred (readSubtreeIds). A subtree of more than
 * SUBTREE_READ_LIMIT folders stays a recursive query.
 */
export async function readCriteriaSubtrees(db: Db, criteria: ViewCriteria): Promise<Map<number, number[]>> {
  const subtrees = new Map<number, number[]>();
  for (const root of recursiveFolderRoots(criteria)) {
    const ids = await readSubtreeIds(db, root);
    if (ids) subtrees.set(root, ids);
  }
  return subtrees;
}

/**
 * Checked criteria (a saved view's) as one condition on the device list's columns, with what the
 * condition needs read first: the attribute definitions the criteria name (unless given) and the
 * folder subtrees. `db` is the connection (or transaction) the condition will run on.
 */
export async function criteriaCondition(
  db: Db,
  criteria: ViewCriteria,
  ctx: { dialect: DialectName; now: number },
  attributes?: ViewAttributeDefs,
): Promise<RawBuilder<boolean>> {
  attributes ??= await loadViewAttributes(db, criteria);
  const subtrees = await readCriteriaSubtrees(db, criteria);
  return criteriaSql(criteria, { ...ctx, attributes, subtrees });
}

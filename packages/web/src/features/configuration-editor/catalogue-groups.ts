import { findParameter } from '@openums/protocol';
import { buildGroupTree, flattenGroups, groupId, type Settings } from './parameter-model';

/** The catalogue's setup tree never changes at run time: built once. */
export const TREE = buildGroupTree();
export const ALL_GROUPS = flattenGroups(TREE);
export const GROUP_BY_ID = new Map(ALL_GROUPS.map((g) => [g.id, g]));
export const PARAMETER_COUNT = ALL_GROUPS.reduce((n, g) => n + g.params.length, 0);

/** The group's id and those of the groups above it, top first. */
export function ancestorIds(id: string): string[] {
  const parts = id.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** The first group (catalogue order) in which the profile activates something. */
export function firstGroupWithSettings(settings: Settings): string | undefined {
  const used = new Set(
    Object.keys(settings).flatMap((key) => {
      const param = findParameter(key);
      return param ? [groupId(param.group)] : [];
    }),
  );
  return ALL_GROUPS.find((g) => used.has(g.id))?.id;
}

import { viewIpKey, type FolderRuleTargetMode, type ViewCriteria } from '@openums/protocol';

/** A rule as evaluation holds it: the tree in memory, children in order. */
export interface CompiledRule {
  id: number;
  parentId: number | null;
  position: number;
  name: string;
  criteria: ViewCriteria;
  target: { mode: FolderRuleTargetMode; folderId: number | null; prefixLength: number | null };
  overridesExistingFolder: boolean;
  applyAtBoot: boolean;
  leaveInSubfolder: boolean;
  /** Whether the criteria name a device attribute (their values are read only then). */
  usesAttributes: boolean;
  children: CompiledRule[];
}

/** A folder that exists (`folder`), or the per-subnet folder `name` under `parentId`, created when missing. */
export type ResolvedTarget = { kind: 'folder'; folderId: number } | { kind: 'subnet'; parentId: number | null; name: string };

export interface RuleDecision {
  /** The rule whose target the device gets. */
  rule: CompiledRule;
  target: ResolvedTarget;
  /** Matching rules from the top down to `rule` (rules without a target included). */
  path: CompiledRule[];
}

/** The network address of an IPv4 address under a prefix (`10.1.2.77`, 24 → `10.1.2.0`); null if no IPv4. */
export function subnetOf(ip: string | null, prefixLength: number): string | null {
  const key = viewIpKey(ip);
  if (key === null) return null;
  const n = parseInt(key, 16);
  const size = 2 ** (32 - prefixLength);
  const net = n - (n % size);
  return [24, 16, 8, 0].map((shift) => Math.floor(net / 2 ** shift) % 256).join('.');
}

/**
 * The rule's target for this device; null when it has none — mode `none`, or `perSubnet` for a
 * device without an IPv4 address (such a rule then acts as one without a target).
 */
export function targetOf(rule: CompiledRule, lastIp: string | null): ResolvedTarget | null {
  const t = rule.target;
  if (t.mode === 'folder' && t.folderId !== null) return { kind: 'folder', folderId: t.folderId };
  if (t.mode === 'perSubnet' && t.prefixLength !== null) {
    const name = subnetOf(lastIp, t.prefixLength);
    return name === null ? null : { kind: 'subnet', parentId: t.folderId, name };
  }
  return null;
}

/**
 * The reference's algorithm (docs/folder-rules.md#evaluation): the tree is worked through from
 * the top. A matching rule with a target has its children checked; if none of them decides,
 * the device goes to that rule's target ("the rule above"). A matching child with a target
 * becomes the new starting rule and the search continues below it. A matching rule without a
 * target has its children checked; if nothing below it decides, the search goes on with its
 * next sibling (our choice where the reference is silent). Siblings are tried in order and the
 * first that decides wins. `matches` is called at most once per rule.
 */
export function evaluateRules(
  roots: readonly CompiledRule[],
  lastIp: string | null,
  matches: (rule: CompiledRule) => boolean,
): RuleDecision | null {
  const walk = (level: readonly CompiledRule[], path: CompiledRule[]): RuleDecision | null => {
    for (const rule of level) {
      if (!matches(rule)) continue;
      const here = [...path, rule];
      const target = targetOf(rule, lastIp);
      if (target) return walk(rule.children, here) ?? { rule, target, path: here };
      const below = walk(rule.children, here);
      if (below) return below;
    }
    return null;
  };
  return walk(roots, []);
}

/** When the rules run, which decides whose options count. */
export type RulesOccasion = 'registration' | 'boot' | 'apply';

export interface PlacementInput {
  occasion: RulesOccasion;
  decision: RuleDecision | null;
  /** The device's folder now (at registration: the enrollment key's or automatic registration's folder). */
  current: number | null;
  /** Whether `current` counts as an existing folder membership (see docs/folder-rules.md#precedence). */
  member: boolean;
  /** The target's folder id; null while a per-subnet folder does not exist yet. */
  targetFolderId: number | null;
  /** Whether folder `folderId` is below folder `ancestorId` (only asked for leave-in-subfolder). */
  isBelow: (folderId: number, ancestorId: number) => boolean;
}

/** Whether the device moves to the decision's target, and why (or why not). */
export function placementOf(p: PlacementInput): { moves: boolean; reason: string } {
  const { decision, current, targetFolderId } = p;
  if (!decision) return { moves: false, reason: 'no rule decided a folder' };
  const rule = decision.rule;
  const named = `rule "${rule.name}"`;
  if (p.occasion === 'boot' && !rule.applyAtBoot) return { moves: false, reason: `${named} is not applied at boot` };
  if (targetFolderId !== null && current === targetFolderId) return { moves: false, reason: `already in the folder of ${named}` };
  if (rule.leaveInSubfolder && current !== null && targetFolderId !== null && p.isBelow(current, targetFolderId))
    return { moves: false, reason: `in a sub-folder of the folder of ${named}, which leaves devices in sub-folders` };
  if (p.member && !rule.overridesExistingFolder)
    return { moves: false, reason: `already in a folder, and ${named} does not override existing folder membership` };
  return { moves: true, reason: `placed by ${named}` };
}

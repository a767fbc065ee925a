/**
 * Effective configuration of one device, with provenance. Pure: the caller loads the device's own
 * configuration and every profile assignment that reaches the device (directly or through its
 * folder chain) and passes them in; nothing here touches the database or the clock.
 *
 * The rules, as the reference states them ("Summary - Prioritization of IGEL UMS Profiles", quoted
 * in shared/reference/imi-api.md §3.7, and the knowledge base's "Profiles" chapter):
 *
 *  1. Device's own configuration < standard profiles < priority profiles.
 *     "The settings of a profile always overwrite the local settings." /
 *     "Priority profiles override all standard profiles." /
 *     "Settings in priority profiles can only be overwritten by priority profiles."
 *  2. Standard profiles: "The closer the standard profile is to the device, the higher its
 *     priority." Distance 0 = assigned to the device, 1 = to its folder, 2 = the parent folder …
 *  3. Priority profiles: "Priority profiles which are closer to the object have lower priority."
 *     So the farthest wins; "Priority profiles assigned to an individual device have the lowest
 *     priority."
 *  4. Same distance, both kinds: higher profile id wins. The reference states this once, in its
 *     basic rule that covers every profile kind: "If several profiles are assigned on an equal
 *     basis, the newer profile with the higher profile ID has priority." Nothing in the
 *     priority-profile section reverses it (only the distance rule is reversed there), so we do
 *     not reverse the id tie-break for priority profiles either. The knowledge base's Assigned
 *     objects example agrees for standard profiles: "at the bottom ... a standard profile with
 *     the lower profile ID".
 *  5. "Settings which are specified in one profile only are not overridden": precedence is decided
 *     per parameter, among the objects that actually set it; only explicitly activated
 *     parameters of a profile take part.
 *  6. "The priority rule only applies to general settings and fixed instances … free instances …
 *     will exist alongside each other": an instance of a free group (RDP sessions …) is re-keyed
 *     by its source, so instances from different profiles (and the device's own) never collide.
 *
 * A profile that reaches the device along several paths (directly and through a folder) counts
 * once, with its highest-ranking assignment under the rules above.
 *
 * Not modelled here: Shared Workplace user/group assignments and Universal Firmware Updates
 * (which outrank profiles for update.firmware.*); both would be further tiers in `tierOf`.
 */
import { instanceKey, isFreeInstanceGroup, parseInstanceKey, type SettingValue } from '@openums/protocol';

export type Settings = Readonly<Record<string, SettingValue>>;

export interface DeviceConfigurationInput {
  readonly id: number;
  readonly name: string;
  /** The device's own configuration (local settings plus anything edited for this device alone). */
  readonly settings: Settings;
}

export interface ProfileInput {
  readonly id: number;
  readonly name: string;
  /** true for a priority profile, false for a standard profile. */
  readonly priority: boolean;
  readonly settings: Settings;
  /**
   * Keys explicitly activated in the profile. When given, settings outside it are ignored; when
   * omitted, every key in `settings` counts as activated (the repository stores only those).
   */
  readonly activated?: readonly string[];
}

export interface ProfileAssignmentInput {
  readonly profile: ProfileInput;
  /** 0 = assigned to the device itself, 1 = to the device's folder, 2 = to its parent … */
  readonly distance: number;
  /** The folder the profile is assigned to; required when distance > 0. */
  readonly folderId?: number;
  readonly folderName?: string;
}

export interface PrecedenceInput {
  readonly device: DeviceConfigurationInput;
  readonly assignments: readonly ProfileAssignmentInput[];
  /** Which repeatable groups hold free instances; defaults to the catalogue's answer. */
  readonly isFreeInstanceGroup?: (group: string) => boolean;
}

export interface SettingSource {
  readonly type: 'device' | 'profile';
  readonly id: number;
  readonly name: string;
  readonly priority: boolean;
  readonly via: 'direct' | 'folder';
  readonly folderId?: number;
  readonly folderName?: string;
}

export interface Candidate {
  readonly value: SettingValue;
  readonly source: SettingSource;
}

export interface EffectiveParameter extends Candidate {
  /** For free instances: `group[<source>:<instance>].field`, e.g. `sessions.rdp[profile:12:1].server`. */
  readonly key: string;
  /** The key as the source wrote it (differs from `key` only for free instances). */
  readonly sourceKey: string;
  /** Candidates this value beat, highest-ranking first. */
  readonly overridden: readonly Candidate[];
}

export interface AssignedObject {
  readonly type: 'profile';
  readonly id: number;
  readonly name: string;
  readonly priority: boolean;
  readonly via: 'direct' | 'folder';
  readonly distance: number;
  readonly folderId?: number;
  readonly folderName?: string;
}

/** Larger = stronger. */
const tierOf = (a: ProfileAssignmentInput): number => (a.profile.priority ? 2 : 1);

/** Negative when `a` outranks `b`. */
function compareAssignments(a: ProfileAssignmentInput, b: ProfileAssignmentInput): number {
  const tier = tierOf(b) - tierOf(a);
  if (tier !== 0) return tier;
  // Standard: closer wins. Priority: farther wins.
  const distance = a.profile.priority ? b.distance - a.distance : a.distance - b.distance;
  if (distance !== 0) return distance;
  return b.profile.id - a.profile.id;
}

function checkAssignment(a: ProfileAssignmentInput): void {
  if (!Number.isInteger(a.distance) || a.distance < 0) {
    throw new RangeError(`profile ${a.profile.id}: distance must be a whole number ≥ 0, got ${a.distance}`);
  }
  if (a.distance > 0 && a.folderId === undefined) {
    throw new RangeError(`profile ${a.profile.id}: an assignment through a folder needs its folderId`);
  }
}

/** Every profile that applies to the device once, strongest first. */
function rankAssignments(assignments: readonly ProfileAssignmentInput[]): ProfileAssignmentInput[] {
  const best = new Map<number, ProfileAssignmentInput>();
  for (const a of assignments) {
    checkAssignment(a);
    const seen = best.get(a.profile.id);
    if (!seen || compareAssignments(a, seen) < 0) best.set(a.profile.id, a);
  }
  return [...best.values()].sort(compareAssignments);
}

function sourceOf(a: ProfileAssignmentInput): SettingSource {
  return {
    type: 'profile',
    id: a.profile.id,
    name: a.profile.name,
    priority: a.profile.priority,
    via: a.distance === 0 ? 'direct' : 'folder',
    ...(a.distance > 0 && a.folderId !== undefined ? { folderId: a.folderId } : {}),
    ...(a.distance > 0 && a.folderName !== undefined ? { folderName: a.folderName } : {}),
  };
}

/** The "Assigned objects" list: every profile that applies, highest priority first. */
export function listAssignedObjects(assignments: readonly ProfileAssignmentInput[]): AssignedObject[] {
  return rankAssignments(assignments).map((a): AssignedObject => ({ ...sourceOf(a), type: 'profile', distance: a.distance }));
}

function activatedEntries(profile: ProfileInput): [string, SettingValue][] {
  const entries = Object.entries(profile.settings);
  if (!profile.activated) return entries;
  const on = new Set(profile.activated);
  return entries.filter(([key]) => on.has(key));
}

/**
 * The key a source's setting takes in the effective configuration: unchanged, except for an
 * instance of a free group, which is re-keyed by its source (`profile:12`, `device`) so that
 * instances from different sources never collide.
 */
export function effectiveKey(sourceKey: string, freeTag: string, isFree: (group: string) => boolean = isFreeInstanceGroup): string {
  const inst = parseInstanceKey(sourceKey);
  return inst && isFree(inst.group) ? instanceKey(inst.group, `${freeTag}:${inst.instanceId}`, inst.field) : sourceKey;
}

export function computeEffectiveConfiguration(input: PrecedenceInput): EffectiveParameter[] {
  const isFree = input.isFreeInstanceGroup ?? isFreeInstanceGroup;
  // Candidates per effective key, pushed strongest first: ranked profiles, then the device.
  const candidates = new Map<string, { sourceKey: string; list: Candidate[] }>();
  const add = (sourceKey: string, freeTag: string, candidate: Candidate): void => {
    const key = effectiveKey(sourceKey, freeTag, isFree);
    const entry = candidates.get(key);
    if (entry) entry.list.push(candidate);
    else candidates.set(key, { sourceKey, list: [candidate] });
  };

  for (const a of rankAssignments(input.assignments)) {
    const source = sourceOf(a);
    for (const [key, value] of activatedEntries(a.profile)) add(key, `profile:${a.profile.id}`, { value, source });
  }
  const { device } = input;
  const deviceSource: SettingSource = { type: 'device', id: device.id, name: device.name, priority: false, via: 'direct' };
  for (const [key, value] of Object.entries(device.settings)) add(key, 'device', { value, source: deviceSource });

  const result: EffectiveParameter[] = [];
  for (const [key, { sourceKey, list }] of candidates) {
    const [winner, ...overridden] = list;
    if (winner) result.push({ key, sourceKey, value: winner.value, source: winner.source, overridden });
  }
  return result.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}

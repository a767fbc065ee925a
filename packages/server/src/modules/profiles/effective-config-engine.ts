/**
 * Effective configuration of many devices at once (configuration delivery, previews, the benchmark).
 *
 * The per-device engine in precedence.ts ranks every candidate and keeps provenance; here only the
 * winning values matter, so the work is shared: all devices of a folder inherit the same folder
 * chain, and the chain's merged layers are computed once per folder (and OS major version) and
 * reused. The order of overlays (last write wins) is the precedence order of precedence.ts,
 * lowest first:
 *
 *   device's own  <  standard via folders (farthest … nearest)  <  standard direct
 *                 <  priority direct  <  priority via folders (nearest … farthest)
 *
 * with ascending profile id inside one level (higher id wins). A profile reaching a device along
 * two paths is overlaid twice; the later (stronger) overlay writes the same values, so the result
 * equals ranking it once at its strongest position. A randomized test checks this engine against
 * precedence.ts.
 */
import type { SettingValue } from '@openums/protocol';
import { effectiveKey } from './precedence.js';
import { majorVersion } from './settings-hash.js';

export type SettingsMap = Record<string, SettingValue>;
type Entries = ReadonlyArray<readonly [string, SettingValue]>;

export interface EngineProfile {
  readonly id: number;
  readonly priority: boolean;
  /** Major OS version of "based on"; a profile applies only to devices of that major (or unknown). */
  readonly major: string | null;
  /** Activated settings with free-instance keys already re-keyed by this profile. */
  readonly entries: Entries;
}

export interface EngineDevice {
  readonly id: number;
  readonly folderId: number | null;
  readonly version: string | null;
  /** The device's own configuration, as stored. */
  readonly own: Readonly<SettingsMap>;
  /** Profiles assigned to the device itself. */
  readonly direct: readonly number[];
}

export interface EngineTree {
  /** parent of every folder (null = top level). */
  readonly parentOf: ReadonlyMap<number, number | null>;
  /** Device folder names (for provenance: "inherited from folder X"). */
  readonly folderNames: ReadonlyMap<number, string>;
  /** Profiles assigned to each folder. */
  readonly folderProfiles: ReadonlyMap<number, readonly number[]>;
  readonly profiles: ReadonlyMap<number, EngineProfile>;
  /** false when priority profiles are switched off: they are then ignored. */
  readonly priorityEnabled: boolean;
}

export function toEngineProfile(p: { id: number; type: string; based_on: string; settings: Readonly<SettingsMap> }): EngineProfile {
  const tag = `profile:${p.id}`;
  return {
    id: p.id,
    priority: p.type === 'priority',
    major: majorVersion(p.based_on),
    entries: Object.entries(p.settings).map(([k, v]) => [effectiveKey(k, tag), v] as const),
  };
}

interface Layers {
  /** Standard profiles along the chain, nearest winning. */
  readonly std: Entries;
  /** Priority profiles along the chain, farthest winning. */
  readonly prio: Entries;
}

const EMPTY: Layers = { std: [], prio: [] };

export class EffectiveConfigEngine {
  private readonly layers = new Map<string, Layers>();

  constructor(private readonly tree: EngineTree) {}

  compute(device: EngineDevice): SettingsMap {
    const major = majorVersion(device.version);
    const out: SettingsMap = {};
    for (const [k, v] of Object.entries(device.own)) out[effectiveKey(k, 'device')] = v;
    const chain = device.folderId === null ? EMPTY : this.layersOf(device.folderId, major, 0);
    for (const [k, v] of chain.std) out[k] = v;
    const direct = this.applicable(device.direct, major);
    for (const p of direct) if (!p.priority) for (const [k, v] of p.entries) out[k] = v;
    for (const p of direct) if (p.priority) for (const [k, v] of p.entries) out[k] = v;
    for (const [k, v] of chain.prio) out[k] = v;
    return out;
  }

  /** Profiles (ids) that apply to a device of `major`, ascending id. */
  private applicable(ids: readonly number[], major: string | null): EngineProfile[] {
    const out: EngineProfile[] = [];
    for (const id of ids) {
      const p = this.tree.profiles.get(id);
      if (!p) continue;
      if (p.priority && !this.tree.priorityEnabled) continue;
      if (major !== null && p.major !== null && p.major !== major) continue;
      out.push(p);
    }
    return out.sort((a, b) => a.id - b.id);
  }

  private layersOf(folderId: number, major: string | null, depth: number): Layers {
    const cacheKey = `${folderId}:${major ?? ''}`;
    const cached = this.layers.get(cacheKey);
    if (cached) return cached;
    const parentId = this.tree.parentOf.get(folderId) ?? null;
    // The tree is acyclic by construction; the depth bound only guards against a corrupt table.
    const parent = parentId === null || depth > 1000 ? EMPTY : this.layersOf(parentId, major, depth + 1);
    const own = this.applicable(this.tree.folderProfiles.get(folderId) ?? [], major);
    const std = new Map<string, SettingValue>(parent.std);
    for (const p of own) if (!p.priority) for (const [k, v] of p.entries) std.set(k, v);
    const prio = new Map<string, SettingValue>();
    for (const p of own) if (p.priority) for (const [k, v] of p.entries) prio.set(k, v);
    for (const [k, v] of parent.prio) prio.set(k, v);
    const layers = { std: [...std], prio: [...prio] };
    this.layers.set(cacheKey, layers);
    return layers;
  }
}

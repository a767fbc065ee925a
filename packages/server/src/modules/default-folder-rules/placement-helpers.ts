import type { FolderRuleTestDevice } from '@openums/protocol';
import { newDeviceRow, type DeviceRow } from '../devices/devices.repository.js';
import type { RuleSet } from './default-folder-rules.service.js';
import type { CompiledRule } from './rule-evaluation.js';

export type Folders = Map<number, { name: string; parentId: number | null }>;
/** A target as found in the database: its folder, or the per-subnet folder still to create. */
export interface FoundTarget {
  folderId: number | null;
  create: { parentId: number | null; name: string } | null;
  /** The rule's folder (or the per-subnet parent) no longer exists. */
  missing: boolean;
}

export const ref = (r: CompiledRule) => ({ id: r.id, name: r.name, hasTarget: r.target.mode !== 'none' });

export function pathOf(folderId: number, map: Folders): string {
  const names: string[] = [];
  for (let at: number | null = folderId, n = 0; at !== null && n < 10_000; n++) {
    const f = map.get(at);
    if (!f) break;
    names.unshift(f.name);
    at = f.parentId;
  }
  return names.join(' / ');
}

export function targetPath(found: FoundTarget, map: Folders): string | null {
  if (found.folderId !== null) return pathOf(found.folderId, map);
  if (!found.create) return null;
  return found.create.parentId === null ? found.create.name : `${pathOf(found.create.parentId, map)} / ${found.create.name}`;
}

/** A device row from the properties of the test box (fields as the API names them). */
export function rowOf(d: FolderRuleTestDevice, now: number): DeviceRow {
  const mac = (d.mac ?? '').replace(/[:-]/g, '').toUpperCase();
  const name = d.name ?? (mac ? `ITC${mac}` : '');
  return {
    ...newDeviceRow({ mac, name, folderId: d.folderId ?? null, now }),
    id: 0,
    unit_id: d.unitId ?? (mac || null),
    network_name: d.networkName ?? null,
    last_ip: d.lastIp ?? null,
    product: d.product ?? null,
    version: d.version ?? null,
    serial_number: d.serialNumber ?? null,
    site: d.site ?? null,
    department: d.department ?? null,
    cost_center: d.costCenter ?? null,
    comment: d.comment ?? null,
    asset_id: d.assetId ?? null,
    structure_tag: d.structureTag ?? null,
  } as unknown as DeviceRow;
}

export function attributeValuesOf(d: FolderRuleTestDevice, rules: RuleSet): Map<number, string> | undefined {
  if (!d.attributes || !rules.attributes) return undefined;
  const out = new Map<number, string>();
  for (const [identifier, value] of Object.entries(d.attributes)) {
    const def = rules.attributes.get(identifier);
    if (def) out.set(def.id, value);
  }
  return out;
}

import { VIEW_ATTRIBUTE_PREFIX, VIEW_CRITERIA_LIMITS, type ViewAttributeDefs, type ViewCriteria } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import { DeviceAttributesRepository } from '../device-attributes/device-attributes.repository.js';

/**
 * Whether criteria (checked or not: any JSON) name an `attribute:<identifier>` field. Deeper
 * than the checker allows is not looked into (the checker refuses it).
 */
export function namesAttributes(criteria: unknown, depth = 0): boolean {
  if (typeof criteria !== 'object' || criteria === null || depth > 2 * VIEW_CRITERIA_LIMITS.depth) return false;
  if (Array.isArray(criteria)) return criteria.some((c) => namesAttributes(c, depth + 1));
  const c = criteria as Record<string, unknown>;
  if (typeof c.field === 'string') return c.field.startsWith(VIEW_ATTRIBUTE_PREFIX);
  return namesAttributes(c.and, depth + 1) || namesAttributes(c.or, depth + 1) || namesAttributes(c.not, depth + 1);
}

/**
 * The device attribute definitions criteria need (by identifier), read once per evaluation and
 * only when the criteria name an attribute: the set is small (the channel's message limit keeps
 * it so), and the compiler then refers to attributes by id — no round trip per device.
 */
export async function loadViewAttributes(db: Db, criteria: ViewCriteria | unknown): Promise<ViewAttributeDefs | undefined> {
  if (!namesAttributes(criteria)) return undefined;
  const rows = await new DeviceAttributesRepository(db).listDefinitions(db);
  return new Map(
    rows.map((r) => [
      r.identifier,
      {
        id: r.id,
        identifier: r.identifier,
        type: r.type as 'string' | 'number' | 'date' | 'range',
        range: r.range_json === null ? null : (JSON.parse(r.range_json) as string[]),
      },
    ]),
  );
}

/**
 * The parameter catalogue: every setting a device of one OS version knows, as data. Profiles and
 * device configurations are validated against it; parameters a device reports that the catalogue
 * does not know are kept by the server (findParameter returns undefined for them), not dropped.
 */
import type { CatalogueParameter, InstanceGroup, SettingValue } from './catalogue-types.js';
import { NETWORK_PARAMETERS } from './parameters-network.js';
import { SESSION_PARAMETERS } from './parameters-sessions.js';
import { SYSTEM_PARAMETERS } from './parameters-system.js';
import { USER_INTERFACE_PARAMETERS } from './parameters-user-interface.js';

export type {
  BoolParameter,
  CatalogueParameter,
  EnumParameter,
  GroupPath,
  InstanceGroup,
  IntegerParameter,
  ListParameter,
  ParameterType,
  SecretParameter,
  SettingValue,
  StringParameter,
} from './catalogue-types.js';
export { TIME_ZONES, type TimeZone } from './time-zones.js';

export interface ParameterCatalogue {
  /** OS version the catalogue describes; profiles carry the same "based on" version. */
  readonly basedOn: string;
  readonly parameters: readonly CatalogueParameter[];
  readonly instanceGroups: readonly InstanceGroup[];
}

const INSTANCE_GROUPS: readonly InstanceGroup[] = [
  { key: 'sessions.rdp', label: 'RDP session', kind: 'free' },
  { key: 'sessions.ica', label: 'ICA session', kind: 'free' },
  { key: 'sessions.browser', label: 'Browser session', kind: 'free' },
  { key: 'network.wireless.network', label: 'Wireless network', kind: 'free' },
  { key: 'network.vpn.openvpn', label: 'OpenVPN connection', kind: 'free' },
  { key: 'network.hosts.entry', label: 'Host entry', kind: 'free' },
  { key: 'accessories.app', label: 'Custom application', kind: 'free' },
  { key: 'devices.printer.queue', label: 'Printer', kind: 'free' },
  { key: 'userinterface.display.monitor', label: 'Monitor', kind: 'fixed', fixedIds: ['1', '2', '3', '4'] },
];

export const PARAMETER_CATALOGUE: ParameterCatalogue = Object.freeze({
  basedOn: '12.1',
  parameters: Object.freeze([...SYSTEM_PARAMETERS, ...NETWORK_PARAMETERS, ...SESSION_PARAMETERS, ...USER_INTERFACE_PARAMETERS]),
  instanceGroups: INSTANCE_GROUPS,
});

const byKey = new Map(PARAMETER_CATALOGUE.parameters.map((p) => [p.key, p]));
const groupsByKey = new Map(INSTANCE_GROUPS.map((g) => [g.key, g]));

/** A concrete key of a repeatable group, e.g. `sessions.rdp[2].server`, taken apart. */
export interface InstanceKey {
  /** `sessions.rdp` */
  readonly group: string;
  /** `2` */
  readonly instanceId: string;
  /** `server` */
  readonly field: string;
  /** The catalogue key, `sessions.rdp[].server` */
  readonly template: string;
}

const INSTANCE_KEY = /^([a-z0-9_.]+)\[([^[\]]+)\]\.([a-z0-9_.]+)$/;

/** Takes an instance key apart; undefined for keys outside repeatable groups (and for `[]` templates). */
export function parseInstanceKey(key: string): InstanceKey | undefined {
  const m = INSTANCE_KEY.exec(key);
  if (!m) return undefined;
  const [, group = '', instanceId = '', field = ''] = m;
  return { group, instanceId, field, template: `${group}[].${field}` };
}

export function instanceKey(group: string, instanceId: string, field: string): string {
  return `${group}[${instanceId}].${field}`;
}

export function findInstanceGroup(group: string): InstanceGroup | undefined {
  return groupsByKey.get(group);
}

/**
 * Whether instances of a group co-exist across profiles. Groups the catalogue does not know are
 * treated as free, so that an unknown repeatable group reported by a newer device never loses
 * instances.
 */
export function isFreeInstanceGroup(group: string): boolean {
  return groupsByKey.get(group)?.kind !== 'fixed';
}

/** Looks a parameter up by its catalogue key or by a concrete instance key (`sessions.rdp[7].server`). */
export function findParameter(key: string): CatalogueParameter | undefined {
  const direct = byKey.get(key);
  if (direct) return direct;
  const inst = parseInstanceKey(key);
  return inst ? byKey.get(inst.template) : undefined;
}

export interface SettingValidationError {
  readonly key: string;
  readonly message: string;
}

const describe = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'a list'
      : typeof value === 'string'
        ? JSON.stringify(value)
        : `${typeof value} ${String(value)}`;

/**
 * Checks one value against its parameter. Returns null when it is valid, otherwise an error whose
 * message names the parameter, says what was expected and what was given. `key` may be a concrete
 * instance key; it is the name used in the message.
 */
export function validateValue(param: CatalogueParameter, value: unknown, key: string = param.key): SettingValidationError | null {
  const fail = (expected: string): SettingValidationError => ({
    key,
    message: `${key}: expected ${expected}, got ${describe(value)}`,
  });
  switch (param.type) {
    case 'bool':
      return typeof value === 'boolean' ? null : fail('true or false');
    case 'integer': {
      const range = `an integer from ${param.min} to ${param.max}${param.unit ? ` (${param.unit})` : ''}`;
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail(range);
      return value < param.min || value > param.max ? fail(range) : null;
    }
    case 'string':
    case 'secret': {
      const what = param.type === 'secret' ? 'a secret string' : 'a string';
      if (typeof value !== 'string') return fail(`${what} of at most ${param.maxLength} characters`);
      if (value.length > param.maxLength) {
        return { key, message: `${key}: at most ${param.maxLength} characters allowed, got ${value.length}` };
      }
      if (param.type === 'string' && param.pattern && value !== '' && !new RegExp(param.pattern).test(value)) {
        return { key, message: `${key}: ${JSON.stringify(value)} does not have the required format` };
      }
      return null;
    }
    case 'enum':
      return typeof value === 'string' && param.values.includes(value)
        ? null
        : fail(param.values.length <= 12 ? `one of ${param.values.join(', ')}` : `one of the ${param.values.length} allowed values`);
    case 'list': {
      if (!Array.isArray(value)) return fail(`a list of strings (at most ${param.maxItems})`);
      if (value.length > param.maxItems) {
        return { key, message: `${key}: at most ${param.maxItems} entries allowed, got ${value.length}` };
      }
      const pattern = param.itemPattern ? new RegExp(param.itemPattern) : undefined;
      for (const [i, item] of value.entries()) {
        if (typeof item !== 'string') return { key, message: `${key}: entry ${i + 1} must be a string, got ${describe(item)}` };
        if (item.length > param.itemMaxLength) {
          return { key, message: `${key}: entry ${i + 1} is longer than ${param.itemMaxLength} characters` };
        }
        if (pattern && !pattern.test(item)) {
          return { key, message: `${key}: entry ${i + 1} (${JSON.stringify(item)}) does not have the required format` };
        }
      }
      return null;
    }
  }
}

/**
 * Validates a setting by key: an unknown key is an error (profiles may only set catalogue
 * parameters), and an instance id of a fixed group must be one of its instances.
 */
export function validateSetting(key: string, value: unknown): SettingValidationError | null {
  const param = findParameter(key);
  if (!param) return { key, message: `${key}: unknown parameter for OS ${PARAMETER_CATALOGUE.basedOn}` };
  const inst = parseInstanceKey(key);
  if (param.key.includes('[]') && !inst) {
    return { key, message: `${key}: name an instance, e.g. ${param.key.replace('[]', '[1]')}` };
  }
  const group = inst ? findInstanceGroup(inst.group) : undefined;
  if (inst && group?.fixedIds && !group.fixedIds.includes(inst.instanceId)) {
    return { key, message: `${key}: ${group.label.toLowerCase()} ${inst.instanceId} does not exist (${group.fixedIds.join(', ')})` };
  }
  return validateValue(param, value, key);
}

/** Narrows an unknown value that passed validateValue. */
export const isSettingValue = (value: unknown): value is SettingValue =>
  typeof value === 'boolean' ||
  typeof value === 'number' ||
  typeof value === 'string' ||
  (Array.isArray(value) && value.every((v) => typeof v === 'string'));

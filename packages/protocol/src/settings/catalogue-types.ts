/**
 * Shapes of the parameter catalogue and small builders so the data files read as one line per
 * parameter. Keys are dotted; a repeatable group is marked with `[]` in its template key
 * (`sessions.rdp[].server`); a concrete setting names its instance (`sessions.rdp[2].server`).
 */

/** A value as stored in a profile or a device's configuration. Secrets are strings. */
export type SettingValue = boolean | number | string | readonly string[];

export type ParameterType = 'bool' | 'integer' | 'string' | 'enum' | 'secret' | 'list';

/** Path in the setup tree, outermost first, e.g. ['Sessions', 'RDP']. */
export type GroupPath = readonly string[];

interface ParameterBase {
  readonly key: string;
  readonly group: GroupPath;
  readonly description: string;
}

export interface BoolParameter extends ParameterBase {
  readonly type: 'bool';
  readonly default: boolean;
}

export interface IntegerParameter extends ParameterBase {
  readonly type: 'integer';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** Shown next to the value, e.g. 'minutes'. */
  readonly unit?: string;
}

export interface StringParameter extends ParameterBase {
  readonly type: 'string';
  readonly default: string;
  readonly maxLength: number;
  /** Anchored regular expression the value must match; '' is always allowed (= unset). */
  readonly pattern?: string;
}

export interface EnumParameter extends ParameterBase {
  readonly type: 'enum';
  readonly default: string;
  readonly values: readonly string[];
}

/** Stored encrypted, never shown back: APIs mask it. */
export interface SecretParameter extends ParameterBase {
  readonly type: 'secret';
  readonly default: '';
  readonly maxLength: number;
}

export interface ListParameter extends ParameterBase {
  readonly type: 'list';
  readonly default: readonly string[];
  readonly maxItems: number;
  readonly itemMaxLength: number;
  readonly itemPattern?: string;
}

export type CatalogueParameter = BoolParameter | IntegerParameter | StringParameter | EnumParameter | SecretParameter | ListParameter;

/**
 * A repeatable group. Free instances are created by the administrator (each profile may bring its
 * own RDP sessions, and they all co-exist on the device); fixed instances exist a fixed number of
 * times (monitor 1..4) and take part in precedence like ordinary parameters.
 */
export interface InstanceGroup {
  readonly key: string;
  readonly label: string;
  readonly kind: 'free' | 'fixed';
  /** For fixed groups: the instance ids that exist. */
  readonly fixedIds?: readonly string[];
}

export const bool = (key: string, dflt: boolean, group: GroupPath, description: string): BoolParameter => ({
  key,
  type: 'bool',
  default: dflt,
  group,
  description,
});

export const int = (
  key: string,
  dflt: number,
  range: readonly [number, number],
  group: GroupPath,
  description: string,
  unit?: string,
): IntegerParameter => ({
  key,
  type: 'integer',
  default: dflt,
  min: range[0],
  max: range[1],
  group,
  description,
  ...(unit ? { unit } : {}),
});

export const str = (
  key: string,
  dflt: string,
  maxLength: number,
  group: GroupPath,
  description: string,
  pattern?: string,
): StringParameter => ({
  key,
  type: 'string',
  default: dflt,
  maxLength,
  group,
  description,
  ...(pattern ? { pattern } : {}),
});

export const oneOf = (key: string, dflt: string, values: readonly string[], group: GroupPath, description: string): EnumParameter => ({
  key,
  type: 'enum',
  default: dflt,
  values,
  group,
  description,
});

export const secret = (key: string, maxLength: number, group: GroupPath, description: string): SecretParameter => ({
  key,
  type: 'secret',
  default: '',
  maxLength,
  group,
  description,
});

export const list = (
  key: string,
  dflt: readonly string[],
  limits: { maxItems: number; itemMaxLength: number; itemPattern?: string },
  group: GroupPath,
  description: string,
): ListParameter => ({ key, type: 'list', default: dflt, ...limits, group, description });

/** Patterns shared by several parameters. */
export const PATTERNS = {
  ipv4: '^((25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1?\\d?\\d)$',
  hostname: '^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?$',
  hostOrIp: '^[A-Za-z0-9.:\\[\\]-]+$',
  timeOfDay: '^([01]\\d|2[0-3]):[0-5]\\d$',
  url: '^(https?|ftp|ftps|file)://\\S+$',
  color: '^#[0-9a-fA-F]{6}$',
  usbId: '^[0-9a-fA-F]{4}:([0-9a-fA-F]{4}|\\*)$',
  port: '^\\d{1,5}(/(tcp|udp))?$',
} as const;

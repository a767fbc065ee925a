import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isIPv4 } from 'node:net';
import { normalizeFingerprint } from '../crypto/x509.js';
import { keyProblem } from '../settings/values.js';

/** A mistake on the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

function parse(argv: string[], options: Options): Record<string, string | boolean | undefined> {
  return parseWithPositionals(argv, options, false).values;
}

function parseWithPositionals(
  argv: string[],
  options: Options,
  allowPositionals = true,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

function int(values: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** The server's origin: https only, path ignored (the device paths are fixed). */
export function parseServerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--server "${value}" is not a URL (e.g. https://ums.example.com:8443)`);
  }
  if (url.protocol !== 'https:') throw new UsageError(`--server must be an https:// URL, got ${url.protocol}`);
  return url.origin;
}

export function wsUrlFor(server: string): string {
  const u = new URL(server);
  return `wss://${u.host}`;
}

function fingerprint(values: Record<string, unknown>): string | undefined {
  const v = values['ca-fingerprint'];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !normalizeFingerprint(v))
    throw new UsageError('--ca-fingerprint must be a SHA-256 fingerprint (sha256:AA:BB:…)');
  return v;
}

const UNIT_ID = /^[A-Za-z0-9:._-]{1,64}$/;

export interface EnrollArgs {
  server: string;
  key: string;
  caFingerprint?: string;
  stateDir: string;
  unitId?: string;
  name?: string;
  force: boolean;
}

/** The environment variable that may carry the enrollment key (not visible in `ps`). */
export const ENROLLMENT_KEY_ENV = 'OPENUMS_ENROLLMENT_KEY';

export interface EnrollKeySources {
  /** The process environment (main passes process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  readFile?: (path: string) => string;
}

/**
 * The enrollment key from --key-file FILE, the OPENUMS_ENROLLMENT_KEY environment variable or
 * --key KEY. The first two keep the key out of the process list; --key shows it to every local
 * user running `ps` while the agent enrolls. A flag wins over the environment.
 */
function enrollmentKey(v: Record<string, string | boolean | undefined>, sources: EnrollKeySources): string {
  const flag = v.key as string | undefined;
  const file = v['key-file'] as string | undefined;
  if (flag !== undefined && file !== undefined) throw new UsageError('give either --key or --key-file, not both');
  if (file !== undefined) {
    if (file === '') throw new UsageError('--key-file must be a path');
    let text: string;
    try {
      text = (sources.readFile ?? ((p: string) => readFileSync(p, 'utf8')))(file);
    } catch (err) {
      throw new UsageError(`--key-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const key = text.trim();
    if (key === '' || /\s/.test(key)) throw new UsageError(`--key-file ${file} must hold exactly one enrollment key`);
    return key;
  }
  if (flag !== undefined) {
    if (flag === '') throw new UsageError('--key is empty');
    return flag;
  }
  const fromEnv = sources.env?.[ENROLLMENT_KEY_ENV]?.trim();
  if (fromEnv) return fromEnv;
  throw new UsageError(`an enrollment key is required: --key-file FILE, ${ENROLLMENT_KEY_ENV} or --key KEY`);
}

export function parseEnrollArgs(argv: string[], sources: EnrollKeySources = {}): EnrollArgs {
  const v = parse(argv, {
    server: { type: 'string' },
    key: { type: 'string' },
    'key-file': { type: 'string' },
    'ca-fingerprint': { type: 'string' },
    'state-dir': { type: 'string' },
    'unit-id': { type: 'string' },
    name: { type: 'string' },
    force: { type: 'boolean' },
  });
  const unitId = v['unit-id'] as string | undefined;
  if (unitId !== undefined && !UNIT_ID.test(unitId)) throw new UsageError('--unit-id: 1-64 characters of A-Z a-z 0-9 : . _ -');
  const name = v.name as string | undefined;
  if (name !== undefined && (name.length === 0 || name.length > 253)) throw new UsageError('--name: 1-253 characters');
  return {
    server: parseServerUrl(required(v, 'server')),
    key: enrollmentKey(v, sources),
    caFingerprint: fingerprint(v),
    stateDir: required(v, 'state-dir'),
    unitId,
    name,
    force: v.force === true,
  };
}

export interface RunArgs {
  stateDir: string;
  config?: string;
  /** linux (default) or recording: actions are only recorded (tests, demos, CI). */
  platform: 'linux' | 'recording';
  actionsFile?: string;
  hooksDir?: string;
}

export function parseRunArgs(argv: string[]): RunArgs {
  const v = parse(argv, {
    'state-dir': { type: 'string' },
    config: { type: 'string' },
    platform: { type: 'string' },
    'actions-file': { type: 'string' },
    'hooks-dir': { type: 'string' },
  });
  const platform = (v.platform as string | undefined) ?? 'linux';
  if (platform !== 'linux' && platform !== 'recording') throw new UsageError('--platform must be linux or recording');
  if (v['actions-file'] !== undefined && platform !== 'recording') throw new UsageError('--actions-file needs --platform recording');
  return {
    stateDir: required(v, 'state-dir'),
    config: v.config as string | undefined,
    platform,
    actionsFile: v['actions-file'] as string | undefined,
    hooksDir: optionalPath(v, 'hooks-dir'),
  };
}

function optionalPath(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} must be a path`);
  return v;
}

export interface SimulateArgs {
  server: string;
  key: string;
  count: number;
  stateDir: string;
  processes: number;
  localAddresses: string[];
  durationSeconds?: number;
  statsIntervalSeconds?: number;
  enrollConcurrency: number;
  connectConcurrency: number;
  caFingerprint?: string;
  macPrefix: string;
  actionsFile?: string;
}

/** Devices per process by default: far below the 20,000 open files one process may hold. */
export const DEVICES_PER_PROCESS = 8000;

export function parseSimulateArgs(argv: string[]): SimulateArgs {
  const v = parse(argv, {
    server: { type: 'string' },
    key: { type: 'string' },
    count: { type: 'string' },
    'state-dir': { type: 'string' },
    processes: { type: 'string' },
    'local-addresses': { type: 'string' },
    duration: { type: 'string' },
    'stats-interval': { type: 'string' },
    'enroll-concurrency': { type: 'string' },
    'connect-concurrency': { type: 'string' },
    'ca-fingerprint': { type: 'string' },
    'mac-prefix': { type: 'string' },
    'actions-file': { type: 'string' },
  });
  if (v.count === undefined) throw new UsageError('--count is required');
  const count = int(v, 'count', 1, 1_000_000)!;
  const processes = int(v, 'processes', 1, 64) ?? Math.ceil(count / DEVICES_PER_PROCESS);
  if (processes > count) throw new UsageError(`--processes (${processes}) is more than --count (${count})`);
  if (count / processes > 18_000)
    throw new UsageError(`${Math.ceil(count / processes)} devices per process is too many (open-file limit); raise --processes`);
  const macPrefix = ((v['mac-prefix'] as string | undefined) ?? '020000').toUpperCase();
  if (!/^[0-9A-F]{6}$/.test(macPrefix)) throw new UsageError('--mac-prefix: 6 hex digits (the first three bytes of the virtual MACs)');
  if (count > 0xffffff) throw new UsageError('--count: at most 16777215 devices per MAC prefix');
  return {
    server: parseServerUrl(required(v, 'server')),
    key: required(v, 'key'),
    count,
    stateDir: required(v, 'state-dir'),
    processes,
    localAddresses: v['local-addresses'] === undefined ? [] : parseAddressRange(v['local-addresses'] as string),
    durationSeconds: int(v, 'duration', 1, 365 * 24 * 3600),
    statsIntervalSeconds: int(v, 'stats-interval', 1, 3600),
    enrollConcurrency: int(v, 'enroll-concurrency', 1, 10_000) ?? 50,
    connectConcurrency: int(v, 'connect-concurrency', 1, 10_000) ?? 200,
    caFingerprint: fingerprint(v),
    macPrefix,
    actionsFile: v['actions-file'] as string | undefined,
  };
}

/** "127.0.0.2-127.0.0.250", "10.0.0.5", or a comma list of both; IPv4 only. */
export function parseAddressRange(spec: string): string[] {
  const out: string[] = [];
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [a, b, extra] = part.split('-').map((s) => s.trim());
    if (extra !== undefined || !a || !isIPv4(a) || (b !== undefined && !isIPv4(b))) {
      throw new UsageError(`--local-addresses: "${part}" is not an IPv4 address or range (a.b.c.d-a.b.c.e)`);
    }
    const from = ipToInt(a);
    const to = b === undefined ? from : ipToInt(b);
    if (to < from) throw new UsageError(`--local-addresses: range ${part} runs backwards`);
    if (to - from > 65_535 || out.length + (to - from) > 65_535) throw new UsageError('--local-addresses: at most 65536 addresses');
    for (let n = from; n <= to; n++) out.push(intToIp(n));
  }
  if (out.length === 0) throw new UsageError('--local-addresses is empty');
  return out;
}

const ipToInt = (ip: string) => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
const intToIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export type SettingsAction = 'get' | 'list' | 'set' | 'unset';

export interface SettingsArgs {
  action: SettingsAction;
  key?: string;
  /** `set`: the parsed JSON value (shape checked; the catalogue check is the command's). */
  value?: unknown;
  stateDir: string;
  config?: string;
  hooksDir?: string;
  showSecrets: boolean;
}

/** `settings get [key] | list | set <key> <json-value> | unset <key>`, options anywhere. */
export function parseSettingsArgs(argv: string[]): SettingsArgs {
  const { values: v, positionals } = parseWithPositionals(argv, {
    'state-dir': { type: 'string' },
    config: { type: 'string' },
    'hooks-dir': { type: 'string' },
    'show-secrets': { type: 'boolean' },
  });
  const [action, key, raw, ...extra] = positionals;
  const arity: Record<SettingsAction, [number, number]> = { get: [0, 1], list: [0, 0], set: [2, 2], unset: [1, 1] };
  if (action === undefined) throw new UsageError('settings: say get, list, set or unset');
  if (!Object.hasOwn(arity, action)) throw new UsageError(`settings: unknown action "${action}" (get, list, set, unset)`);
  const [min, max] = arity[action as SettingsAction];
  const given = positionals.length - 1;
  if (given < min || given > max || extra.length > 0) {
    throw new UsageError(`settings ${action}: expected ${min === max ? min : `${min} or ${max}`} argument(s), got ${given}`);
  }
  if (key !== undefined) {
    const problem = keyProblem(key);
    if (problem) throw new UsageError(`settings ${action}: ${problem}`);
  }
  const args: SettingsArgs = {
    action: action as SettingsAction,
    stateDir: required(v, 'state-dir'),
    config: v.config as string | undefined,
    hooksDir: optionalPath(v, 'hooks-dir'),
    showSecrets: v['show-secrets'] === true,
  };
  if (key !== undefined) args.key = key;
  if (raw !== undefined) {
    try {
      args.value = JSON.parse(raw) as unknown;
    } catch {
      throw new UsageError(`settings set ${key}: the value must be JSON, e.g. 5, true, '"text"' or '["a","b"]'`);
    }
  }
  return args;
}

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import { ConfigSchema, DEFAULTS, type Config } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConfigSources {
  /** Path of a JSON config file (`--config`). */
  file?: string | undefined;
  /** The process environment; only OPENUMS_* variables are read. */
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, already in config shape. */
  flags?: Partial<Config> & { tls?: Partial<Config['tls']> };
}

/** Environment variable → setting path. Kept explicit so the docs can list it. */
export const ENV_VARS: Record<string, { path: string[]; parse: (v: string) => unknown }> = {
  OPENUMS_DATA_DIR: { path: ['dataDir'], parse: (v) => v },
  OPENUMS_HOST: { path: ['host'], parse: (v) => v },
  OPENUMS_PORT: { path: ['port'], parse: numberOrText },
  OPENUMS_DATABASE_URL: { path: ['databaseUrl'], parse: (v) => v || null },
  OPENUMS_DATABASE_PREPARED_STATEMENTS: {
    path: ['databasePreparedStatements'],
    parse: (v) => (v === 'true' ? true : v === 'false' ? false : v),
  },
  OPENUMS_LOG_LEVEL: { path: ['logLevel'], parse: (v) => v },
  OPENUMS_TLS_MIN_VERSION: { path: ['tls', 'minVersion'], parse: (v) => v },
  OPENUMS_TLS_EXTRA_NAMES: {
    path: ['tls', 'extraNames'],
    parse: (v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
  },
  OPENUMS_SESSION_TTL_HOURS: { path: ['session', 'ttlHours'], parse: numberOrText },
  OPENUMS_WEB_ROOT: { path: ['webRoot'], parse: (v) => v || null },
  OPENUMS_BIND_RETRY_SECONDS: { path: ['bindRetrySeconds'], parse: numberOrText },
  OPENUMS_HEARTBEAT_SECONDS: { path: ['gateway', 'heartbeatSeconds'], parse: numberOrText },
  OPENUMS_HEARTBEAT_OFFSET_SECONDS: { path: ['gateway', 'heartbeatOffsetSeconds'], parse: numberOrText },
  OPENUMS_PING_INTERVAL_SECONDS: { path: ['gateway', 'pingIntervalSeconds'], parse: numberOrText },
  OPENUMS_PONG_TIMEOUT_SECONDS: { path: ['gateway', 'pongTimeoutSeconds'], parse: numberOrText },
  OPENUMS_MAX_HANDSHAKES: { path: ['gateway', 'maxHandshakesInProgress'], parse: numberOrText },
  OPENUMS_CLIENT_CERT_FORWARDING: {
    path: ['clientCertForwarding', 'enabled'],
    parse: (v) => (v === 'true' ? true : v === 'false' ? false : v),
  },
  OPENUMS_CLIENT_CERT_HEADER: { path: ['clientCertForwarding', 'header'], parse: (v) => v },
  OPENUMS_WORKERS: { path: ['workers'], parse: numberOrText },
  OPENUMS_CLUSTER_BUS: { path: ['cluster', 'bus'], parse: (v) => v },
  OPENUMS_CLUSTER_ACCEPT: { path: ['cluster', 'accept'], parse: (v) => v },
  OPENUMS_CLUSTER_BEAT_SECONDS: { path: ['cluster', 'beatSeconds'], parse: numberOrText },
  OPENUMS_CLUSTER_CATCH_UP_SECONDS: { path: ['cluster', 'catchUpSeconds'], parse: numberOrText },
  OPENUMS_CLUSTER_LEASE_SECONDS: { path: ['cluster', 'leaseSeconds'], parse: numberOrText },
  OPENUMS_CRASH_POINT: { path: ['crashPoint'], parse: (v) => v || null },
  OPENUMS_LOG_CAPTURE_DIR: { path: ['logCaptureDir'], parse: (v) => v || null },
  OPENUMS_TRUSTED_PROXIES: {
    path: ['clientCertForwarding', 'trustedProxies'],
    parse: (v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
  },
};

function numberOrText(v: string): unknown {
  return /^-?\d+$/.test(v.trim()) ? Number(v) : v;
}

type Layer = { name: string; values: Record<string, unknown> };

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(ConfigSchema);

/**
 * Merges defaults < config file < OPENUMS_* environment < flags, validates the result once
 * and freezes it. A bad value throws a ConfigError naming the setting and where it came from.
 */
export function loadConfig(sources: ConfigSources = {}): Readonly<Config> {
  const layers: Layer[] = [];
  if (sources.file) layers.push({ name: `config file ${sources.file}`, values: readConfigFile(sources.file) });
  layers.push({ name: 'environment', values: fromEnv(sources.env ?? {}) });
  if (sources.flags) layers.push({ name: 'command line', values: stripUndefined(sources.flags) });

  const origin = new Map<string, string>();
  let merged: Record<string, unknown> = structuredClone(DEFAULTS) as unknown as Record<string, unknown>;
  for (const layer of layers) merged = mergeInto(merged, layer.values, layer.name, origin, '');

  if (!validate(merged)) {
    const messages = (validate.errors ?? []).map((e) => {
      const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
      if (e.keyword === 'additionalProperties') {
        const extra = `${path ? `${path}.` : ''}${String((e.params as { additionalProperty: string }).additionalProperty)}`;
        return `unknown setting "${extra}" (${origin.get(extra) ?? 'config'})`;
      }
      const top = path.split('.').slice(0, 2).join('.');
      const from = origin.get(path) ?? origin.get(top) ?? 'default';
      return `setting "${path}" ${e.message ?? 'is invalid'} (from ${from}, got ${JSON.stringify(valueAt(merged, path))})`;
    });
    throw new ConfigError(`Invalid configuration: ${[...new Set(messages)].join('; ')}`);
  }
  const config = merged as unknown as Config;
  config.dataDir = resolve(config.dataDir);
  return deepFreeze(config);
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('top level must be an object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`Config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, { path, parse }] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw === undefined) continue;
    let target = out;
    for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[path[path.length - 1]!] = parse(raw);
  }
  return out;
}

function mergeInto(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
  source: string,
  origin: Map<string, string>,
  prefix: string,
): Record<string, unknown> {
  for (const [key, value] of Object.entries(over)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const current = base[key];
    if (isPlainObject(value) && isPlainObject(current)) {
      base[key] = mergeInto({ ...current }, value, source, origin, path);
    } else {
      base[key] = value;
      origin.set(path, source);
    }
  }
  return base;
}

function stripUndefined(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) ? stripUndefined(v) : v;
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function valueAt(o: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((acc, k) => (isPlainObject(acc) ? acc[k] : undefined), o);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

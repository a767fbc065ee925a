import { dirname, join, resolve } from 'node:path';
import { readTextIfExists } from '../lib/files.js';
import { STATE_FILES } from './state.js';

/** Local settings of the agent, owned by the device's administrator (not by the server). */
export interface AgentConfig {
  /** reboot / shutdown / suspend run systemctl only when true. */
  allowPowerActions: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Directory of settings hooks (default: hooks.d beside the config file, or in the state dir). */
  hooksDir?: string;
  /** A settings hook running longer is killed and counts as failed. */
  hookTimeoutSeconds: number;
}

const DEFAULTS: AgentConfig = { allowPowerActions: false, logLevel: 'info', hookTimeoutSeconds: 30 };

/** `--config FILE` or `<state>/agent-config.json`; a missing default file means defaults. */
export function loadAgentConfig(stateDir: string, file?: string): AgentConfig {
  const path = file ?? join(stateDir, STATE_FILES.config);
  const text = readTextIfExists(path);
  if (text === null) {
    if (file) throw new Error(`config file ${file} not found`);
    return { ...DEFAULTS };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`config file ${path} must hold a JSON object`);
  const obj = raw as Record<string, unknown>;
  const config = { ...DEFAULTS };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'allowPowerActions') {
      if (typeof v !== 'boolean') throw new Error(`config ${path}: allowPowerActions must be true or false`);
      config.allowPowerActions = v;
    } else if (k === 'logLevel') {
      if (v !== 'debug' && v !== 'info' && v !== 'warn' && v !== 'error')
        throw new Error(`config ${path}: logLevel must be debug, info, warn or error`);
      config.logLevel = v;
    } else if (k === 'hooksDir') {
      if (typeof v !== 'string' || v === '') throw new Error(`config ${path}: hooksDir must be a directory path`);
      // Relative to the config file, like any path in a config file.
      config.hooksDir = resolve(dirname(path), v);
    } else if (k === 'hookTimeoutSeconds') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 3600)
        throw new Error(`config ${path}: hookTimeoutSeconds must be a whole number from 1 to 3600`);
      config.hookTimeoutSeconds = v;
    } else {
      throw new Error(`config ${path}: unknown setting "${k}"`);
    }
  }
  return Object.freeze(config);
}

import { join } from 'node:path';
import { readTextIfExists } from '../lib/files.js';
import { STATE_FILES } from './state.js';

/** Local settings of the agent, owned by the device's administrator (not by the server). */
export interface AgentConfig {
  /** reboot / shutdown / suspend run systemctl only when true. */
  allowPowerActions: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

const DEFAULTS: AgentConfig = { allowPowerActions: false, logLevel: 'info' };

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
      if (v !== 'debug' && v !== 'info' && v !== 'warn' && v !== 'error') throw new Error(`config ${path}: logLevel must be debug, info, warn or error`);
      config.logLevel = v;
    } else {
      throw new Error(`config ${path}: unknown setting "${k}"`);
    }
  }
  return Object.freeze(config);
}

import { join } from 'node:path';
import type { AttributesMessage, AttributesReportMessage } from '@openums/protocol';
import { ensurePrivateDir, readTextIfExists, writeDurableFile } from '../lib/files.js';
import { withSettingsLock } from '../settings/lock.js';

/** Files of the device attributes in the state directory. */
export const ATTRIBUTE_FILES = { store: 'attributes.json', lock: 'attributes.lock' } as const;

export type AttributeDefinition = AttributesMessage['definitions'][number];

/**
 * What the device knows of its attributes: the definitions and values the server last sent,
 * with the changes made on the device (`attrs set/reset`) on top. `changed` holds those changes
 * until they were sent; `sync` says the device asked to send them (`attrs sync`).
 */
export interface AttributeState {
  definitions: AttributeDefinition[];
  values: Record<string, string>;
  changed: Record<string, string | null>;
  sync: boolean;
}

const empty = (): AttributeState => ({ definitions: [], values: {}, changed: {}, sync: false });

export function loadAttributes(stateDir: string): AttributeState {
  const text = readTextIfExists(join(stateDir, ATTRIBUTE_FILES.store));
  if (text === null) return empty();
  try {
    const raw = JSON.parse(text) as Partial<AttributeState>;
    return {
      definitions: Array.isArray(raw.definitions) ? raw.definitions : [],
      values: raw.values && typeof raw.values === 'object' ? raw.values : {},
      changed: raw.changed && typeof raw.changed === 'object' ? raw.changed : {},
      sync: raw.sync === true,
    };
  } catch {
    // A damaged file: the next `attributes` message from the server rebuilds it.
    return empty();
  }
}

function save(stateDir: string, state: AttributeState): void {
  ensurePrivateDir(stateDir);
  writeDurableFile(join(stateDir, ATTRIBUTE_FILES.store), `${JSON.stringify(state, null, 2)}\n`);
}

/** Reads, changes and writes the state under the attributes lock (the CLI and the running agent share it). */
export function changeAttributes<T>(stateDir: string, fn: (state: AttributeState) => T): Promise<T> {
  return withSettingsLock(
    join(stateDir, ATTRIBUTE_FILES.lock),
    () => {
      const state = loadAttributes(stateDir);
      const out = fn(state);
      save(stateDir, state);
      return out;
    },
    { timeoutMs: 30_000 },
  );
}

/** The server's definitions and values replace the device's; changes not yet sent stay on top. */
export function receiveAttributes(state: AttributeState, msg: AttributesMessage): void {
  state.definitions = msg.definitions;
  const values: Record<string, string> = { ...msg.values };
  const known = new Set(msg.definitions.map((d) => d.identifier));
  for (const [k, v] of Object.entries(state.changed)) {
    if (!known.has(k)) {
      delete state.changed[k];
      continue;
    }
    if (v === null) delete values[k];
    else values[k] = v;
  }
  state.values = values;
}

/** May the device set this attribute (overwrite rule device or all)? */
export const deviceMaySet = (def: AttributeDefinition) => def.overwrite === 'device' || def.overwrite === 'all';

/**
 * The report `attrs sync` asks for: the complete set of attributes the device may set (a value,
 * or null for none), or null when nothing was changed on the device since the last report.
 */
export function syncReport(state: AttributeState): AttributesReportMessage | null {
  if (!state.sync || Object.keys(state.changed).length === 0) return null;
  const values: Record<string, string | null> = {};
  for (const def of state.definitions) if (deviceMaySet(def)) values[def.identifier] = state.values[def.identifier] ?? null;
  return { t: 'attributes-report', values };
}

import { parseArgs } from 'node:util';
import { DEVICE_ATTRIBUTE_VALUE_MAX } from '@openums/protocol';
import { changeAttributes, deviceMaySet, loadAttributes, type AttributeDefinition, type AttributeState } from '../attributes/store.js';
import { UsageError } from './args.js';

export type AttrsAction = 'list' | 'range' | 'type' | 'get' | 'set' | 'reset' | 'sync';

export interface AttrsArgs {
  action: AttrsAction;
  name?: string;
  value?: string;
  stateDir: string;
}

const ARITY: Record<AttrsAction, number> = { list: 0, range: 1, type: 1, get: 1, set: 2, reset: 1, sync: 0 };

/** `attrs list | range NAME | type NAME | get NAME | set NAME VALUE | reset NAME | sync --state-dir DIR`. */
export function parseAttrsArgs(argv: string[]): AttrsArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { 'state-dir': { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const [action, name, value, ...extra] = parsed.positionals;
  if (action === undefined) throw new UsageError('attrs: say list, range, type, get, set, reset or sync');
  if (!Object.hasOwn(ARITY, action)) throw new UsageError(`attrs: unknown action "${action}" (list, range, type, get, set, reset, sync)`);
  const want = ARITY[action as AttrsAction];
  const given = parsed.positionals.length - 1;
  if (given !== want || extra.length) throw new UsageError(`attrs ${action}: expected ${want} argument(s), got ${given}`);
  const stateDir = parsed.values['state-dir'];
  if (!stateDir) throw new UsageError('--state-dir is required');
  const args: AttrsArgs = { action: action as AttrsAction, stateDir };
  if (name !== undefined) args.name = name;
  if (value !== undefined) args.value = value;
  return args;
}

export interface AttrsCommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Thrown inside the locked change to refuse it (nothing is written). */
class Refused extends Error {}

function find(state: AttributeState, name: string): AttributeDefinition {
  const def = state.definitions.find((d) => d.identifier === name);
  if (def) return def;
  const hint = state.definitions.length ? '' : ' (this device has not received attribute definitions from the server yet)';
  throw new Refused(`there is no device attribute "${name}"${hint}`);
}

function checkMaySet(def: AttributeDefinition): void {
  if (!deviceMaySet(def)) {
    throw new Refused(`the overwrite rule of "${def.identifier}" (${def.overwrite}) does not permit the device to change its value`);
  }
}

/**
 * `openums-agent attrs …` (the reference's rmagent-devattrs-* commands) on the agent's state
 * directory. `set` and `reset` change the value on the device where the overwrite rule lets the
 * device set it (device, all) — the type is not checked here, the server does; `sync` asks the
 * running agent to send the attributes to the server if any was changed on the device.
 * Resolves to the exit code.
 */
export async function runAttrsCommand(args: AttrsArgs, io: AttrsCommandIo): Promise<number> {
  try {
    return await run(args, io);
  } catch (err) {
    if (err instanceof Refused) {
      io.err(`openums-agent: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

async function run(args: AttrsArgs, io: AttrsCommandIo): Promise<number> {
  const name = args.name ?? '';
  switch (args.action) {
    case 'list': {
      const state = loadAttributes(args.stateDir);
      for (const d of state.definitions) io.out(`${d.identifier}:${d.type}:${state.values[d.identifier] ?? ''}\n`);
      return 0;
    }
    case 'range': {
      const def = find(loadAttributes(args.stateDir), name);
      if (def.type !== 'range') throw new Refused(`"${name}" is not a range attribute (its type is ${def.type})`);
      for (const v of def.range ?? []) io.out(`${v}\n`);
      return 0;
    }
    case 'type':
      io.out(`${find(loadAttributes(args.stateDir), name).type}\n`);
      return 0;
    case 'get': {
      const state = loadAttributes(args.stateDir);
      find(state, name);
      io.out(`${state.values[name] ?? ''}\n`);
      return 0;
    }
    case 'set': {
      const value = args.value ?? '';
      if (value.length > DEVICE_ATTRIBUTE_VALUE_MAX)
        throw new Refused(`the value of "${name}" is longer than ${DEVICE_ATTRIBUTE_VALUE_MAX} characters and would not reach the server`);
      if (value === '') throw new Refused(`an empty value: use "attrs reset ${name}"`);
      await changeAttributes(args.stateDir, (s) => {
        checkMaySet(find(s, name));
        s.values[name] = value;
        s.changed[name] = value;
      });
      return 0;
    }
    case 'reset':
      await changeAttributes(args.stateDir, (s) => {
        checkMaySet(find(s, name));
        delete s.values[name];
        s.changed[name] = null;
      });
      return 0;
    case 'sync': {
      const changed = await changeAttributes(args.stateDir, (s) => {
        const n = Object.keys(s.changed).length;
        if (n) s.sync = true;
        return n;
      });
      io.out(
        changed
          ? `${changed} attribute change(s) on this device; the running agent sends the attributes to the server\n`
          : 'no attribute was changed on this device; nothing to send\n',
      );
      return 0;
    }
  }
}

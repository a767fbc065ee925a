import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changeAttributes, loadAttributes, receiveAttributes, syncReport } from '../attributes/store.js';
import { UsageError } from './args.js';
import { parseAttrsArgs, runAttrsCommand } from './attrs-command.js';

const DEFINITIONS = [
  { identifier: 'department', name: 'Department', type: 'string', overwrite: 'server' },
  { identifier: 'desk', name: 'Desk', type: 'number', overwrite: 'device' },
  { identifier: 'location', name: 'Location', type: 'range', range: ['Augsburg', 'Karlsruhe'], overwrite: 'all' },
];

function setup() {
  const stateDir = mkdtempSync(join(tmpdir(), 'attrs-cli-'));
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAttrsCommand(parseAttrsArgs([...argv, '--state-dir', stateDir]), {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    });
    return { code, out: out.join(''), err: err.join('') };
  };
  return { stateDir, run };
}

describe('attrs command line', () => {
  it('parses the actions and refuses mistakes with a usage error', () => {
    expect(parseAttrsArgs(['set', 'desk', '12', '--state-dir', '/s'])).toEqual({
      action: 'set',
      name: 'desk',
      value: '12',
      stateDir: '/s',
    });
    expect(parseAttrsArgs(['list', '--state-dir', '/s'])).toEqual({ action: 'list', stateDir: '/s' });
    expect(() => parseAttrsArgs(['--state-dir', '/s'])).toThrow(UsageError);
    expect(() => parseAttrsArgs(['rename', 'x', '--state-dir', '/s'])).toThrow(/unknown action/);
    expect(() => parseAttrsArgs(['set', 'desk', '--state-dir', '/s'])).toThrow(/expected 2 argument/);
    expect(() => parseAttrsArgs(['get', 'desk'])).toThrow(/--state-dir/);
  });

  it('follows the overwrite rule, keeps local changes over what the server sends until they are synced', async () => {
    const { stateDir, run } = setup();
    expect((await run('list')).out).toBe('');
    await changeAttributes(stateDir, (s) =>
      receiveAttributes(s, { t: 'attributes', definitions: DEFINITIONS, values: { department: 'Finance', location: 'Augsburg' } }),
    );
    expect((await run('list')).out).toBe('department:string:Finance\ndesk:number:\nlocation:range:Augsburg\n');
    expect((await run('range', 'desk')).code).toBe(1);
    const refused = await run('set', 'department', 'Sales');
    expect(refused).toMatchObject({ code: 1, err: expect.stringMatching(/overwrite rule of "department" \(server\)/) });
    expect((await run('set', 'desk', 'x'.repeat(101))).err).toMatch(/longer than 100/);
    expect((await run('sync')).out).toMatch(/nothing to send/);
    expect(syncReport(loadAttributes(stateDir))).toBeNull();

    expect((await run('set', 'desk', '7')).code).toBe(0);
    expect((await run('reset', 'location')).code).toBe(0);
    // What the server sends meanwhile does not undo changes not yet sent.
    await changeAttributes(stateDir, (s) =>
      receiveAttributes(s, { t: 'attributes', definitions: DEFINITIONS, values: { department: 'HR', location: 'Karlsruhe' } }),
    );
    expect((await run('list')).out).toBe('department:string:HR\ndesk:number:7\nlocation:range:\n');
    expect(syncReport(loadAttributes(stateDir))).toBeNull();
    expect((await run('sync')).out).toMatch(/2 attribute change/);
    // The complete set the device may set.
    expect(syncReport(loadAttributes(stateDir))).toEqual({ t: 'attributes-report', values: { desk: '7', location: null } });
  });
});

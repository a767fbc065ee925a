import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SERVER_HEAP_FLAGS } from '../../src/lib/heap-flags.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { freePort } from '../helpers/net.js';
import { ServerProcess } from '../helpers/server-process.js';

// A single server (no --workers) gets the server's V8 heap sizes from node's command line: V8 reads
// them only at start. Run as a program, bin/openums.js's `#!` line gives them; started as
// `node bin/openums.js` without them, the server runs with Node's defaults and says which flags
// are missing. (The workers of --workers get them from the supervisor: cluster tests.)

const HINT = "running with Node's default heap sizes";

describe('server heap flags', () => {
  let testDb: TestDb;
  let server: ServerProcess | undefined;

  afterEach(async () => {
    await server?.kill();
    server = undefined;
    await testDb?.drop();
  });

  it('bin/openums.js run as a program starts node with the heap sizes, and says nothing about them', async () => {
    testDb = await createTestDb('sqlite');
    server = new ServerProcess(testDb, await freePort());
    await server.start({}, [], { captureLogs: 'info', asProgram: true });
    const cmdline = readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).toEqual(expect.arrayContaining([...SERVER_HEAP_FLAGS]));
    expect(cmdline.findIndex((a) => a.endsWith('bin/openums.js'))).toBeGreaterThan(cmdline.indexOf(SERVER_HEAP_FLAGS[1]!));
    // The hint would follow the start within milliseconds; the server logs at info meanwhile.
    await new Promise((r) => setTimeout(r, 1000));
    expect(server.logs).toContain('"level":30');
    expect(server.logs).not.toContain(HINT);
    // A single server paces its batched reads of connecting devices as one process (lib/lookup-pace.ts).
    expect(server.logs).toContain('"lookupPaceMs":200');
  }, 60_000);

  it('`node bin/openums.js server` without them runs with Node’s defaults and names the missing flags', async () => {
    testDb = await createTestDb('sqlite');
    server = new ServerProcess(testDb, await freePort());
    await server.start({ NODE_OPTIONS: '' }, [], { captureLogs: 'info' });
    const hint = () => server!.logs.split('\n').find((l) => l.includes(HINT));
    for (let i = 0; i < 100 && !hint(); i++) await new Promise((r) => setTimeout(r, 50));
    const line = hint();
    expect(line).toBeDefined();
    expect(JSON.parse(line!).missing).toEqual([...SERVER_HEAP_FLAGS]);
  }, 60_000);
});

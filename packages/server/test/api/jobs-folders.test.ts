import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { ErrorCode } from '@openums/protocol';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createTestDb, DIALECTS } from '../helpers/db.js';

/**
 * Nested job folders (docs/jobs.md#folders) on both databases: a tree by parentId, names unique
 * among siblings, no cycles, deleting keeps the jobs (moved to the parent) and refuses a folder
 * with sub-folders; the job list filters by folder, paged. And the migration that nests them.
 */
describe.each(DIALECTS)('job folders (%s)', (dialect) => {
  let t: TestApp;
  let deviceId = 0;
  const ok = async (p: Promise<{ status: number; body: any }>, status = 201) => {
    const r = await p;
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    return r.body;
  };
  const folder = (name: string, parentId?: number | null) =>
    ok(t.api('POST', '/api/v1/job-folders', { name, ...(parentId !== undefined ? { parentId } : {}) }));
  const job = (name: string, folderId: number | null) =>
    ok(
      t.api('POST', '/api/v1/jobs', {
        name,
        command: 'reboot',
        targets: [{ type: 'device', id: deviceId }],
        schedule: { startAt: new Date(t.clock.now() + 3_600_000).toISOString() },
        folderId,
      }),
    );
  const folders = async () =>
    (await t.api('GET', '/api/v1/job-folders')).body.items as Array<{ id: number; name: string; parentId: number | null }>;
  const jobsIn = async (folderId: number) =>
    ((await t.api('GET', `/api/v1/jobs?folderId=${folderId}`)).body.items as Array<{ name: string }>).map((j) => j.name).sort();

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    deviceId = (await t.api('POST', '/api/v1/devices', { mac: '02AABB000011' })).body.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('nests folders; a name is unique among its siblings only', async () => {
    const ops = await folder('Ops');
    const nightly = await folder('Nightly', ops.id);
    const deep = await folder('Deep', nightly.id);
    expect(ops).toMatchObject({ name: 'Ops', parentId: null });
    expect(deep).toMatchObject({ name: 'Deep', parentId: nightly.id });
    // The same name under another parent is fine; beside a sibling of that name it is not.
    await folder('Nightly');
    const twin = await t.api('POST', '/api/v1/job-folders', { name: 'Nightly', parentId: ops.id });
    expect(twin.status).toBe(400);
    expect(twin.body.error).toMatchObject({ code: ErrorCode.ValidationFailed, details: { field: 'body.name' } });
    const top = await t.api('POST', '/api/v1/job-folders', { name: 'Ops' });
    expect(top.status).toBe(400);
    const orphan = await t.api('POST', '/api/v1/job-folders', { name: 'x', parentId: 987654 });
    expect(orphan.status).toBe(404);
    expect(orphan.body.error).toMatchObject({ code: ErrorCode.JobFolderNotFound, details: { field: 'body.parentId' } });
    const list = await folders();
    expect(list.find((f) => f.id === deep.id)).toMatchObject({ parentId: nightly.id });
    expect(list.filter((f) => f.name === 'Nightly')).toHaveLength(2);
    // Paged by id.
    const first = (await t.api('GET', '/api/v1/job-folders?limit=2')).body;
    expect(first.items).toHaveLength(2);
    const rest = (await t.api('GET', `/api/v1/job-folders?limit=1000&cursor=${first.nextCursor}`)).body;
    expect([...first.items, ...rest.items].map((f: { id: number }) => f.id)).toEqual(list.map((f) => f.id));
  });

  it('renames and moves a folder, never under itself or one of its sub-folders', async () => {
    const a = await folder('A');
    const b = await folder('B', a.id);
    const c = await folder('C', b.id);
    for (const [id, parentId] of [
      [a.id, c.id],
      [a.id, b.id],
      [b.id, b.id],
    ]) {
      const r = await t.api('PATCH', `/api/v1/job-folders/${id}`, { parentId });
      expect(r.status, JSON.stringify(r.body)).toBe(409);
      expect(r.body.error).toMatchObject({ code: ErrorCode.FolderCycle, details: { field: 'body.parentId' } });
    }
    expect((await t.api('PATCH', `/api/v1/job-folders/${a.id}`, {})).status).toBe(400);
    expect((await t.api('PATCH', `/api/v1/job-folders/987654`, { name: 'x' })).status).toBe(404);
    const missingParent = await t.api('PATCH', `/api/v1/job-folders/${c.id}`, { parentId: 987654 });
    expect(missingParent.body.error.details.field).toBe('body.parentId');
    // C to the top level, renamed; then B under C (no cycle any more).
    expect(await ok(t.api('PATCH', `/api/v1/job-folders/${c.id}`, { parentId: null, name: 'C2' }), 200)).toMatchObject({
      id: c.id,
      name: 'C2',
      parentId: null,
    });
    expect(await ok(t.api('PATCH', `/api/v1/job-folders/${b.id}`, { parentId: c.id }), 200)).toMatchObject({ parentId: c.id });
    // A sibling's name is refused on a rename and on a move alike.
    await folder('B', a.id);
    expect((await t.api('PATCH', `/api/v1/job-folders/${b.id}`, { parentId: a.id })).status).toBe(400);
    expect((await t.api('PATCH', `/api/v1/job-folders/${a.id}`, { name: 'Ops' })).body.error.details.field).toBe('body.name');
    expect((await folders()).find((f) => f.id === b.id)).toMatchObject({ name: 'B', parentId: c.id });
  });

  it('files jobs in folders: the list filters by folder, paged; deleting a folder keeps its jobs', async () => {
    const top = await folder('Top');
    const mid = await folder('Mid', top.id);
    const leaf = await folder('Leaf', mid.id);
    const j1 = await job('in leaf', leaf.id);
    await job('in leaf too', leaf.id);
    await job('in mid', mid.id);
    await job('nowhere', null);
    expect(j1.folderId).toBe(leaf.id);
    expect(await jobsIn(leaf.id)).toEqual(['in leaf', 'in leaf too']);
    expect(await jobsIn(mid.id)).toEqual(['in mid']);
    const page = (await t.api('GET', `/api/v1/jobs?folderId=${leaf.id}&limit=1`)).body;
    expect(page.items).toHaveLength(1);
    const next = (await t.api('GET', `/api/v1/jobs?folderId=${leaf.id}&limit=1&cursor=${page.nextCursor}`)).body;
    expect(next.items.map((j: { name: string }) => j.name)).toEqual(['in leaf too']);
    expect(next.nextCursor).toBeNull();
    // With a sub-folder: refused, nothing changes.
    const refused = await t.api('DELETE', `/api/v1/job-folders/${mid.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe(ErrorCode.FolderNotEmpty);
    // The leaf goes: its jobs move up to Mid; then Mid (now without sub-folders): up to Top; Top: to no folder.
    expect((await t.api('DELETE', `/api/v1/job-folders/${leaf.id}`)).status).toBe(204);
    expect(await jobsIn(mid.id)).toEqual(['in leaf', 'in leaf too', 'in mid']);
    expect((await t.api('DELETE', `/api/v1/job-folders/${mid.id}`)).status).toBe(204);
    expect(await jobsIn(top.id)).toEqual(['in leaf', 'in leaf too', 'in mid']);
    expect((await t.api('DELETE', `/api/v1/job-folders/${top.id}`)).status).toBe(204);
    expect((await t.api('GET', `/api/v1/jobs/${j1.id}`)).body.folderId).toBeNull();
    expect((await t.api('DELETE', `/api/v1/job-folders/${top.id}`)).status).toBe(404);
    // Changes of the tree are audited.
    const audit = (await t.api('GET', '/api/v1/audit-log?limit=1000')).body.items as Array<{ action: string }>;
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['job-folder.create', 'job-folder.update', 'job-folder.delete']));
  });
});

describe.each(DIALECTS)('migration 20261213T1000-job-host-folders (%s)', (dialect) => {
  it('keeps folders and the jobs filed in them; names become unique per parent', async () => {
    const testDb = await createTestDb(dialect);
    const handle = testDb.open();
    try {
      await handle.migrate('20261211T1800-admin-tasks');
      const db = handle.db as unknown as Kysely<any>;
      const f = await db.insertInto('job_folders').values({ name: 'Ops', created_at: 1 }).returning('id').executeTakeFirstOrThrow();
      await db
        .insertInto('jobs')
        .values({
          folder_id: f.id,
          name: 'old job',
          command: 'reboot',
          targets_json: '[]',
          start_at: 1,
          enabled: 1,
          options_json: '{}',
          created_at: 1,
          updated_at: 1,
        })
        .execute();
      await handle.migrate();
      const folderRow = await db.selectFrom('job_folders').selectAll().executeTakeFirstOrThrow();
      expect({ ...folderRow, id: Number(folderRow.id), parent_id: folderRow.parent_id }).toMatchObject({
        id: Number(f.id),
        name: 'Ops',
        parent_id: null,
      });
      const jobRow = await db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
      expect(Number(jobRow.folder_id)).toBe(Number(f.id));
      expect(jobRow.host).toBeNull();
      const sub = await db
        .insertInto('job_folders')
        .values({ name: 'Ops', parent_id: f.id, created_at: 2 })
        .returning('id')
        .executeTakeFirstOrThrow();
      expect(Number(sub.id)).toBeGreaterThan(Number(f.id));
      await expect(db.insertInto('job_folders').values({ name: 'Ops', created_at: 3 }).execute()).rejects.toThrow();
      await expect(db.insertInto('job_folders').values({ name: 'Ops', parent_id: f.id, created_at: 3 }).execute()).rejects.toThrow();
      // The jobs' reference survived the rebuild: deleting the folder empties folder_id (on delete set null).
      await db.deleteFrom('job_folders').where('id', '=', sub.id).execute();
      await db.deleteFrom('job_folders').where('id', '=', f.id).execute();
      expect((await db.selectFrom('jobs').select('folder_id').executeTakeFirstOrThrow()).folder_id).toBeNull();
      await db
        .insertInto('job_runs')
        .values({
          job_id: jobRow.id,
          trigger: 'manual',
          state: 'finished',
          command: 'reboot',
          options_json: '{}',
          planned_at: 1,
          started_at: 1,
          expires_at: 2,
          resolved: 1,
          host: 'h',
          server: 's',
        })
        .execute();
    } finally {
      await handle.close();
      await testDb.drop();
    }
  });
});

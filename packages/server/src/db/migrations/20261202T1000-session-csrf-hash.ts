import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// Sessions keep only a SHA-256 of their CSRF token (hex, 64 characters), like the session
// token itself. Open sessions survive the upgrade: their plain tokens are hashed here, in
// JavaScript because SQLite has no SHA-256 function; the sessions table holds only the
// administrators' sessions of the last hours, so one update per row is cheap.
export async function up(db: Kysely<any>, _ctx: MigrationContext): Promise<void> {
  await db.schema.alterTable('sessions').renameColumn('csrf_token', 'csrf_token_hash').execute();
  const rows = (await db.selectFrom('sessions').select(['id', 'csrf_token_hash']).execute()) as Array<{
    id: number;
    csrf_token_hash: string;
  }>;
  for (const r of rows) {
    const hash = createHash('sha256').update(r.csrf_token_hash).digest('hex');
    await db.updateTable('sessions').set({ csrf_token_hash: hash }).where('id', '=', r.id).execute();
  }
}

import { sql } from 'kysely';
import type { Logger } from '../lib/logger.js';
import type { Db } from './database.js';
import type { DialectName } from './dialect.js';

/** PostgreSQL's own trigger for autovacuum: 50 rows + 20 % of the table dead. */
const BASE_THRESHOLD = 50;
const SCALE_FACTOR = 0.2;

export interface UpkeepResult {
  /** Whether PostgreSQL's autovacuum is on for the database (tables may still opt out). */
  autovacuum: boolean;
  vacuumed: string[];
}

/**
 * Vacuums the tables that need it where PostgreSQL's autovacuum does not: when it is off, or
 * off for a table.
 *
 * Every presence and heartbeat write is an UPDATE of a `device_presence` row whose indexed
 * columns change (last contact, online, server), so PostgreSQL keeps the old version in the table
 * and in its indexes until a vacuum. Without one, a fleet of 20,000 left 310,000 dead rows after
 * ten minutes (123 MB, when these columns were still in `devices`), and every later scan and
 * update walks them: on a
 * database whose administrator turned autovacuum off (seen on a test machine) the server slows
 * with time and fleet size. Then this singleton task (one process per cluster) does what
 * autovacuum would, with its threshold, for this database's tables. SQLite reuses freed pages
 * itself: nothing to do there.
 */
export class TableUpkeep {
  private warned = false;

  constructor(
    private readonly db: Db,
    private readonly dialect: DialectName,
    private readonly log: Logger | null,
  ) {}

  run = async (): Promise<UpkeepResult> => {
    if (this.dialect !== 'postgres') return { autovacuum: true, vacuumed: [] };
    const setting = await sql<{ on: string }>`select current_setting('autovacuum') as on`.execute(this.db);
    const autovacuum = setting.rows[0]?.on === 'on';
    if (!autovacuum && !this.warned) {
      this.warned = true;
      this.log?.warn('PostgreSQL autovacuum is off: the server vacuums its own tables when they need it (docs/cluster.md)');
    }
    // Tables autovacuum leaves alone: all when it is off, or those an administrator excluded.
    const due = await sql<{ relname: string }>`
      select s.relname from pg_stat_user_tables s join pg_class c on c.oid = s.relid
      where s.schemaname = current_schema()
        and (${!autovacuum} or coalesce(c.reloptions, '{}') && array['autovacuum_enabled=false', 'autovacuum_enabled=off'])
        and s.n_dead_tup > ${sql.lit(BASE_THRESHOLD)} + ${sql.lit(SCALE_FACTOR)} * s.n_live_tup
      order by s.n_dead_tup desc`.execute(this.db);
    const vacuumed: string[] = [];
    for (const { relname } of due.rows) {
      // VACUUM runs outside a transaction, one table at a time; readers and writers go on.
      await sql`vacuum (analyze) ${sql.table(relname)}`.execute(this.db);
      vacuumed.push(relname);
    }
    if (vacuumed.length) this.log?.info({ tables: vacuumed }, 'tables vacuumed (autovacuum does not run for them)');
    return { autovacuum, vacuumed };
  };
}

import { sql, type RawBuilder } from 'kysely';
import {
  DEFAULT_PAGE_LIMIT,
  ErrorCode,
  checkViewCriteria,
  type DeviceSort,
  type EvaluateViewRequest,
  type EvaluateViewResponse,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import { isStatementTimeout, withStatementTimeout, type DialectName } from '../../db/dialect.js';
import type { Clock } from '../../lib/clock.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import { AppError } from '../../lib/errors.js';
import { DevicesRepository, type SortColumn } from '../devices/devices.repository.js';
import { toDevice } from '../devices/devices.service.js';
import { criteriaSql } from './criteria-sql.js';
import { ViewsRepository } from './views.repository.js';

const SORT_COLUMNS: Record<string, SortColumn> = { name: 'name_lc', id: 'id', lastContact: 'last_contact', mac: 'mac' };

/** Count and first page together stay under this (PostgreSQL statement_timeout; SQLite regexp deadline). */
export const VIEW_EVALUATION_TIMEOUT_MS = 10_000;

export class ViewsService {
  constructor(
    private readonly db: Db,
    private readonly dialect: DialectName,
    private readonly clock: Clock,
    private readonly timeoutMs = VIEW_EVALUATION_TIMEOUT_MS,
  ) {}

  /**
   * Unsaved criteria: how many devices match and a page of them, of those `visible` (the
   * administrator may browse; null = all). Evaluated in the database, bounded in time.
   */
  async evaluateView(q: EvaluateViewRequest, visible: RawBuilder<boolean> | null): Promise<EvaluateViewResponse> {
    const problem = checkViewCriteria(q.criteria, 'body.criteria');
    if (problem) throw new AppError(ErrorCode.ViewCriteriaInvalid, problem.message, { field: problem.field, issues: [problem] });
    const condition = criteriaSql(q.criteria, { dialect: this.dialect, now: this.clock.now() });
    const where = visible ? sql<boolean>`(${visible} and ${condition})` : condition;

    const sort: DeviceSort = q.sort ?? 'name';
    const descending = sort.startsWith('-');
    const column = SORT_COLUMNS[descending ? sort.slice(1) : sort]!;
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const keyType = column === 'name_lc' || column === 'mac' ? 'string' : 'number';
    const after = q.cursor ? (decodeCursor(q.cursor, `views:${sort}`, [keyType, 'number']) as [string | number, number]) : null;
    try {
      return await withStatementTimeout(this.db, this.dialect, this.timeoutMs, async (db) => {
        const devices = new DevicesRepository(db);
        const count = await new ViewsRepository(db).countMatchingDevices(where);
        const rows = await devices.listDevices({
          folderId: undefined,
          recursive: false,
          prefix: null,
          sort: column,
          descending,
          after,
          limit: limit + 1,
          visible: where,
        });
        const { page, nextCursor } = toPage(rows, limit, `views:${sort}`, (r) => [column === 'name_lc' ? r.name_lc : r[column], r.id]);
        const held = [...new Set(page.flatMap((r) => (r.online === 1 && r.connected_server ? [r.connected_server] : [])))];
        const servers = await devices.findServerNames(held);
        return { count, items: page.map((r) => toDevice(r, servers)), nextCursor };
      });
    } catch (err) {
      if (isStatementTimeout(err)) {
        throw new AppError(
          ErrorCode.ViewTimeout,
          `The criteria took longer than ${this.timeoutMs / 1000} s to evaluate; narrow them (fewer regular expressions, an indexed field first)`,
        );
      }
      throw err;
    }
  }
}

import { sql, type RawBuilder } from 'kysely';
import {
  DEFAULT_PAGE_LIMIT,
  ErrorCode,
  checkViewCriteria,
  type DeviceSort,
  type EvaluateViewRequest,
  type EvaluateViewResponse,
  type ListDevicesQuery,
  type ViewAttributeDefs,
  type ViewCriteria,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import { isStatementTimeout, withStatementTimeout, type DialectName } from '../../db/dialect.js';
import type { Clock } from '../../lib/clock.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import { AppError } from '../../lib/errors.js';
import { DevicesRepository, type SortColumn } from '../devices/devices.repository.js';
import { toDevice } from '../devices/devices.service.js';
import { subtreeCondition } from '../device-folders/device-folders.repository.js';
import { criteriaCondition } from './criteria-condition.js';
import { loadViewAttributes } from './view-attributes.js';
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
    const attributes = await loadViewAttributes(this.db, q.criteria);
    const problem = checkViewCriteria(q.criteria, 'body.criteria', attributes);
    if (problem) throw new AppError(ErrorCode.ViewCriteriaInvalid, problem.message, { field: problem.field, issues: [problem] });
    return this.evaluate(q.criteria, q, visible, attributes);
  }

  /**
   * Checked criteria (a saved view's) with the device list's query: `folderId`, `recursive`
   * and `q` narrow the count and the page as they narrow `GET /devices`.
   */
  async evaluate(
    criteria: ViewCriteria,
    q: Pick<ListDevicesQuery, 'sort' | 'limit' | 'cursor' | 'folderId' | 'recursive' | 'q'>,
    visible: RawBuilder<boolean> | null,
    /** The attribute definitions the criteria name, when the caller has read them already. */
    attributes?: ViewAttributeDefs,
  ): Promise<EvaluateViewResponse> {
    const conditions = [await criteriaCondition(this.db, criteria, { dialect: this.dialect, now: this.clock.now() }, attributes)];
    if (visible) conditions.unshift(visible);
    if (q.folderId !== undefined) {
      const fid = q.folderId === 'root' ? null : q.folderId;
      if (fid === null) {
        if (!q.recursive) conditions.push(sql<boolean>`folder_id is null`);
      } else conditions.push(q.recursive ? await subtreeCondition(this.db, 'folder_id', fid) : sql<boolean>`folder_id = ${fid}`);
    }
    const text = q.q?.trim().toLowerCase();
    if (text) conditions.push(prefixCondition(text));
    const where = conditions.length === 1 ? conditions[0]! : sql<boolean>`(${sql.join(conditions, sql` and `)})`;

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

/** The device list's `q`: a prefix of name, serial number, last IP, MAC or unit id (case-insensitive). */
function prefixCondition(text: string): RawBuilder<boolean> {
  const macish = text.replace(/[:-]/g, '').toUpperCase();
  const starts = (col: string, v: string) => sql<boolean>`substr(${sql.ref(col)}, 1, ${v.length}) = ${v}`;
  const alternatives = [starts('name_lc', text), starts('serial_lc', text)];
  if (/^[0-9a-f.:]+$/.test(text)) alternatives.push(starts('last_ip', text));
  if (/^[0-9A-F]+$/.test(macish)) alternatives.push(starts('mac', macish), starts('unit_id', macish));
  return sql<boolean>`(${sql.join(alternatives, sql` or `)})`;
}

import { sql, type RawBuilder } from 'kysely';
import { ErrorCode, type Device, type ViewCriteria } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import { isStatementTimeout, withStatementTimeout, type DialectName } from '../../db/dialect.js';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import { DevicesRepository } from '../devices/devices.repository.js';
import { toDevice } from '../devices/devices.service.js';
import { criteriaCondition } from './criteria-condition.js';
import { ViewActionsRepository } from './view-actions.repository.js';
import { VIEW_EVALUATION_TIMEOUT_MS } from './views.service.js';

/** Devices read per query when a view's devices are walked (export, actions). */
export const VIEW_PAGE_SIZE = 1000;

/**
 * A saved view's devices walked in keyset pages, evaluated in the database page by page (never
 * all devices in memory); each page bounded in time like an evaluation. `visible` is the
 * administrator's browse condition (null = all).
 */
export class ViewDevices {
  constructor(
    private readonly db: Db,
    private readonly dialect: DialectName,
    private readonly clock: Clock,
    private readonly pageSize = VIEW_PAGE_SIZE,
    private readonly timeoutMs = VIEW_EVALUATION_TIMEOUT_MS,
  ) {}

  /** Attribute definitions are read once per walk (only when the criteria name one). */
  private async where(criteria: ViewCriteria, visible: RawBuilder<boolean> | null): Promise<RawBuilder<boolean>> {
    const c = await criteriaCondition(this.db, criteria, { dialect: this.dialect, now: this.clock.now() });
    return visible ? sql<boolean>`(${visible} and ${c})` : c;
  }

  private async bounded<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    try {
      return await withStatementTimeout(this.db, this.dialect, this.timeoutMs, fn);
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

  /** Full devices by name (then id), a page at a time. */
  async *devicePages(criteria: ViewCriteria, visible: RawBuilder<boolean> | null): AsyncGenerator<Device[]> {
    const where = await this.where(criteria, visible);
    let after: [string, number] | null = null;
    for (;;) {
      const page = await this.bounded(async (db) => {
        const devices = new DevicesRepository(db);
        const rows = await devices.listDevices({
          folderId: undefined,
          recursive: false,
          prefix: null,
          sort: 'name_lc',
          descending: false,
          after,
          limit: this.pageSize,
          visible: where,
        });
        const held = [...new Set(rows.flatMap((r) => (r.online === 1 && r.connected_server ? [r.connected_server] : [])))];
        const servers = await devices.findServerNames(held);
        const last = rows.at(-1);
        return { devices: rows.map((r) => toDevice(r, servers)), last: last ? ([last.name_lc, last.id] as [string, number]) : null };
      });
      // Moved on only after the transaction: were it run again, it would read the same page.
      if (page.last) after = page.last;
      if (page.devices.length) yield page.devices;
      if (page.devices.length < this.pageSize) return;
    }
  }

  /** How many devices match, counted up to `max + 1` (enough to refuse "more than max"). */
  async countUpTo(criteria: ViewCriteria, visible: RawBuilder<boolean> | null, max: number): Promise<number> {
    const where = await this.where(criteria, visible);
    return this.bounded((db) => new ViewActionsRepository(db).countMatchingDevicesUpTo(where, max));
  }

  /** Ids and versions of the matching devices by id, a page at a time. */
  async *idPages(
    criteria: ViewCriteria,
    visible: RawBuilder<boolean> | null,
  ): AsyncGenerator<Array<{ id: number; version: string | null }>> {
    const where = await this.where(criteria, visible);
    let afterId = 0;
    for (;;) {
      const page = await this.bounded((db) => new ViewActionsRepository(db).listMatchingDevices(where, afterId, this.pageSize));
      if (page.length) {
        afterId = page.at(-1)!.id;
        yield page;
      }
      if (page.length < this.pageSize) return;
    }
  }
}

import type { RawBuilder } from 'kysely';
import {
  DEFAULT_PAGE_LIMIT,
  ErrorCode,
  type CreateDeviceRequest,
  type ConnectedServer,
  type Device,
  type DevicePage,
  type DeviceSummary,
  type DeviceSort,
  type ListDevicesQuery,
  type DeviceListSelection,
  type UpdateDeviceRequest,
  type SystemInfo,
} from '@openums/protocol';
import { AppError, notFound } from '../../lib/errors.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import { toIso, type Clock } from '../../lib/clock.js';
import { isStatementTimeout, isUniqueViolation, withStatementTimeout, type DialectName } from '../../db/dialect.js';
import type { Db } from '../../db/database.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { DeviceFoldersService } from '../device-folders/device-folders.service.js';
import type { ConfigurationChanges } from '../configuration-delivery/configuration-changes.js';
import type { RecordAnswer } from '../idempotency/idempotency.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import { changedFields, type AuditLog } from '../audit/audit-log.js';
import { defaultDeviceName } from '../naming/naming-rules.js';
import type { NamingService } from '../naming/naming.service.js';
import {
  newDeviceRow,
  type DeviceFilter,
  type DevicePatch,
  type DeviceRow,
  type DevicesRepository,
  type SortColumn,
} from './devices.repository.js';
import { lockPresenceRows } from './device-rows.js';
import { transaction } from '../../db/transaction.js';

const SORT_COLUMNS: Record<string, SortColumn> = { name: 'name_lc', id: 'id', lastContact: 'last_contact', mac: 'mac' };

/** A substring search over every device of its query answers within this or not at all. */
export const CONTAINS_TIMEOUT_MS = 5_000;

/** The filters of a list query (GET /devices or a bulk action's `query`) as the repository takes them. */
export function deviceFilter(q: DeviceListSelection, visible: RawBuilder<boolean> | null): DeviceFilter {
  const folderId = q.folderId === undefined ? undefined : q.folderId === 'root' ? null : q.folderId;
  const text = q.q?.trim().toLowerCase();
  const macish = text ? text.replace(/[:-]/g, '').toUpperCase() : '';
  return {
    folderId,
    recursive: q.recursive ?? false,
    prefix: text
      ? { text, mac: /^[0-9A-F]+$/.test(macish) ? macish : null, ip: /^[0-9a-f.:]+$/.test(text), contains: q.match === 'contains' }
      : null,
    visible,
  };
}

/** MACs are stored as 12 upper-case hex digits without separators. */
export const normalizeMac = (mac: string) => mac.replace(/[:-]/g, '').toUpperCase();

export class DevicesService {
  constructor(
    private readonly repo: DevicesRepository,
    private readonly folders: DeviceFoldersService,
    private readonly clock: Clock,
    private readonly events: EventBus,
    /** A device that changes folder inherits other profiles: moves go through it. */
    private readonly configuration: ConfigurationChanges,
    /** Creations, edits, moves and deletions are recorded in their own transaction. */
    private readonly audit: AuditLog,
    /** For the statement timeout of substring searches (none without it). */
    private readonly dialect: DialectName | null = null,
  ) {}

  /** Names new devices and checks renames (set by the naming module; null: `ITC<MAC>`, no checks). */
  naming: Pick<NamingService, 'nameNewDevice' | 'checkName' | 'renamed'> | null = null;

  async getSystemInfo(id: number) {
    const r = await this.repo.findSystemInfo(id);
    if (!r) throw notFound(ErrorCode.DeviceNotFound, 'Device', id);
    return { system: r.sysinfo ? (JSON.parse(r.sysinfo) as SystemInfo) : null, reportedAt: toIso(r.sysinfo_at) };
  }

  /** A page of devices; `visible` keeps those the administrator may browse (ADR 0006). */
  async listDevices(q: ListDevicesQuery, visible: RawBuilder<boolean> | null = null): Promise<DevicePage> {
    const sort: DeviceSort = q.sort ?? 'name';
    const descending = sort.startsWith('-');
    const column = SORT_COLUMNS[descending ? sort.slice(1) : sort]!;
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const keyType = column === 'name_lc' || column === 'mac' ? 'string' : 'number';
    const after = q.cursor ? (decodeCursor(q.cursor, `devices:${sort}`, [keyType, 'number']) as [string | number, number]) : null;
    const filter = deviceFilter(q, visible);
    const read = async (db: Db) => {
      const resolved = await this.repo.resolveSubtree(filter, db);
      const rows = await this.repo.listDevices({ ...resolved, sort: column, descending, after, limit: limit + 1 }, db);
      const count = q.count ? await this.repo.countMatching(resolved, db) : undefined;
      return { rows, count };
    };
    // A substring search reads every device of the query: bounded in time (PostgreSQL's statement_timeout).
    const { rows, count } = await this.bounded(filter, read);
    // An unknown folder is only worth a lookup when nothing came back (saves a query per page).
    if (rows.length === 0 && typeof filter.folderId === 'number') await this.folders.requireFolder(filter.folderId, 'folderId');
    const { page, nextCursor } = toPage(rows, limit, `devices:${sort}`, (r) => [column === 'name_lc' ? r.name_lc : r[column], r.id]);
    const servers = await this.connectedServers(page);
    const items = page.map((r) => toDevice(r, servers));
    if (q.attributes && items.length) {
      // The chosen attribute columns: one query for the page's values.
      const values = await this.repo.listAttributeValues(
        items.map((d) => d.id),
        q.attributes.split(','),
      );
      for (const d of items) d.attributes = values.get(d.id) ?? {};
    }
    return { items, nextCursor, ...(count !== undefined ? { count } : {}) };
  }

  /**
   * The ids of every device a list query matches (the "select all N matching" of a bulk action),
   * of those `visible`; more than `max` is refused (422) rather than acted on in part.
   */
  async resolveSelection(q: DeviceListSelection, visible: RawBuilder<boolean> | null, max: number): Promise<number[]> {
    const filter = deviceFilter(q, visible);
    if (typeof filter.folderId === 'number') await this.folders.requireFolder(filter.folderId, 'body.query.folderId');
    const ids = await this.bounded(filter, async (db) =>
      this.repo.listMatchingIds(await this.repo.resolveSubtree(filter, db), max + 1, db),
    );
    if (ids.length > max) {
      throw new AppError(
        ErrorCode.BulkTooManyDevices,
        `The query matches more than ${max.toLocaleString('en')} devices; narrow it (folder, search) or act in parts`,
        { field: 'body.query', max },
      );
    }
    return ids;
  }

  private async bounded<T>(filter: DeviceFilter, read: (db: Db) => Promise<T>): Promise<T> {
    if (!filter.prefix?.contains || !this.dialect) return read(this.repo.db);
    try {
      return await withStatementTimeout(this.repo.db, this.dialect, CONTAINS_TIMEOUT_MS, read);
    } catch (err) {
      if (isStatementTimeout(err)) {
        throw new AppError(
          ErrorCode.ViewTimeout,
          `The substring search took longer than ${CONTAINS_TIMEOUT_MS / 1000} s; use a prefix search or narrow the folder`,
          { field: 'query.q' },
        );
      }
      throw err;
    }
  }

  async getDevice(id: number): Promise<Device> {
    const row = await this.requireDevice(id);
    return toDevice(row, await this.connectedServers([row]));
  }

  /** How many devices there are and how many are online (the dashboard). */
  summarizeDevices(visible: RawBuilder<boolean> | null = null): Promise<DeviceSummary> {
    return this.repo.countDevicesByPresence(visible);
  }

  /** The servers holding the online devices among `rows`: one small query, none when all are offline. */
  private async connectedServers(rows: readonly DeviceRow[]): Promise<ServerNames> {
    const ids = new Set<string>();
    for (const r of rows) if (r.online === 1 && r.connected_server) ids.add(r.connected_server);
    return this.repo.findServerNames([...ids]);
  }

  /** An inventory record, before any agent has enrolled for this MAC. */
  /** `record` stores the answer with the new row (Idempotency-Key). */
  async createDevice(input: CreateDeviceRequest, by: AuditContext, record?: RecordAnswer): Promise<Device> {
    const mac = normalizeMac(input.mac);
    const folderId = input.folderId ?? null;
    if (folderId !== null) await this.folders.requireFolder(folderId, 'folderId');
    const given = input.name?.trim();
    if (given) await this.naming?.checkName(given, 'body.name');
    try {
      return await transaction(this.repo.db, async (trx) => {
        const name = given ?? (this.naming ? await this.naming.nameNewDevice(mac, trx) : defaultDeviceName(mac));
        const id = await this.repo.insertDevice(newDeviceRow({ mac, name, folderId, now: this.clock.now() }), trx);
        await this.naming?.renamed(trx, null, id, name);
        const row = (await this.repo.findDeviceById(id, trx))!;
        const device = toDevice(row, new Map());
        await this.audit.record(trx, { by, action: 'device.create', object: deviceObject(row), after: inventoryOf(row) });
        await record?.(trx, device);
        return device;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw this.duplicateMac(mac);
      throw err;
    }
  }

  private duplicateMac(mac: string) {
    return new AppError(ErrorCode.DuplicateMac, `A device with MAC ${mac} already exists`, { field: 'mac' });
  }

  async updateDevice(id: number, input: UpdateDeviceRequest, by: AuditContext): Promise<Device> {
    await this.requireDevice(id);
    if (input.folderId != null) await this.folders.requireFolder(input.folderId, 'folderId');
    if (input.inServiceDate) assertRealDate(input.inServiceDate);
    if (input.name !== undefined) await this.naming?.checkName(input.name.trim(), 'body.name');
    const patch: DevicePatch = {};
    if (input.name !== undefined) {
      patch.name = input.name.trim();
      patch.name_lc = patch.name.toLowerCase();
    }
    if (input.folderId !== undefined) patch.folder_id = input.folderId;
    if (input.site !== undefined) patch.site = input.site;
    if (input.department !== undefined) patch.department = input.department;
    if (input.costCenter !== undefined) patch.cost_center = input.costCenter;
    if (input.comment !== undefined) patch.comment = input.comment;
    if (input.assetId !== undefined) patch.asset_id = input.assetId;
    if (input.inServiceDate !== undefined) patch.in_service_date = input.inServiceDate;
    if (input.serialNumber !== undefined) {
      patch.serial_number = input.serialNumber;
      patch.serial_lc = input.serialNumber?.toLowerCase() ?? null;
    }
    await this.configuration.change(async (trx, mark) => {
      const before = await this.repo.findDeviceById(id, trx);
      if (!before || !(await this.repo.updateDevice(id, patch, trx))) throw notFound(ErrorCode.DeviceNotFound, 'Device', id);
      if (input.folderId !== undefined) await mark.devices([id]);
      // "Adjust network name": the new name reaches the device as its network name.
      if (patch.name !== undefined && patch.name !== before.name) await this.naming?.renamed(trx, mark, id, patch.name);
      const after = (await this.repo.findDeviceById(id, trx))!;
      const edit = changedFields(inventoryOf(before), inventoryOf(after));
      await this.audit.record(trx, { by, action: 'device.update', object: deviceObject(after), ...edit });
    });
    this.events.publish({ type: 'device.changed', deviceId: id });
    return this.getDevice(id);
  }

  /** Deleting a device revokes its certificate (the row holding its serial is gone) and closes its channel. */
  async deleteDevice(id: number, by: AuditContext): Promise<void> {
    await transaction(this.repo.db, async (trx) => {
      // Presence row first, as the presence batch (ADR 0009): the deletion's cascade reaches it too.
      if (this.dialect === 'postgres') await lockPresenceRows(trx, [id]);
      const before = await this.repo.findDeviceById(id, trx);
      if (!before || !(await this.repo.deleteDevice(id, trx))) throw notFound(ErrorCode.DeviceNotFound, 'Device', id);
      await this.audit.record(trx, { by, action: 'device.delete', object: deviceObject(before), before: inventoryOf(before) });
    });
    this.events.publish({ type: 'device.deleted', deviceId: id });
  }

  /**
   * Bulk deletion: the single deletion's statements and audit entry per device, a transaction
   * per 200 devices (a failure keeps the chunks before it). Answers the ids deleted; ids that no
   * longer exist are skipped.
   */
  async deleteDevices(ids: readonly number[], by: AuditContext): Promise<number[]> {
    const deleted: number[] = [];
    for (let i = 0; i < ids.length; i += 200) {
      const chunk = ids.slice(i, i + 200);
      const done = await transaction(this.repo.db, async (trx) => {
        const out: number[] = [];
        const entries = [];
        if (this.dialect === 'postgres') await lockPresenceRows(trx, chunk);
        for (const id of chunk) {
          const before = await this.repo.findDeviceById(id, trx);
          if (!before || !(await this.repo.deleteDevice(id, trx))) continue;
          out.push(id);
          entries.push({ by, action: 'device.delete', object: deviceObject(before), before: inventoryOf(before) });
        }
        await this.audit.recordMany(trx, entries);
        return out;
      });
      deleted.push(...done);
    }
    for (const deviceId of deleted) this.events.publish({ type: 'device.deleted', deviceId });
    return deleted;
  }

  /** All or nothing; `record` stores the answer with the move (Idempotency-Key). */
  async moveDevices(ids: number[], folderId: number | null, by: AuditContext, record?: RecordAnswer): Promise<{ moved: number }> {
    if (folderId !== null) await this.folders.requireFolder(folderId, 'folderId');
    const answer = await this.configuration.change(async (trx, mark) => {
      const from = await this.repo.listDeviceFolders(ids, trx);
      const { moved, missing } = await this.repo.moveDevices(ids, folderId, trx);
      if (missing.length) {
        throw new AppError(ErrorCode.DeviceNotFound, `Devices do not exist: ${missing.slice(0, 20).join(', ')}; nothing was moved`, {
          field: 'deviceIds',
          missing,
        });
      }
      await mark.devices(ids);
      // One entry per device, so a device's history shows its moves.
      await this.audit.recordMany(
        trx,
        from.map((d) => ({
          by,
          action: 'device.move',
          object: { type: 'device', id: d.id, name: d.name },
          before: { folderId: d.folder_id },
          after: { folderId },
        })),
      );
      await record?.(trx, { moved });
      return { moved };
    });
    for (const deviceId of ids) this.events.publish({ type: 'device.changed', deviceId });
    return answer;
  }

  private async requireDevice(id: number): Promise<DeviceRow> {
    const row = await this.repo.findDeviceById(id);
    if (!row) throw notFound(ErrorCode.DeviceNotFound, 'Device', id);
    return row;
  }
}

const deviceObject = (r: DeviceRow) => ({ type: 'device', id: Number(r.id), name: r.name });

/** The fields an administrator edits (not what devices report): what an audit entry shows. */
function inventoryOf(r: DeviceRow): Record<string, unknown> {
  return {
    name: r.name,
    mac: r.mac,
    unitId: r.unit_id,
    folderId: r.folder_id,
    site: r.site,
    department: r.department,
    costCenter: r.cost_center,
    comment: r.comment,
    assetId: r.asset_id,
    inServiceDate: r.in_service_date,
    serialNumber: r.serial_number,
  };
}

function assertRealDate(date: string) {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== date) {
    throw new AppError(ErrorCode.ValidationFailed, `inServiceDate ${date} is not a calendar date`, { field: 'inServiceDate' });
  }
}

type ServerNames = ReadonlyMap<string, { host: string; worker: number }>;

/** `servers`: host and worker by server id, for `connectedServer` (null when offline or the server is unknown). */
export function toDevice(r: DeviceRow, servers: ServerNames): Device {
  const server = r.online === 1 && r.connected_server ? servers.get(r.connected_server) : undefined;
  const connectedServer: ConnectedServer | null = server ? { id: r.connected_server!, ...server } : null;
  return {
    id: r.id,
    unitId: r.unit_id,
    mac: r.mac,
    name: r.name,
    networkName: r.network_name,
    folderId: r.folder_id,
    site: r.site,
    department: r.department,
    costCenter: r.cost_center,
    comment: r.comment,
    assetId: r.asset_id,
    inServiceDate: r.in_service_date,
    serialNumber: r.serial_number,
    product: r.product,
    version: r.version,
    lastIp: r.last_ip,
    lastContact: toIso(r.last_contact),
    lastBoot: toIso(r.last_boot),
    registeredAt: toIso(r.registered_at)!,
    online: r.online === 1,
    configChanges: r.config_state ?? null,
    structureTag: r.structure_tag ?? null,
    connectedServer,
  };
}

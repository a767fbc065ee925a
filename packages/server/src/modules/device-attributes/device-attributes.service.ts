import {
  ErrorCode,
  deviceAttributeValueProblem,
  type CreateDeviceAttributeRequest,
  type DeviceAttribute,
  type DeviceAttributeValues,
  type UpdateDeviceAttributeRequest,
} from '@openums/protocol';
import type { DeviceChannel, DeviceChannels, PeerChannels } from '../../channel/device-channel.js';
import { isUniqueViolation } from '../../db/dialect.js';
import { BatchLoader } from '../../lib/batch-loader.js';
import { BatchWriter } from '../../lib/batch-writer.js';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditContext } from '../audit/audit-context.js';
import { changedFields, type AuditLog } from '../audit/audit-log.js';
import type { DeviceAttributesRepository, ValueChanges } from './device-attributes.repository.js';
import { lookupPaceMs } from '../../lib/lookup-pace.js';
import {
  attributesMessage,
  checkMessageSize,
  deviceMaySet,
  invalid,
  notFound,
  serverMaySet,
  snapshot,
  toApi,
  toDefinition,
  type Definition,
} from './device-attributes.model.js';
import { transaction } from '../../db/transaction.js';

export type { Definition };

/** How long the definitions cached for the device channel are used before they are read again (other processes' changes). */
const DEFINITIONS_MAX_AGE_MS = 5_000;
const NO_VALUES: ReadonlyMap<number, string> = new Map();

/**
 * Device attributes: definitions (administrators with globalSettings), values per device
 * (administrators, and devices over the channel where the overwrite rule lets them).
 */
export class DeviceAttributesService {
  private cache: { at: number; defs: Definition[] } | null = null;
  private reading: Promise<Definition[]> | null = null;
  /** Channels whose agent said hello with the `attributes` capability. */
  private readonly capable = new WeakSet<DeviceChannel>();
  /** Values reported by devices, written in batches (never one write per device message). */
  private readonly reports: BatchWriter<number, Record<number, string | null>>;
  /**
   * The values of devices saying hello, paced (lib/lookup-pace.ts): a reconnect storm's devices
   * read in a few queries a second, not one each.
   */
  private readonly helloValues = new BatchLoader<number, Map<number, string>>(
    (ids) => this.repo.listValuesOfDevices(ids),
    500,
    lookupPaceMs(),
  );

  constructor(
    private readonly repo: DeviceAttributesRepository,
    private readonly channels: DeviceChannels,
    /** The other server processes: told when values or definitions change here. */
    private readonly peers: PeerChannels,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly log: Logger | null,
    flushMs = 250,
  ) {
    this.reports = new BatchWriter('device-attributes', (batch) => this.repo.writeDeviceReports(batch, this.clock.now()), flushMs, log);
  }

  /** Pending device reports are written before the server closes. */
  stop(): Promise<void> {
    return this.reports.stop();
  }
  flush(): Promise<void> {
    return this.reports.flush();
  }

  // ── definitions ────────────────────────────────────────────────────────────
  async listDefinitions(): Promise<{ items: DeviceAttribute[] }> {
    return { items: (await this.definitions(true)).map(toApi) };
  }

  async getDefinition(id: number): Promise<DeviceAttribute> {
    return toApi(await this.requireDefinition(id));
  }

  async createDefinition(by: AuditContext, req: CreateDeviceAttributeRequest): Promise<DeviceAttribute> {
    if (req.type === 'range' && !req.range) throw invalid('body.range', 'a range attribute needs its list of values');
    if (req.type !== 'range' && req.range) throw invalid('body.range', `only range attributes have a range list (type is ${req.type})`);
    const draft: Definition = {
      id: 0,
      identifier: req.identifier,
      name: req.name,
      type: req.type,
      range: req.range ?? null,
      overwrite: req.overwrite ?? 'server',
      createdAt: 0,
      updatedAt: 0,
    };
    checkMessageSize([...(await this.definitions(true)), draft], req.range ? 'body.range' : 'body');
    const now = this.clock.now();
    let id: number;
    try {
      id = await transaction(this.repo.db, async (trx) => {
        const newId = await this.repo.insertDefinition(
          {
            identifier: req.identifier,
            name: req.name,
            type: req.type,
            range_json: req.range ? JSON.stringify(req.range) : null,
            overwrite: req.overwrite ?? 'server',
          },
          now,
          trx,
        );
        await this.audit.record(trx, {
          by,
          action: 'device-attribute.create',
          object: { type: 'device-attribute', id: newId, name: req.identifier },
          after: {
            identifier: req.identifier,
            name: req.name,
            type: req.type,
            range: req.range ?? null,
            overwrite: req.overwrite ?? 'server',
          },
        });
        return newId;
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new AppError(ErrorCode.DeviceAttributeIdentifierTaken, `A device attribute "${req.identifier}" exists already`, {
          field: 'body.identifier',
        });
      }
      throw err;
    }
    this.cache = null;
    this.definitionsChanged();
    return this.getDefinition(id);
  }

  async updateDefinition(by: AuditContext, id: number, req: UpdateDeviceAttributeRequest): Promise<DeviceAttribute> {
    const before = await this.requireDefinition(id);
    if (req.range && before.type !== 'range')
      throw invalid('body.range', `only range attributes have a range list (type is ${before.type})`);
    const after: Definition = {
      ...before,
      name: req.name ?? before.name,
      range: req.range ?? before.range,
      overwrite: req.overwrite ?? before.overwrite,
    };
    if (req.range) checkMessageSize([...(await this.definitions(true)).filter((d) => d.id !== id), after], 'body.range');
    await transaction(this.repo.db, async (trx) => {
      await this.repo.updateDefinition(
        id,
        { name: after.name, range_json: after.range ? JSON.stringify(after.range) : null, overwrite: after.overwrite },
        this.clock.now(),
        trx,
      );
      // A value no longer in the range list is not a value of the attribute any more.
      if (req.range) await this.repo.deleteValuesOutside(id, req.range, trx);
      await this.audit.record(trx, {
        by,
        action: 'device-attribute.update',
        object: { type: 'device-attribute', id, name: before.identifier },
        ...changedFields(snapshot(before), snapshot(after)),
      });
    });
    this.cache = null;
    this.definitionsChanged();
    return this.getDefinition(id);
  }

  async deleteDefinition(by: AuditContext, id: number): Promise<void> {
    const before = await this.requireDefinition(id);
    await transaction(this.repo.db, async (trx) => {
      await this.repo.deleteDefinition(id, trx);
      await this.audit.record(trx, {
        by,
        action: 'device-attribute.delete',
        object: { type: 'device-attribute', id, name: before.identifier },
        before: snapshot(before),
      });
    });
    this.cache = null;
    this.definitionsChanged();
  }

  private async requireDefinition(id: number): Promise<Definition> {
    const row = await this.repo.findDefinitionById(id);
    if (!row) throw notFound(id);
    return toDefinition(row);
  }

  /** The definitions; `fresh` reads them, otherwise a copy at most DEFINITIONS_MAX_AGE_MS old is used. */
  private async definitions(fresh = false): Promise<Definition[]> {
    const now = Date.now();
    if (!fresh && this.cache && now - this.cache.at <= DEFINITIONS_MAX_AGE_MS) return this.cache.defs;
    // The hellos of a storm that find the copy expired share one read instead of one each.
    if (!fresh && this.reading) return this.reading;
    const read = this.repo.listDefinitions().then((rows) => {
      const defs = rows.map(toDefinition);
      this.cache = { at: now, defs };
      return defs;
    });
    if (fresh) return read;
    this.reading = read;
    return read.finally(() => {
      if (this.reading === read) this.reading = null;
    });
  }

  // ── values of a device ─────────────────────────────────────────────────────
  async getDeviceValues(deviceId: number): Promise<DeviceAttributeValues> {
    if ((await this.repo.findDeviceName(deviceId)) === undefined) {
      throw new AppError(ErrorCode.DeviceNotFound, `Device ${deviceId} does not exist`, { field: 'params.id' });
    }
    await this.reports.flush();
    const [defs, values] = await Promise.all([this.definitions(true), this.repo.listDeviceValues(deviceId)]);
    return {
      items: defs.map((d) => ({
        identifier: d.identifier,
        name: d.name,
        type: d.type,
        range: d.range,
        overwrite: d.overwrite,
        value: values.get(d.id) ?? null,
      })),
    };
  }

  /**
   * An administrator sets (or, with null, resets) values. All or nothing: an unknown identifier,
   * a value the type refuses or an attribute only the device may set refuses the whole request.
   */
  async putDeviceValues(by: AuditContext, deviceId: number, input: Record<string, string | null>): Promise<DeviceAttributeValues> {
    const defs = await this.definitions(true);
    const byIdentifier = new Map(defs.map((d) => [d.identifier, d]));
    const changes: ValueChanges = new Map();
    for (const [identifier, value] of Object.entries(input)) {
      const field = `body.values.${identifier}`;
      const def = byIdentifier.get(identifier);
      if (!def) throw invalid(field, `there is no device attribute "${identifier.slice(0, 64)}"`);
      if (!serverMaySet(def.overwrite)) throw invalid(field, `the overwrite rule of "${identifier}" (device) lets only the device set it`);
      if (value !== null) {
        const problem = deviceAttributeValueProblem(def, value);
        if (problem) throw invalid(field, `the value ${problem}`);
      }
      changes.set(def.id, value);
    }
    await this.reports.flush();
    await transaction(this.repo.db, async (trx) => {
      const name = await this.repo.findDeviceName(deviceId, trx);
      if (name === undefined) throw new AppError(ErrorCode.DeviceNotFound, `Device ${deviceId} does not exist`, { field: 'params.id' });
      const current = await this.repo.listDeviceValues(deviceId, trx);
      const before: Record<string, string | null> = {};
      const after: Record<string, string | null> = {};
      for (const d of defs) {
        if (!changes.has(d.id)) continue;
        before[d.identifier] = current.get(d.id) ?? null;
        after[d.identifier] = changes.get(d.id) ?? null;
      }
      await this.repo.putDeviceValues(deviceId, changes, 'server', this.clock.now(), trx);
      const edit = changedFields(before, after);
      if (Object.keys(edit.after).length) {
        await this.audit.record(trx, { by, action: 'device.attributes-update', object: { type: 'device', id: deviceId, name }, ...edit });
      }
    });
    const result = await this.getDeviceValues(deviceId);
    this.push(deviceId, defs, result);
    // The device may be connected to another process of the cluster.
    this.peers.attributesChanged([deviceId]);
    return result;
  }

  // ── the device channel ─────────────────────────────────────────────────────
  /** hello: a device that takes attributes gets the definitions and its values. */
  async onHello(channel: DeviceChannel, capabilities: readonly string[] | undefined): Promise<void> {
    if (!capabilities?.includes('attributes')) return;
    this.capable.add(channel);
    const defs = await this.definitions();
    // Without definitions a device holds no values: nothing to read (an installation that does
    // not use attributes pays no query per reconnecting device).
    const values = defs.length ? ((await this.helloValues.load(channel.deviceId)) ?? NO_VALUES) : NO_VALUES;
    channel.send(attributesMessage(defs, values));
  }

  /**
   * attributes-report: values set on the device. Those whose overwrite rule lets the device set
   * them and that fit their type are queued for the batched write; the rest are named in the
   * returned problems (nothing else is refused because of them).
   */
  async recordDeviceReport(deviceId: number, values: Record<string, string | null>): Promise<string[]> {
    const defs = await this.definitions();
    const byIdentifier = new Map(defs.map((d) => [d.identifier, d]));
    const accepted: Record<number, string | null> = {};
    const problems: string[] = [];
    for (const [identifier, value] of Object.entries(values)) {
      const def = byIdentifier.get(identifier);
      if (!def) problems.push(`${identifier}: no such device attribute`);
      else if (!deviceMaySet(def.overwrite)) problems.push(`${identifier}: the overwrite rule (server) does not let the device set it`);
      else {
        const problem = value === null ? null : deviceAttributeValueProblem(def, value);
        if (problem) problems.push(`${identifier}: the value ${problem}`);
        else accepted[def.id] = value;
      }
    }
    if (Object.keys(accepted).length) {
      this.reports.start();
      this.reports.update(deviceId, accepted);
    }
    return problems;
  }

  /**
   * After a definition changed: every device connected to this process that takes attributes
   * gets the new set (values read a chunk of devices at a time). Devices on other processes get
   * it with their next hello.
   */
  /** A definition changed here: devices held here and by the other processes get the new set. */
  private definitionsChanged(): void {
    this.peers.attributeDefinitionsChanged();
    this.pushTo('all');
  }

  /**
   * Messages of the other processes (through the cluster wake-ups): a device's values changed
   * there (push if it is held here), or a definition changed (re-read them; push to every device
   * held here that takes attributes).
   */
  onPeerAttributes(deviceIds: readonly number[]): void {
    this.pushTo(deviceIds);
  }

  onPeerDefinitions(): void {
    this.cache = null;
    this.pushTo('all');
  }

  /** Sends the current set to these devices (or all) connected here that take attributes; values read a chunk of devices at a time. */
  private pushTo(deviceIds: readonly number[] | 'all'): void {
    const run = async () => {
      const all = deviceIds === 'all' ? [...this.channels.all()] : deviceIds.map((id) => this.channels.get(id));
      const channels = all.filter((c): c is DeviceChannel => c !== undefined && this.capable.has(c));
      if (!channels.length) return;
      const defs = await this.definitions(true);
      const values = await this.repo.listValuesOfDevices(channels.map((c) => c.deviceId));
      for (const c of channels) c.send(attributesMessage(defs, values.get(c.deviceId) ?? new Map()));
    };
    run().catch((err: unknown) => this.log?.error({ err }, 'device attributes not sent to devices'));
  }

  /** Tells a connected device (on this process) its attributes after an administrator's change. */
  private push(deviceId: number, defs: Definition[], current: DeviceAttributeValues): void {
    const channel = this.channels.get(deviceId);
    if (!channel || !this.capable.has(channel)) return;
    const values = new Map<number, string>();
    const idOf = new Map(defs.map((d) => [d.identifier, d.id]));
    for (const item of current.items) if (item.value !== null) values.set(idOf.get(item.identifier)!, item.value);
    channel.send(attributesMessage(defs, values));
  }
}

import {
  DEVICE_ATTRIBUTE_VALUE_MAX,
  ErrorCode,
  deviceAttributeValueProblem,
  type AttributesMessage,
  type CreateDeviceAttributeRequest,
  type DeviceAttribute,
  type DeviceAttributeOverwrite,
  type DeviceAttributeType,
  type DeviceAttributeValues,
  type UpdateDeviceAttributeRequest,
} from '@openums/protocol';
import type { DeviceChannel, DeviceChannels, PeerChannels } from '../../channel/device-channel.js';
import { isUniqueViolation } from '../../db/dialect.js';
import { BatchWriter } from '../../lib/batch-writer.js';
import { toIso, type Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditContext } from '../audit/audit-context.js';
import { changedFields, type AuditLog } from '../audit/audit-log.js';
import type { DeviceAttributeRow, DeviceAttributesRepository, ValueChanges } from './device-attributes.repository.js';

/** A definition as the service works with it. */
export interface Definition {
  id: number;
  identifier: string;
  name: string;
  type: DeviceAttributeType;
  range: string[] | null;
  overwrite: DeviceAttributeOverwrite;
  createdAt: number;
  updatedAt: number;
}

/**
 * The `attributes` message (every definition and a device's values) must fit the channel's
 * 64 KiB message limit (MAX_MESSAGE_BYTES, which agents enforce): definitions are refused once
 * the largest possible message would pass this.
 */
const MAX_ATTRIBUTES_MESSAGE_BYTES = 56 * 1024;
/** A value with its identifier and quoting, at most. */
const MAX_VALUE_ENTRY_BYTES = 64 + 4 * DEVICE_ATTRIBUTE_VALUE_MAX + 8;

/** How long the definitions cached for the device channel are used before they are read again (other processes' changes). */
const DEFINITIONS_MAX_AGE_MS = 5_000;

const toDefinition = (r: DeviceAttributeRow): Definition => ({
  id: r.id,
  identifier: r.identifier,
  name: r.name,
  type: r.type as DeviceAttributeType,
  range: r.range_json === null ? null : (JSON.parse(r.range_json) as string[]),
  overwrite: r.overwrite as DeviceAttributeOverwrite,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const toApi = (d: Definition): DeviceAttribute => ({
  id: d.id,
  identifier: d.identifier,
  name: d.name,
  type: d.type,
  range: d.range,
  overwrite: d.overwrite,
  createdAt: toIso(d.createdAt)!,
  updatedAt: toIso(d.updatedAt)!,
});

const snapshot = (d: Definition) => ({ identifier: d.identifier, name: d.name, type: d.type, range: d.range, overwrite: d.overwrite });
const notFound = (id: number) =>
  new AppError(ErrorCode.DeviceAttributeNotFound, `Device attribute ${id} does not exist`, { field: 'params.id' });
const invalid = (field: string, message: string) =>
  new AppError(ErrorCode.ValidationFailed, `${field}: ${message}; nothing was saved`, { field });
const serverMaySet = (o: DeviceAttributeOverwrite) => o !== 'device';
const deviceMaySet = (o: DeviceAttributeOverwrite) => o !== 'server';

/**
 * Device attributes: definitions (administrators with globalSettings), values per device
 * (administrators, and devices over the channel where the overwrite rule lets them).
 */
export class DeviceAttributesService {
  private cache: { at: number; defs: Definition[] } | null = null;
  /** Channels whose agent said hello with the `attributes` capability. */
  private readonly capable = new WeakSet<DeviceChannel>();
  /** Values reported by devices, written in batches (never one write per device message). */
  private readonly reports: BatchWriter<number, Record<number, string | null>>;

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
      id = await this.repo.db.transaction().execute(async (trx) => {
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
    await this.repo.db.transaction().execute(async (trx) => {
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
    await this.repo.db.transaction().execute(async (trx) => {
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
    if (fresh || !this.cache || now - this.cache.at > DEFINITIONS_MAX_AGE_MS) {
      this.cache = { at: now, defs: (await this.repo.listDefinitions()).map(toDefinition) };
    }
    return this.cache.defs;
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
    await this.repo.db.transaction().execute(async (trx) => {
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
    const [defs, values] = await Promise.all([this.definitions(), this.repo.listDeviceValues(channel.deviceId)]);
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

function attributesMessage(defs: readonly Definition[], values: ReadonlyMap<number, string>): AttributesMessage {
  const out: Record<string, string> = {};
  for (const d of defs) {
    const v = values.get(d.id);
    if (v !== undefined) out[d.identifier] = v.slice(0, DEVICE_ATTRIBUTE_VALUE_MAX);
  }
  return {
    t: 'attributes',
    definitions: defs.map((d) => ({
      identifier: d.identifier,
      name: d.name,
      type: d.type,
      ...(d.range ? { range: d.range } : {}),
      overwrite: d.overwrite,
    })),
    values: out,
  };
}

/** 400 when devices could not take the definitions `defs` with every value set. */
function checkMessageSize(defs: readonly Definition[], field: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(attributesMessage(defs, new Map()))) + defs.length * MAX_VALUE_ENTRY_BYTES;
  if (bytes > MAX_ATTRIBUTES_MESSAGE_BYTES) {
    throw invalid(
      field,
      `with this change the attribute definitions (${defs.length}) and their values would not fit the device channel's message limit; use fewer or shorter range values`,
    );
  }
}

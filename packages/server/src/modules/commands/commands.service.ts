import {
  COMMAND_RIGHT,
  DEFAULT_PAGE_LIMIT,
  ErrorCode,
  type Command,
  type CommandName,
  type CommandState,
  type SendCommandRequest,
  type LiveEvent,
} from '@openums/protocol';
import { AppError, notFound } from '../../lib/errors.js';
import { BatchWriter } from '../../lib/batch-writer.js';
import { BatchLoader } from '../../lib/batch-loader.js';
import { toIso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { Logger } from '../../lib/logger.js';
import { noPeers, type DeviceChannels, type PeerChannels } from '../../channel/device-channel.js';
import type { DevicesRepository } from '../devices/devices.repository.js';
import type { DeviceFoldersService } from '../device-folders/device-folders.service.js';
import type { CommandPatch, CommandRow, CommandsRepository } from './commands.repository.js';
import { crashPoint } from '../../lib/crash-points.js';
import type { RecordAnswer } from '../idempotency/idempotency.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import { lookupPaceMs } from '../../lib/lookup-pace.js';
import { RecentlyFinished } from './recently-finished.js';

const DEFAULT_EXPIRY_S = 24 * 3600;
const RELAY_EXPIRY_MS = 10 * 60_000;

/**
 * Commands are rows first (durable before the API answers), then pushed to online devices;
 * devices acknowledge by id, and a command not finished is sent again after a reconnect (the
 * agent executes an id once). State changes from devices are written in batches.
 */
/** What a wake-up did per device (modules/wake-on-lan): messages, devices nothing reached, relay commands for proxies. */
export interface WakeOutcome {
  messages: Map<number, string>;
  failed: Set<number>;
  relays: { deviceId: number; command: string; text: string }[];
}

/** Sends wake-on-LAN for `wakeup`; the dedicated proxies, which refuse shutdown and standby. */
export interface Waker {
  wake(deviceIds: readonly number[]): Promise<WakeOutcome>;
  lockedProxies(deviceIds: readonly number[]): Promise<number[]>;
}

/** Sorts target devices by the caller's rights for a command. */
export type CommandAuthorizer = (deviceIds: number[]) => Promise<{ allowed: number[]; refused: number[]; unknown: number[] }>;

export class CommandsService {
  private readonly writer: BatchWriter<number, CommandPatch>;
  /** The newest state event of each command, published once its row is written. */
  private readonly pendingEvents = new Map<number, LiveEvent & { type: 'command.changed' }>();
  private waker: Waker | null = null;
  private readonly finished = new RecentlyFinished(); // what a delivery's read may still see as open
  private readonly loadOpen = async (ids: number[]) => {
    const open = await this.repo.devicesWithOpenCommands(ids, this.clock.now());
    return new Map([...open].map((id) => [id, true as const]));
  };
  /** Whether a woken device has anything open: one query per event-loop turn, at once (command latency). */
  private readonly hasOpen = new BatchLoader<number, true>(this.loadOpen);
  /** The same for devices saying hello, paced (lib/lookup-pace.ts): a reconnect storm's hellos go out in a few batches a second. */
  private readonly hasOpenOnHello = new BatchLoader<number, true>(this.loadOpen, 500, lookupPaceMs());

  constructor(
    private readonly repo: CommandsRepository,
    private readonly devices: Pick<
      DevicesRepository,
      'findDeviceById' | 'listDeviceIdsInFolder' | 'listExistingDeviceIds' | 'revokeCertificate'
    >,
    private readonly folders: DeviceFoldersService,
    private readonly channels: DeviceChannels,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger | null,
    flushMs = 250,
    /** Devices held by other server processes are woken through these. */
    private readonly peers: PeerChannels = noPeers,
    /** Commands sent by administrators are recorded, one entry per request, in its transaction. */
    private readonly audit: Pick<AuditLog, 'record'> | null = null,
  ) {
    this.writer = new BatchWriter(
      'command-states',
      (b) => this.repo.updateCommands(b),
      flushMs,
      log,
      1000,
      (batch) => {
        for (const [id] of batch) {
          const e = this.pendingEvents.get(id);
          if (e) this.events.publish(e);
          this.pendingEvents.delete(id);
        }
      },
    );
  }

  /** Wake-on-LAN (modules/wake-on-lan) makes `wakeup` work; without it `wakeup` answers 422. */
  setWaker(waker: Waker): void {
    this.waker = waker;
  }

  /** Expiry (expire()) is singleton work of the cluster, scheduled by the app. */
  start(): void {
    this.writer.start();
  }

  async stop(): Promise<void> {
    await this.writer.stop();
  }

  flush = () => this.writer.flush();

  /**
   * Creates one command per device and pushes it to connected devices. The answer says "sent"
   * for devices connected at the commit; `record` stores it with the commands (Idempotency-Key).
   */
  /**
   * `authorize` sorts the target devices by the caller's rights (ADR 0006): devices it may not
   * see count as missing, visible ones without the command's right are answered in `refused`
   * and get no command.
   */
  async sendCommand(
    req: SendCommandRequest,
    createdBy: string | null,
    record?: RecordAnswer,
    authorize?: CommandAuthorizer,
    by?: AuditContext,
  ) {
    if (req.command === 'wakeup' && !this.waker) {
      throw new AppError(ErrorCode.CommandNotSupported, 'Wake up is not supported yet (it comes with wake-on-LAN)', { field: 'command' });
    }
    if (req.command === 'send-message' && !req.text) {
      throw new AppError(ErrorCode.ValidationFailed, 'body.text is required for send-message', { field: 'body.text' });
    }
    if (req.command !== 'send-message' && req.text !== undefined) {
      throw new AppError(ErrorCode.ValidationFailed, `body.text is only for send-message`, { field: 'body.text' });
    }
    if ((req.deviceIds === undefined) === (req.folderId === undefined)) {
      throw new AppError(ErrorCode.ValidationFailed, 'Give exactly one of body.deviceIds and body.folderId', { field: 'body.deviceIds' });
    }
    let deviceIds: number[];
    let refused: number[] = [];
    if (req.folderId !== undefined) {
      await this.folders.requireFolder(req.folderId, 'folderId');
      deviceIds = await this.devices.listDeviceIdsInFolder(req.folderId, req.recursive ?? false);
      if (authorize) ({ allowed: deviceIds, refused } = await authorize(deviceIds));
    } else {
      deviceIds = req.deviceIds!;
      const existing = await this.devices.listExistingDeviceIds(deviceIds);
      let missing = deviceIds.filter((id) => !existing.has(id));
      if (authorize && !missing.length) {
        const sorted = await authorize(deviceIds);
        ({ allowed: deviceIds, refused } = sorted);
        missing = sorted.unknown;
      }
      if (missing.length) {
        throw new AppError(ErrorCode.DeviceNotFound, `Devices do not exist: ${missing.slice(0, 20).join(', ')}; no command was created`, {
          field: 'deviceIds',
          missing,
        });
      }
    }
    const now = this.clock.now();
    const expiresAt = now + (req.expiresInSeconds ?? DEFAULT_EXPIRY_S) * 1000;
    const refusedAnswer = refused.map((deviceId) => ({
      deviceId,
      code: ErrorCode.Forbidden,
      message: `The ${COMMAND_RIGHT[req.command]} right on device ${deviceId} is required for ${req.command}`,
    }));
    // Shutdown and standby of a dedicated wake-on-LAN proxy: its agent refuses them; say so now.
    const locked = (req.command === 'shutdown' || req.command === 'suspend') && this.waker ? await this.waker.lockedProxies(deviceIds) : [];
    const warnings = locked.map((deviceId) => ({
      deviceId,
      code: ErrorCode.WolProxyLocked,
      message: `Device ${deviceId} is a dedicated wake-on-LAN proxy: it refuses ${req.command} while it is one (Administration › Wake on LAN)`,
    }));
    const answerFor = (ids: number[]) => ({
      commands: ids.map((id, i) => ({
        id,
        deviceId: deviceIds[i]!,
        state: (this.channels.get(deviceIds[i]!) ? 'sent' : 'queued') as CommandState,
      })),
      refused: refusedAnswer,
      ...(warnings.length ? { warnings } : {}),
    });
    let answer: ReturnType<typeof answerFor> | null = null;
    const ids = await this.repo.insertCommands(
      deviceIds.map((deviceId) => ({
        device_id: deviceId,
        command: req.command,
        text: req.text ?? null,
        state: 'queued',
        message: null,
        created_at: now,
        sent_at: null,
        acknowledged_at: null,
        finished_at: null,
        expires_at: expiresAt,
        created_by: createdBy,
      })),
      record || (by && this.audit)
        ? async (trx, inserted) => {
            answer = answerFor(inserted);
            if (by && this.audit) {
              await this.audit.record(trx, {
                by,
                action: 'command.send',
                object:
                  req.folderId !== undefined
                    ? { type: 'device-folder', id: req.folderId }
                    : deviceIds.length === 1
                      ? { type: 'device', id: deviceIds[0]! }
                      : { type: 'device', id: null, name: `${deviceIds.length} devices` },
                after: {
                  command: req.command,
                  ...(req.text !== undefined ? { text: req.text } : {}),
                  devices: deviceIds.length,
                  // The first ids only: a folder command may reach 100,000 devices.
                  deviceIds: deviceIds.slice(0, 100),
                  refused: refused.length,
                },
              });
            }
            if (record) await record(trx, answer);
          }
        : undefined,
    );
    crashPoint('commands-committed');
    answer ??= answerFor(ids);
    if (req.command === 'wakeup') await this.sendWakeOnLan(deviceIds, ids, now, createdBy);
    const elsewhere: number[] = [];
    for (const [i, id] of ids.entries()) {
      if (!this.push(deviceIds[i]!, id, req.command, req.text ?? null, now)) elsewhere.push(deviceIds[i]!);
    }
    // Not connected here: maybe to another process of the cluster, which delivers them.
    this.peers.commandsChanged(elsewhere);
    return answer;
  }

  /**
   * `wakeup` of devices not connected here: the magic packets go out now and the command is
   * `sent` (with where they went) until the device connects — then it succeeds (push) — or it
   * expires. Relay requests for proxies are commands of their own, delivered like any other.
   */
  private async sendWakeOnLan(deviceIds: number[], ids: number[], now: number, createdBy: string | null): Promise<void> {
    const away = deviceIds.flatMap((deviceId, i) => (this.channels.get(deviceId) ? [] : [{ deviceId, id: ids[i]! }]));
    if (!away.length || !this.waker) return;
    let outcome: WakeOutcome;
    try {
      outcome = await this.waker.wake(away.map((a) => a.deviceId));
    } catch (err) {
      this.log?.error({ err }, 'wake-on-LAN failed');
      return;
    }
    for (const { deviceId, id } of away) {
      const message = outcome.messages.get(deviceId);
      if (message === undefined) continue; // online on another process: delivered there
      const state: CommandState = outcome.failed.has(deviceId) ? 'failed' : 'sent';
      this.writer.update(id, state === 'failed' ? { state, finished_at: now, message } : { state, sent_at: now, message });
      this.pendingEvents.set(id, { type: 'command.changed', id, deviceId, state, message });
    }
    if (!outcome.relays.length) return;
    const relayIds = await this.repo.insertCommands(
      outcome.relays.map((r) => ({
        device_id: r.deviceId,
        command: r.command,
        text: r.text,
        state: 'queued',
        message: null,
        created_at: now,
        sent_at: null,
        acknowledged_at: null,
        finished_at: null,
        // A relay is only worth sending while the wake-up is fresh.
        expires_at: now + RELAY_EXPIRY_MS,
        created_by: createdBy,
      })),
    );
    const elsewhere: number[] = [];
    for (const [i, id] of relayIds.entries()) {
      const r = outcome.relays[i]!;
      if (!this.push(r.deviceId, id, r.command as CommandName, r.text, now)) elsewhere.push(r.deviceId);
    }
    this.peers.commandsChanged(elsewhere);
  }

  /**
   * Called when a device says hello (`onHello`) or is woken for a command: (re)sends everything
   * not finished, oldest first.
   */
  async deliverPending(deviceId: number, onHello = false): Promise<number> {
    // State changes still in the batch (a command that just finished) must be in the database
    // before it is read, or a finished command would be read as open and sent again.
    // Nothing pending: no write; a flush under way: this waits for it.
    await this.writer.flush();
    // Most devices have nothing open; a reconnect storm asks for thousands a second.
    if (!(await (onHello ? this.hasOpenOnHello : this.hasOpen).load(deviceId))) return 0;
    const now = this.clock.now();
    const open = await this.repo.listOpenCommandsForDevice(deviceId, now);
    let sent = 0;
    for (const c of open) if (this.push(deviceId, c.id, c.command as CommandName, c.text, now, c.state)) sent++;
    return sent;
  }

  private push(deviceId: number, id: number, command: CommandName, text: string | null, now: number, state: string = 'queued'): boolean {
    const channel = this.channels.get(deviceId);
    if (!channel || this.finished.has(id)) return false;
    if (command === 'wakeup') {
      // Nothing to send: the device being connected is what the wake-up asked for.
      this.writer.update(id, {
        state: 'succeeded',
        ...(state === 'queued' ? { sent_at: now } : {}),
        finished_at: now,
        message: 'the device is online',
      });
      this.pendingEvents.set(id, { type: 'command.changed', id, deviceId, state: 'succeeded', message: 'the device is online' });
      return true;
    }
    // Already sent on this channel: two deliveries racing (a bus wake-up and a catch-up both read
    // the command as queued before either marked it sent) must not send it twice.
    if (channel.inflight.has(id)) return false;
    if (!channel.send({ t: 'command', id, command, ...(text !== null ? { text } : {}) })) return false;
    channel.inflight.set(id, command);
    if (state === 'queued') {
      this.writer.update(id, { state: 'sent', sent_at: now });
      this.pendingEvents.set(id, { type: 'command.changed', id, deviceId, state: 'sent', message: null });
    }
    return true;
  }

  /** A device message about command `id`; false when the id was not sent on this channel. */
  acknowledge(deviceId: number, inflight: Map<number, CommandName>, id: number): boolean {
    if (!inflight.has(id)) return false;
    this.writer.update(id, { state: 'acknowledged', acknowledged_at: this.clock.now() });
    this.pendingEvents.set(id, { type: 'command.changed', id, deviceId, state: 'acknowledged', message: null });
    return true;
  }

  async finish(deviceId: number, inflight: Map<number, CommandName>, id: number, ok: boolean, message: string | null): Promise<boolean> {
    const command = inflight.get(id);
    if (!command) return false;
    inflight.delete(id);
    this.finished.add(id, this.clock.now());
    const state = ok ? 'succeeded' : 'failed';
    this.writer.update(id, { state, finished_at: this.clock.now(), message });
    this.pendingEvents.set(id, { type: 'command.changed', id, deviceId, state, message });
    // A factory reset wipes the device's identity: its certificate is revoked with it.
    if (command === 'reset-factory-defaults' && ok) await this.devices.revokeCertificate(deviceId);
    return true;
  }

  async expire(): Promise<number> {
    await this.writer.flush();
    const expired = await this.repo.expireCommands(this.clock.now());
    for (const c of expired) {
      this.events.publish({ type: 'command.changed', id: c.id, deviceId: c.device_id, state: 'expired', message: null });
    }
    return expired.length;
  }

  async getCommand(id: number): Promise<Command> {
    await this.writer.flush();
    const row = await this.repo.findCommandById(id);
    if (!row) throw notFound(ErrorCode.CommandNotFound, 'Command', id);
    return toCommand(row);
  }

  /** 404 when the device does not exist. */
  async listDeviceCommands(deviceId: number, q: { limit?: number; cursor?: string }) {
    if (!(await this.devices.findDeviceById(deviceId))) throw notFound(ErrorCode.DeviceNotFound, 'Device', deviceId);
    await this.writer.flush();
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const before = q.cursor ? (decodeCursor(q.cursor, 'commands', ['number'])[0] as number) : null;
    const rows = await this.repo.listCommandsForDevice(deviceId, limit + 1, before);
    const { page, nextCursor } = toPage(rows, limit, 'commands', (r) => [r.id]);
    return { items: page.map(toCommand), nextCursor };
  }
}

function toCommand(r: CommandRow): Command {
  return {
    id: Number(r.id),
    deviceId: Number(r.device_id),
    command: r.command,
    text: r.text,
    state: r.state as CommandState,
    message: r.message,
    createdAt: toIso(r.created_at)!,
    sentAt: toIso(r.sent_at),
    acknowledgedAt: toIso(r.acknowledged_at),
    finishedAt: toIso(r.finished_at),
    expiresAt: toIso(r.expires_at)!,
    createdBy: r.created_by,
  };
}

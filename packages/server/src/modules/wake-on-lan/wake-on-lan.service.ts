import {
  DEFAULT_WAKE_ON_LAN_SETTINGS,
  ErrorCode,
  WOL_RELAY_COMMAND,
  directedBroadcast,
  isIpv4,
  magicPacket,
  prefixOf,
  sameNetwork,
  type WakeOnLanSettings,
  type WolRelayRequest,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { DeviceConfigurationService } from '../device-configuration/device-configuration.service.js';
import type { Waker, WakeOutcome } from '../commands/commands.service.js';
import { directTargets } from './wol-targets.js';
import type { PacketSender } from './wol-sender.js';
import { devicesWithPresence } from '../devices/device-rows.js';
import { transaction } from '../../db/transaction.js';

/** One key in the settings table, shared by every server of the installation. */
const KEY = 'wake_on_lan';
export const WOL_PROXY_SETTING = 'system.remotemanager.wol_proxy.enabled';
/** Devices read per query; networks searched for an automatic proxy per wake-up (the rest go without one). */
const CHUNK = 500;
const MAX_AUTO_NETWORKS = 1000;
/** MACs per relay command (the request's maxItems). */
const RELAY_CHUNK = 1000;

interface Target {
  id: number;
  mac: string;
  ip: string | null;
}

const invalid = (field: string, message: string) =>
  new AppError(ErrorCode.ValidationFailed, message, { field, issues: [{ field, message }] });

/**
 * Administration › Wake on LAN and the wake-up itself: the server sends each sleeping device's
 * magic packet to the addresses the settings enable, and asks proxies — dedicated devices, or
 * an online device in the sleeping device's network — to send it from inside that network (a
 * `wol-relay` command, so a proxy held by another process of the cluster gets it too, and its
 * result is recorded). Settings are read per wake-up: nothing cached, nothing to invalidate.
 */
export class WakeOnLanService implements Waker {
  constructor(
    private readonly db: Db,
    private readonly settings: SettingsRepository,
    private readonly configuration: Pick<DeviceConfigurationService, 'setOwnParameter'>,
    private readonly audit: Pick<AuditLog, 'record'>,
    private readonly sender: PacketSender,
    private readonly log: Logger | null,
  ) {}

  async getSettings(db: Db = this.db): Promise<WakeOnLanSettings> {
    const raw = await this.settings.findSetting(KEY, db);
    return raw ? { ...DEFAULT_WAKE_ON_LAN_SETTINGS, ...(JSON.parse(raw) as Partial<WakeOnLanSettings>) } : DEFAULT_WAKE_ON_LAN_SETTINGS;
  }

  /**
   * Replaces the settings. Devices that become dedicated proxies get
   * `system.remotemanager.wol_proxy.enabled = true` in their own configuration (delivered now);
   * devices that stop being one lose it. `mayConfigure` decides on those devices first.
   */
  async updateSettings(
    by: AuditContext,
    req: WakeOnLanSettings,
    mayConfigure: (deviceIds: number[]) => Promise<void>,
  ): Promise<WakeOnLanSettings> {
    req.networkMasks.forEach((m, i) => {
      if (prefixOf(m) === null) throw invalid(`body.networkMasks.${i}`, `body.networkMasks.${i} is not a contiguous netmask`);
    });
    if (prefixOf(req.automaticProxyMask) === null)
      throw invalid('body.automaticProxyMask', 'body.automaticProxyMask is not a contiguous netmask');
    req.subnets.forEach((c, i) => {
      const first = Number(c.split('.')[0]);
      if (first === 127 || first === 0 || first >= 224) {
        throw invalid(`body.subnets.${i}`, `body.subnets.${i} is a loopback, unspecified or multicast network, which cannot wake devices`);
      }
    });
    if (req.dedicatedProxyIds.length) {
      const existing = new Set<number>();
      const rows = await this.db.selectFrom('devices').select('id').where('id', 'in', req.dedicatedProxyIds).execute();
      for (const r of rows) existing.add(Number(r.id));
      const missing = req.dedicatedProxyIds.filter((id) => !existing.has(id));
      if (missing.length)
        throw invalid('body.dedicatedProxyIds', `body.dedicatedProxyIds names devices that do not exist: ${missing.join(', ')}`);
    }
    const before = await this.getSettings();
    const proxies = (s: WakeOnLanSettings) => new Set(s.dedicatedProxies ? s.dedicatedProxyIds : []);
    const was = proxies(before);
    const now = proxies(req);
    const added = [...now].filter((id) => !was.has(id));
    const removed = [...was].filter((id) => !now.has(id));
    await mayConfigure([...added, ...removed]);

    const next: WakeOnLanSettings = { ...req };
    await transaction(this.db, async (trx) => {
      await this.settings.putSetting(KEY, JSON.stringify(next), trx);
      await this.audit.record(trx, {
        by,
        action: 'settings.wake-on-lan',
        object: { type: 'settings', id: null, name: 'wake-on-lan' },
        before: before as unknown as Record<string, unknown>,
        after: next as unknown as Record<string, unknown>,
      });
    });
    await this.configuration.setOwnParameter(by, added, WOL_PROXY_SETTING, true);
    await this.configuration.setOwnParameter(by, removed, WOL_PROXY_SETTING, undefined);
    return next;
  }

  /** Of `deviceIds`, the dedicated proxies (which refuse shutdown and standby). */
  async lockedProxies(deviceIds: readonly number[]): Promise<number[]> {
    const s = await this.getSettings();
    if (!s.dedicatedProxies) return [];
    const set = new Set(s.dedicatedProxyIds);
    return deviceIds.filter((id) => set.has(id));
  }

  /**
   * Wakes the offline devices among `deviceIds` (online ones need nothing). Per device: the
   * addresses its packet went to, the proxies asked to relay it — or why nothing could be sent.
   */
  async wake(deviceIds: readonly number[]): Promise<WakeOutcome> {
    const s = await this.getSettings();
    const outcome: WakeOutcome = { messages: new Map(), failed: new Set(), relays: [] };
    const sleeping: Target[] = [];
    for (let i = 0; i < deviceIds.length; i += CHUNK) {
      const rows = await devicesWithPresence(this.db)
        .select(['id', 'mac', 'last_ip', 'online'])
        .where('id', 'in', deviceIds.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) if (!r.online) sleeping.push({ id: Number(r.id), mac: r.mac, ip: r.last_ip });
    }
    const notes = new Map<number, string[]>();
    const note = (id: number, text: string) => (notes.get(id) ?? notes.set(id, []).get(id)!).push(text);
    const reached = new Set<number>();

    for (const d of sleeping) {
      const packet = Buffer.from(magicPacket(d.mac));
      const addresses = directTargets(s, d.ip);
      if (!addresses.length) continue;
      const r = await this.sender.send(packet, addresses, s.port);
      if (r.sent.length) {
        reached.add(d.id);
        note(d.id, `magic packet sent to ${r.sent.join(', ')} (UDP ${s.port})`);
      }
      if (r.failed.length) note(d.id, `not sent to ${r.failed.map((f) => `${f.address} (${f.error})`).join(', ')}`);
    }

    const relayed = new Map<number, Target[]>();
    const relay = (proxyId: number, d: Target, why: string) => {
      const list = relayed.get(proxyId) ?? relayed.set(proxyId, []).get(proxyId)!;
      list.push(d);
      reached.add(d.id);
      note(d.id, `relay asked of device ${proxyId} (${why})`);
    };
    if (s.dedicatedProxies && s.dedicatedProxyIds.length) {
      const online = await devicesWithPresence(this.db)
        .select('id')
        .where('id', 'in', s.dedicatedProxyIds)
        .where('online', '=', 1)
        .execute();
      for (const p of online) for (const d of sleeping) if (d.id !== Number(p.id)) relay(Number(p.id), d, 'dedicated proxy');
    }
    if (s.automaticProxy) await this.automaticProxies(s, sleeping, relay);

    for (const [proxyId, devices] of relayed) {
      for (let i = 0; i < devices.length; i += RELAY_CHUNK) {
        const request: WolRelayRequest = {
          port: s.port,
          devices: devices.slice(i, i + RELAY_CHUNK).map((d) => ({ mac: d.mac, ...(isIpv4(d.ip) ? { ip: d.ip } : {}) })),
        };
        outcome.relays.push({ deviceId: proxyId, command: WOL_RELAY_COMMAND, text: JSON.stringify(request) });
      }
    }
    for (const d of sleeping) {
      if (!reached.has(d.id)) {
        outcome.failed.add(d.id);
        const why = notes.get(d.id)?.join('; ');
        outcome.messages.set(
          d.id,
          why ?? 'no wake-on-LAN target: no broadcast or subnet is enabled, the last IP is unknown and no proxy is online',
        );
      } else outcome.messages.set(d.id, notes.get(d.id)!.join('; '));
    }
    if (sleeping.length) this.log?.info({ devices: sleeping.length, relays: outcome.relays.length }, 'wake-on-LAN sent');
    return outcome;
  }

  /** Per network of sleeping devices, one online device in it relays (the reference: not guaranteed to exist). */
  private async automaticProxies(s: WakeOnLanSettings, sleeping: Target[], relay: (proxyId: number, d: Target, why: string) => void) {
    const prefix = prefixOf(s.automaticProxyMask) ?? 24;
    const byNetwork = new Map<string, Target[]>();
    for (const d of sleeping) {
      if (!isIpv4(d.ip)) continue;
      const key = directedBroadcast(d.ip, prefix);
      (byNetwork.get(key) ?? byNetwork.set(key, []).get(key)!).push(d);
    }
    const sleepingIds = new Set(sleeping.map((d) => d.id));
    let searched = 0;
    for (const devices of byNetwork.values()) {
      if (++searched > MAX_AUTO_NETWORKS) break;
      const ip = devices[0]!.ip!;
      // The octets every address of the network shares narrow the query; the mask decides exactly.
      const octets = Math.floor(prefix / 8);
      const like = octets > 0 ? `${ip.split('.').slice(0, octets).join('.')}.%` : '%';
      const candidates = await devicesWithPresence(this.db)
        .select(['id', 'last_ip'])
        .where('online', '=', 1)
        .where('last_ip', 'like', like)
        .orderBy('last_contact', 'desc')
        .limit(50)
        .execute();
      const proxy = candidates.find((c) => !sleepingIds.has(Number(c.id)) && isIpv4(c.last_ip) && sameNetwork(c.last_ip, ip, prefix));
      if (proxy) for (const d of devices) relay(Number(proxy.id), d, `online in the same /${prefix} network`);
    }
  }
}

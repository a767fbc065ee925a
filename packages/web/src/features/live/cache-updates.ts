import type { Command, Device, DevicePage, LiveEvent } from '@openums/protocol';
import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import type { CommandPage } from '../../api/commands';
import { asCommandState, commandStateLog, laterState, type CommandStateNote } from '../commands/command-states';
import { commandKeys, type BatchEntry, type CommandBatch } from '../commands/queries';
import { presenceLog } from '../devices/presence-log';
import { keys } from '../devices/queries';

type DeviceListData = InfiniteData<DevicePage, string | undefined>;
type PresencePatch = Pick<Device, 'online' | 'lastContact' | 'lastIp'>;

/** Events are applied together at most this often (a boot storm sends thousands per second). */
const FLUSH_MS = 200;
/**
 * The server publishes an event before its batched database write lands (presence and system
 * information are written every couple of seconds), so what an event invalidates is fetched
 * again once more after this delay.
 */
const SETTLE_MS = 3_000;
/** Lists and folder counts refetch at most this often because of events. */
const REFRESH_GAP_MS = 3_000;
/** Lists with more pages than this are only marked stale: refetching a list scrolled 100,000 rows deep costs hundreds of requests. */
const MAX_PAGES_TO_REFETCH = 3;

/**
 * Applies live events to the TanStack Query cache: presence is patched into every cached device
 * list and detail in place; changes and deletions invalidate what they touch; command states
 * move forward in every view that shows them.
 */
export class LiveCacheUpdater {
  private presence = new Map<number, PresencePatch>();
  private commands = new Map<number, CommandStateNote & { deviceId: number }>();
  private changed = new Set<number>();
  private cameOnline = new Set<number>();
  private deleted = new Set<number>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly settleTimers = new Set<ReturnType<typeof setTimeout>>();
  private lastRefresh = -Infinity;

  constructor(
    private readonly queryClient: QueryClient,
    private readonly now: () => number = () => Date.now(),
  ) {}

  handle(event: LiveEvent): void {
    switch (event.type) {
      case 'device.presence': {
        const patch = { online: event.online, lastContact: event.lastContact, lastIp: event.lastIp };
        presenceLog.record(event.deviceId, patch);
        this.presence.set(event.deviceId, patch);
        // Coming online, the device reported its system information, product and version too.
        if (event.online) this.cameOnline.add(event.deviceId);
        break;
      }
      case 'device.changed':
        this.changed.add(event.deviceId);
        break;
      case 'device.deleted':
        this.deleted.add(event.deviceId);
        this.presence.delete(event.deviceId);
        presenceLog.forget(event.deviceId);
        break;
      case 'command.changed': {
        const state = asCommandState(event.state);
        if (!state) return;
        commandStateLog.record(event.id, { state, message: event.message });
        this.commands.set(event.id, { deviceId: event.deviceId, state, message: event.message });
        break;
      }
      default:
        return;
    }
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Apply everything pending now (tests call this instead of waiting). */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const { presence, commands, changed, cameOnline, deleted } = this;
    this.presence = new Map();
    this.commands = new Map();
    this.changed = new Set();
    this.cameOnline = new Set();
    this.deleted = new Set();

    // A change may be a rename or a move between folders: lists and counts too.
    let inventoryStale = deleted.size > 0 || changed.size > 0;
    if (presence.size) {
      const found = this.patchDevices(presence);
      // A device no cached list knows may be new (just enrolled) or belong to a list not loaded.
      if ([...presence.keys()].some((id) => !found.has(id))) inventoryStale = true;
    }
    const touched = new Set([...changed, ...cameOnline]);
    if (touched.size) {
      this.invalidateDevices(touched);
      const timer = setTimeout(() => {
        this.settleTimers.delete(timer);
        this.invalidateDevices(touched);
      }, SETTLE_MS);
      this.settleTimers.add(timer);
    }
    if (deleted.size) {
      this.queryClient.setQueriesData<DeviceListData>({ queryKey: ['devices', 'list'] }, (data) => removeDevices(data, deleted));
      for (const id of deleted) void this.queryClient.invalidateQueries({ queryKey: keys.device(id), exact: true });
    }
    if (commands.size) this.applyCommands(commands);
    if (inventoryStale) this.scheduleRefresh();
  }

  /** After a break in the stream: anything may have changed. */
  resync(): void {
    this.scheduleRefresh(true);
    void this.queryClient.invalidateQueries({ queryKey: ['devices', 'one'] });
    void this.queryClient.invalidateQueries({ queryKey: ['devices', 'system'] });
    for (const part of ['effective', 'assigned', 'settings']) void this.queryClient.invalidateQueries({ queryKey: ['devices', part] });
    void this.queryClient.invalidateQueries({ queryKey: commandKeys.all });
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.flushTimer = this.refreshTimer = null;
    for (const timer of this.settleTimers) clearTimeout(timer);
    this.settleTimers.clear();
  }

  /**
   * Detail, system information and configuration of these devices, where someone looks at them
   * (a change may be a new effective configuration or its delivery: configChanges PENDING → APPLIED).
   */
  private invalidateDevices(ids: Iterable<number>): void {
    for (const id of ids) {
      void this.queryClient.invalidateQueries({ queryKey: keys.device(id), exact: true });
      void this.queryClient.invalidateQueries({ queryKey: keys.systemInfo(id) });
      void this.queryClient.invalidateQueries({ queryKey: keys.effective(id) });
      void this.queryClient.invalidateQueries({ queryKey: keys.assigned(id) });
      void this.queryClient.invalidateQueries({ queryKey: keys.settings(id) });
    }
  }

  private patchDevices(patches: Map<number, PresencePatch>): Set<number> {
    const found = new Set<number>();
    this.queryClient.setQueriesData<DeviceListData>({ queryKey: ['devices', 'list'] }, (data) => {
      if (!data) return data;
      let changedPages = false;
      const pages = data.pages.map((page) => {
        let items: Device[] | null = null;
        page.items.forEach((device, i) => {
          const patch = patches.get(device.id);
          if (!patch) return;
          found.add(device.id);
          items ??= page.items.slice();
          items[i] = { ...device, ...patch };
        });
        if (!items) return page;
        changedPages = true;
        return { ...page, items };
      });
      return changedPages ? { ...data, pages } : data;
    });
    for (const [id, patch] of patches) {
      const device = this.queryClient.getQueryData<Device>(keys.device(id));
      if (!device) continue;
      found.add(id);
      this.queryClient.setQueryData<Device>(keys.device(id), { ...device, ...patch });
    }
    return found;
  }

  private applyCommands(notes: Map<number, CommandStateNote & { deviceId: number }>): void {
    const historiesToRefetch = new Set<number>();
    for (const [id, note] of notes) {
      const one = this.queryClient.getQueryData<Command>(commandKeys.one(id));
      if (one) {
        this.queryClient.setQueryData<Command>(commandKeys.one(id), commandStateLog.merge(id, one));
        // Timestamps (sent, acknowledged, finished) come with the full record.
        void this.queryClient.invalidateQueries({ queryKey: commandKeys.one(id), exact: true });
      }
      historiesToRefetch.add(note.deviceId);
    }
    this.queryClient.setQueriesData<CommandBatch>({ queryKey: commandKeys.batches }, (batch) => {
      if (!batch) return batch;
      let entries: Map<number, BatchEntry> | null = null;
      for (const [id, note] of notes) {
        const entry = batch.entries.get(id);
        if (!entry) continue;
        const state = laterState(entry.state, note.state);
        if (state === entry.state) continue;
        entries ??= new Map(batch.entries);
        entries.set(id, { ...entry, state, message: note.message });
      }
      return entries ? { entries } : batch;
    });
    for (const deviceId of historiesToRefetch) {
      this.queryClient.setQueryData<InfiniteData<CommandPage, string | undefined>>(commandKeys.deviceHistory(deviceId), (data) =>
        data
          ? {
              ...data,
              pages: data.pages.map((page) => ({
                ...page,
                items: page.items.map((c) => (notes.has(c.id) ? commandStateLog.merge(c.id, c) : c)),
              })),
            }
          : data,
      );
      // A new command, or timestamps: fetch the visible history again (only active queries refetch).
      void this.queryClient.invalidateQueries({ queryKey: commandKeys.deviceHistory(deviceId) });
    }
  }

  /**
   * Device lists and folder counts after devices appeared, moved or went away: at most once per
   * REFRESH_GAP_MS. Long lists are only marked stale so a scrolled list does not jump.
   */
  private scheduleRefresh(immediately = false): void {
    if (this.refreshTimer) return;
    const wait = immediately ? 0 : Math.max(0, this.lastRefresh + REFRESH_GAP_MS - this.now());
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      this.lastRefresh = this.now();
      void this.refreshInventory();
    }, wait);
  }

  async refreshInventory(): Promise<void> {
    const qc = this.queryClient;
    await Promise.all([
      qc.invalidateQueries({ queryKey: keys.folders }),
      qc.invalidateQueries({
        queryKey: ['devices', 'list'],
        refetchType: 'none',
      }),
    ]);
    await qc.refetchQueries({
      queryKey: ['devices', 'list'],
      type: 'active',
      predicate: (query) => ((query.state.data as DeviceListData | undefined)?.pages.length ?? 0) <= MAX_PAGES_TO_REFETCH,
    });
  }
}

function removeDevices(data: DeviceListData | undefined, ids: Set<number>): DeviceListData | undefined {
  if (!data || !data.pages.some((p) => p.items.some((d) => ids.has(d.id)))) return data;
  return { ...data, pages: data.pages.map((p) => ({ ...p, items: p.items.filter((d) => !ids.has(d.id)) })) };
}

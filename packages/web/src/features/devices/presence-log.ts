import type { Device } from '@openums/protocol';

type Presence = Pick<Device, 'online' | 'lastContact' | 'lastIp'>;

const LIMIT = 20_000;

function time(iso: string | null): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

/**
 * The latest presence each device reported over the event stream. The server writes presence to
 * the database in batches, so a device fetched right after an event can still read as it was
 * before; whichever of the two saw the later contact wins.
 */
class PresenceLog {
  private readonly entries = new Map<number, Presence>();

  record(deviceId: number, presence: Presence): void {
    const previous = this.entries.get(deviceId);
    if (previous && time(previous.lastContact) > time(presence.lastContact)) return;
    this.entries.delete(deviceId);
    this.entries.set(deviceId, presence);
    if (this.entries.size > LIMIT) this.entries.delete(this.entries.keys().next().value as number);
  }

  forget(deviceId: number): void {
    this.entries.delete(deviceId);
  }

  merge(device: Device): Device {
    const seen = this.entries.get(device.id);
    if (!seen || time(seen.lastContact) <= time(device.lastContact)) return device;
    return { ...device, ...seen };
  }

  clear(): void {
    this.entries.clear();
  }
}

export const presenceLog = new PresenceLog();

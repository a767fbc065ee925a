import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** 12 upper-case hex digits, the unit id form the server expects. */
export function normalizeMac(mac: string): string {
  return mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
}

const usable = (mac: string) => mac !== '00:00:00:00:00:00' && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac);

/**
 * The primary MAC: the first non-internal interface (in the order the OS lists them) that has
 * a real hardware address.
 */
export function primaryMac(ifaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string | null {
  for (const list of Object.values(ifaces)) {
    for (const addr of list ?? []) {
      if (!addr.internal && usable(addr.mac)) return normalizeMac(addr.mac);
    }
  }
  return null;
}

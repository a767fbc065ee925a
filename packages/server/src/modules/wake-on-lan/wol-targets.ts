import { directedBroadcast, isIpv4, prefixOf, type WakeOnLanSettings } from '@openums/protocol';

/** A CIDR's directed broadcast (`10.1.0.0/16` → `10.1.255.255`); /31 and /32 have none: their address. */
export function cidrBroadcast(cidr: string): string {
  const [ip, p] = cidr.split('/') as [string, string];
  const prefix = Number(p);
  return prefix >= 31 ? ip : directedBroadcast(ip, prefix);
}

/**
 * Where the server sends one device's magic packet, in the settings' order, each address once:
 * the limited broadcast, the last known IP, every configured subnet's broadcast, the broadcast
 * of the last IP's network under each configured mask. The reference calls the last one "the
 * network address of the last known IP"; a datagram to the network address itself is not a
 * broadcast on today's stacks, so its directed broadcast is used (docs/wake-on-lan.md).
 */
export function directTargets(s: WakeOnLanSettings, lastIp: string | null): string[] {
  const out = new Set<string>();
  if (s.broadcast) out.add('255.255.255.255');
  const ip = isIpv4(lastIp) ? lastIp : null;
  if (ip && s.lastKnownIp) out.add(ip);
  for (const cidr of s.subnets) out.add(cidrBroadcast(cidr));
  if (ip) {
    for (const m of s.networkMasks) {
      const prefix = prefixOf(m);
      if (prefix !== null && prefix < 31) out.add(directedBroadcast(ip, prefix));
    }
  }
  return [...out];
}

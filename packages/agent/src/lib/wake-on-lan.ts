import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { directedBroadcast, isIpv4, magicPacket, prefixOf, sameNetwork, type WolRelayRequest } from '@openums/protocol';

/** The setting that makes this device a wake-on-LAN proxy (and keeps it from sleeping). */
export const WOL_PROXY_SETTING = 'system.remotemanager.wol_proxy.enabled';

/** This device's own IPv4 networks (not loopback): where a proxy's broadcasts reach. */
export function ownNetworks(): { address: string; prefix: number }[] {
  const out: { address: string; prefix: number }[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family !== 'IPv4' || a.internal) continue;
      const prefix = prefixOf(a.netmask);
      if (prefix !== null) out.push({ address: a.address, prefix });
    }
  }
  return out;
}

/**
 * Where a proxy sends one device's packet: the directed broadcast of each of its own networks,
 * and the device's last known IP when that is in one of them (a unicast a switch still delivers).
 * Never the limited broadcast: with several interfaces the kernel picks one, not all.
 */
export function relayTargets(networks: readonly { address: string; prefix: number }[], deviceIp?: string): string[] {
  const out = new Set<string>();
  for (const n of networks) if (n.prefix < 31) out.add(directedBroadcast(n.address, n.prefix));
  if (isIpv4(deviceIp) && networks.some((n) => sameNetwork(n.address, deviceIp, n.prefix))) out.add(deviceIp);
  return [...out];
}

/** Sends every device's packet to its targets; the count of datagrams sent and the failures. */
export async function relayMagicPackets(req: WolRelayRequest): Promise<{ sent: number; targets: string[]; failed: string[] }> {
  const networks = ownNetworks();
  const socket = createSocket({ type: 'udp4' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      socket.setBroadcast(true);
      resolve();
    });
  });
  let sent = 0;
  const failed: string[] = [];
  const targets = new Set<string>();
  try {
    for (const d of req.devices) {
      const packet = magicPacket(d.mac);
      for (const address of relayTargets(networks, d.ip)) {
        targets.add(address);
        await new Promise<void>((resolve) =>
          socket.send(packet, req.port, address, (err) => {
            if (err) failed.push(`${address}: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
            else sent++;
            resolve();
          }),
        );
      }
    }
  } finally {
    await new Promise<void>((r) => socket.close(() => r()));
  }
  return { sent, targets: [...targets], failed };
}

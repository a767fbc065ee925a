/**
 * Wake-on-LAN on the wire, shared by the server (which sends directly) and the agent (which
 * relays as a proxy): the magic packet and the IPv4 arithmetic that finds broadcast addresses.
 */

/** 6 × 0xFF, then the 6-byte MAC 16 times: 102 bytes, what a sleeping network card listens for. */
export function magicPacket(mac: string): Uint8Array {
  const hex = mac.replace(/[:-]/g, '');
  if (!/^[0-9A-Fa-f]{12}$/.test(hex)) throw new Error(`not a MAC address: ${mac}`);
  const macBytes = hex.match(/../g)!.map((b) => parseInt(b, 16));
  const packet = new Uint8Array(102).fill(0xff);
  for (let i = 0; i < 16; i++) packet.set(macBytes, 6 + i * 6);
  return packet;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const isIpv4 = (ip: string | null | undefined): ip is string => typeof ip === 'string' && IPV4.test(ip);

export const ipToInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
export const intToIp = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

/** A mask as the settings give it (`24`, `/24` or `255.255.255.0`) as a prefix length; null if it is no mask. */
export function prefixOf(mask: string): number | null {
  const m = mask.replace(/^\//, '');
  if (/^\d{1,2}$/.test(m)) return Number(m) <= 32 ? Number(m) : null;
  if (!isIpv4(m)) return null;
  const bits = ipToInt(m);
  let prefix = 0;
  while (prefix < 32 && (bits & (0x80000000 >>> prefix)) !== 0) prefix++;
  // Only contiguous masks: ones, then zeros.
  return maskBits(prefix) === bits ? prefix : null;
}

const maskBits = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** The directed broadcast of `ip`'s network under `prefix` (10.1.2.3/24 → 10.1.2.255). */
export function directedBroadcast(ip: string, prefix: number): string {
  return intToIp((ipToInt(ip) | ~maskBits(prefix)) >>> 0);
}

/** Whether two addresses are in the same network under `prefix`. */
export const sameNetwork = (a: string, b: string, prefix: number) => ((ipToInt(a) ^ ipToInt(b)) & maskBits(prefix)) >>> 0 === 0;

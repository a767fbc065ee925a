import { Type, type Static } from 'typebox';

/**
 * `GET`/`PUT /api/v1/settings/wake-on-lan` (Administration › Wake on LAN): where the server
 * sends the magic packet (6 × 0xFF, then the MAC 16 times, as one UDP datagram) when a device is
 * woken, and which devices relay it as proxies into networks the server cannot reach.
 */

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = `${OCTET}(\\.${OCTET}){3}`;
/** An IPv4 network in CIDR notation, e.g. `10.1.0.0/16`. */
export const WOL_CIDR_PATTERN = `^${IPV4}/([0-9]|[12][0-9]|3[0-2])$`;
/** A netmask given as a prefix length (`/24` or `24`) or dotted (`255.255.255.0`). */
export const WOL_MASK_PATTERN = `^(/?([0-9]|[12][0-9]|3[0-2])|${IPV4})$`;

export const WOL_LIMITS = { subnets: 256, masks: 8, dedicatedProxies: 100 } as const;

export const WakeOnLanSettings = Type.Object(
  {
    /** UDP port of the magic packet (9, "discard", unless the network uses another). */
    port: Type.Integer({ minimum: 1, maximum: 65_535 }),
    /** The limited broadcast 255.255.255.255 from the server's own network. */
    broadcast: Type.Boolean(),
    /** The device's last known IP address (works while the switch still knows its MAC). */
    lastKnownIp: Type.Boolean(),
    /** Each network here gets the packet on its directed broadcast (the routers must forward it). */
    subnets: Type.Array(Type.String({ pattern: WOL_CIDR_PATTERN, maxLength: 18 }), { maxItems: WOL_LIMITS.subnets, uniqueItems: true }),
    /** The network of the device's last known IP under each mask gets the packet on its directed broadcast. */
    networkMasks: Type.Array(Type.String({ pattern: WOL_MASK_PATTERN, maxLength: 15 }), { maxItems: WOL_LIMITS.masks, uniqueItems: true }),
    /** Dedicated proxies: these devices relay every wake-up; they get `system.remotemanager.wol_proxy.enabled`. */
    dedicatedProxies: Type.Boolean(),
    dedicatedProxyIds: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: WOL_LIMITS.dedicatedProxies, uniqueItems: true }),
    /** Automatic proxy detection: an online device in the sleeping device's network relays it. */
    automaticProxy: Type.Boolean(),
    /** The mask that decides "the same network" for automatic detection (prefix or dotted). */
    automaticProxyMask: Type.String({ pattern: WOL_MASK_PATTERN, maxLength: 15 }),
  },
  { additionalProperties: false },
);
export type WakeOnLanSettings = Static<typeof WakeOnLanSettings>;

export const DEFAULT_WAKE_ON_LAN_SETTINGS: WakeOnLanSettings = {
  port: 9,
  broadcast: true,
  lastKnownIp: true,
  subnets: [],
  networkMasks: [],
  dedicatedProxies: false,
  dedicatedProxyIds: [],
  automaticProxy: false,
  automaticProxyMask: '24',
};

/** The device command the server sends a proxy: the MACs it wakes from its own network (JSON in `text`). */
export const WOL_RELAY_COMMAND = 'wol-relay' as const;

/** What a proxy is asked to do (the `text` of its `wol-relay` command). */
export const WolRelayRequest = Type.Object(
  {
    port: Type.Integer({ minimum: 1, maximum: 65_535 }),
    devices: Type.Array(
      Type.Object(
        {
          mac: Type.String({ pattern: '^[0-9A-F]{12}$' }),
          /** The sleeping device's last known IP, when the proxy should also try it and its network. */
          ip: Type.Optional(Type.String({ pattern: `^${IPV4}$` })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);
export type WolRelayRequest = Static<typeof WolRelayRequest>;

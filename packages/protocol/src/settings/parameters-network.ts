import { bool, int, list, oneOf, PATTERNS, secret, str, type CatalogueParameter } from './catalogue-types.js';

const lan = ['Network', 'LAN'];
const dot1x = ['Network', 'LAN', 'IEEE 802.1x'];
const wireless = ['Network', 'Wireless'];
const wifi = ['Network', 'Wireless', 'Networks'];
const dns = ['Network', 'DNS'];
const proxy = ['Network', 'Proxy'];
const vpn = ['Network', 'VPN', 'OpenVPN'];
const hosts = ['Network', 'Hosts'];

const hostOrIpList = { maxItems: 10, itemMaxLength: 253, itemPattern: PATTERNS.hostOrIp };

export const NETWORK_PARAMETERS: readonly CatalogueParameter[] = [
  // Network › LAN
  bool('network.lan.enabled', true, lan, 'Use the wired interface'),
  bool('network.lan.dhcp.enabled', true, lan, 'Get the address from DHCP'),
  str('network.lan.ip_address', '', 15, lan, 'Static IPv4 address', PATTERNS.ipv4),
  str('network.lan.netmask', '', 15, lan, 'Static netmask', PATTERNS.ipv4),
  str('network.lan.gateway', '', 15, lan, 'Default gateway', PATTERNS.ipv4),
  int('network.lan.mtu', 1500, [576, 9000], lan, 'Maximum transmission unit', 'bytes'),
  oneOf(
    'network.lan.link_mode',
    'auto',
    ['auto', '1000-full', '100-full', '100-half', '10-full', '10-half'],
    lan,
    'Speed and duplex of the link',
  ),
  bool('network.lan.ipv6.enabled', true, lan, 'Configure IPv6'),
  str('network.lan.dhcp.client_id', '', 64, lan, 'DHCP client identifier (empty = MAC address)'),
  bool('network.lan.dhcp.send_hostname', true, lan, 'Send the host name in DHCP requests'),
  int('network.lan.dhcp.timeout', 30, [5, 300], lan, 'Seconds to wait for a DHCP answer', 'seconds'),
  bool('network.lan.ieee8021x.enabled', false, dot1x, 'Authenticate on the switch port'),
  oneOf('network.lan.ieee8021x.eap_method', 'peap', ['peap', 'tls', 'ttls', 'fast'], dot1x, 'EAP method'),
  str('network.lan.ieee8021x.identity', '', 128, dot1x, 'Identity sent to the authenticator'),
  secret('network.lan.ieee8021x.password', 128, dot1x, 'Password for PEAP/TTLS'),
  str('network.lan.ieee8021x.ca_certificate', '', 255, dot1x, 'CA certificate that signed the RADIUS server certificate'),

  // Network › Wireless
  bool('network.wireless.enabled', false, wireless, 'Use the wireless interface'),
  oneOf(
    'network.wireless.regulatory_domain',
    '00',
    ['00', 'DE', 'AT', 'CH', 'FR', 'GB', 'NL', 'US', 'CA', 'JP', 'AU'],
    wireless,
    'Country whose radio rules apply (00 = world)',
  ),
  bool('network.wireless.roaming', true, wireless, 'Switch to a stronger access point of the same network'),
  bool('network.wireless.disable_when_lan', true, wireless, 'Switch wireless off while a cable is plugged in'),
  str('network.wireless.network[].ssid', '', 32, wifi, 'Network name (SSID)'),
  oneOf(
    'network.wireless.network[].security',
    'wpa2-personal',
    ['none', 'wpa2-personal', 'wpa3-personal', 'wpa2-enterprise', 'wpa3-enterprise'],
    wifi,
    'Security mode',
  ),
  secret('network.wireless.network[].passphrase', 63, wifi, 'Pre-shared key'),
  bool('network.wireless.network[].hidden', false, wifi, 'The network does not broadcast its SSID'),
  bool('network.wireless.network[].autoconnect', true, wifi, 'Connect automatically'),
  int('network.wireless.network[].priority', 0, [0, 100], wifi, 'Preferred when several networks are in range (higher first)'),

  // Network › DNS
  str(
    'network.dns.hostname',
    '',
    63,
    dns,
    'Host name of the device (empty = derived from the MAC address)',
    '^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$',
  ),
  str('network.dns.domain', '', 253, dns, 'DNS domain of the device', PATTERNS.hostname),
  list(
    'network.dns.servers',
    [],
    { maxItems: 3, itemMaxLength: 39, itemPattern: PATTERNS.hostOrIp },
    dns,
    'Name servers (empty = from DHCP)',
  ),
  list(
    'network.dns.search_domains',
    [],
    { maxItems: 6, itemMaxLength: 253, itemPattern: PATTERNS.hostname },
    dns,
    'Domains appended to short names',
  ),
  oneOf('network.dns.over_tls', 'off', ['off', 'opportunistic', 'strict'], dns, 'Encrypt DNS queries'),
  bool('network.dns.cache', true, dns, 'Cache DNS answers locally'),

  // Network › Proxy
  oneOf('network.proxy.mode', 'none', ['none', 'manual', 'pac', 'auto-detect'], proxy, 'How the system proxy is found'),
  str('network.proxy.http.server', '', 253, proxy, 'HTTP proxy', PATTERNS.hostOrIp),
  int('network.proxy.http.port', 3128, [1, 65535], proxy, 'HTTP proxy port'),
  str('network.proxy.https.server', '', 253, proxy, 'HTTPS proxy', PATTERNS.hostOrIp),
  int('network.proxy.https.port', 3128, [1, 65535], proxy, 'HTTPS proxy port'),
  str('network.proxy.pac_url', '', 2048, proxy, 'Address of the proxy auto-configuration file', PATTERNS.url),
  list(
    'network.proxy.no_proxy',
    ['localhost', '127.0.0.1'],
    { maxItems: 50, itemMaxLength: 253 },
    proxy,
    'Hosts and domains reached without the proxy',
  ),
  str('network.proxy.user', '', 128, proxy, 'Proxy user'),
  secret('network.proxy.password', 128, proxy, 'Proxy password'),

  // Network › VPN › OpenVPN
  str('network.vpn.openvpn[].name', '', 64, vpn, 'Connection name'),
  list('network.vpn.openvpn[].remotes', [], hostOrIpList, vpn, 'VPN gateways, tried in order'),
  int('network.vpn.openvpn[].port', 1194, [1, 65535], vpn, 'Gateway port'),
  oneOf('network.vpn.openvpn[].protocol', 'udp', ['udp', 'tcp'], vpn, 'Transport'),
  bool('network.vpn.openvpn[].autostart', false, vpn, 'Connect when the network comes up'),

  // Network › Hosts
  str('network.hosts.entry[].ip', '', 39, hosts, 'Address of the static host entry', PATTERNS.hostOrIp),
  list(
    'network.hosts.entry[].names',
    [],
    { maxItems: 10, itemMaxLength: 253, itemPattern: PATTERNS.hostname },
    hosts,
    'Names for the address',
  ),
];

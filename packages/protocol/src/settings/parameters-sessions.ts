import { bool, int, list, oneOf, PATTERNS, secret, str, type CatalogueParameter } from './catalogue-types.js';

const rdp = ['Sessions', 'RDP', 'RDP Sessions'];
const rdpGlobal = ['Sessions', 'RDP', 'RDP Global'];
const ica = ['Sessions', 'ICA', 'ICA Sessions'];
const icaGlobal = ['Sessions', 'ICA', 'ICA Global'];
const browser = ['Sessions', 'Browser', 'Browser Sessions'];
const browserGlobal = ['Sessions', 'Browser', 'Browser Global'];

const displayModes = ['fullscreen', 'window', 'multimonitor'];
const urlList = { maxItems: 200, itemMaxLength: 2048 };

export const SESSION_PARAMETERS: readonly CatalogueParameter[] = [
  // Sessions › RDP (free instances: every profile may bring its own sessions)
  str('sessions.rdp[].name', '', 64, rdp, 'Session name shown on the desktop and in the start menu'),
  str('sessions.rdp[].server', '', 253, rdp, 'Terminal server or farm', PATTERNS.hostOrIp),
  int('sessions.rdp[].port', 3389, [1, 65535], rdp, 'RDP port'),
  str('sessions.rdp[].domain', '', 253, rdp, 'Logon domain'),
  str('sessions.rdp[].user', '', 128, rdp, 'User name (empty = ask)'),
  secret('sessions.rdp[].password', 128, rdp, 'Password (empty = ask)'),
  bool('sessions.rdp[].autostart', false, rdp, 'Start the session when the desktop starts'),
  int('sessions.rdp[].autostart_delay', 0, [0, 600], rdp, 'Delay before the automatic start', 'seconds'),
  bool('sessions.rdp[].restart', false, rdp, 'Start the session again when it ends'),
  bool('sessions.rdp[].desktop_icon', true, rdp, 'Show an icon on the desktop'),
  bool('sessions.rdp[].start_menu', true, rdp, 'Show an entry in the start menu'),
  oneOf('sessions.rdp[].display_mode', 'fullscreen', displayModes, rdp, 'Window mode'),
  oneOf('sessions.rdp[].color_depth', '32', ['16', '24', '32'], rdp, 'Colour depth in bits'),
  bool('sessions.rdp[].nla', true, rdp, 'Network level authentication'),
  oneOf('sessions.rdp[].certificate_check', 'warn', ['ignore', 'warn', 'deny'], rdp, 'What to do with an untrusted server certificate'),
  bool('sessions.rdp[].gateway.enabled', false, rdp, 'Connect through a Remote Desktop Gateway'),
  str('sessions.rdp[].gateway.server', '', 253, rdp, 'Remote Desktop Gateway', PATTERNS.hostOrIp),
  int('sessions.rdp[].gateway.port', 443, [1, 65535], rdp, 'Gateway port'),
  oneOf('sessions.rdp[].audio.playback', 'local', ['local', 'remote', 'off'], rdp, 'Where sound is played'),
  bool('sessions.rdp[].audio.recording', false, rdp, 'Redirect the microphone'),
  bool('sessions.rdp[].redirect.drives', false, rdp, 'Map USB storage into the session'),
  bool('sessions.rdp[].redirect.printers', true, rdp, 'Map local printers into the session'),
  bool('sessions.rdp[].redirect.smartcard', false, rdp, 'Redirect the smartcard reader'),
  bool('sessions.rdp[].redirect.clipboard', true, rdp, 'Share the clipboard'),
  bool('sessions.rdp[].redirect.serial_ports', false, rdp, 'Redirect serial ports'),
  bool('sessions.rdp_global.performance.wallpaper', false, rdpGlobal, 'Show the desktop wallpaper in sessions'),
  bool('sessions.rdp_global.performance.font_smoothing', true, rdpGlobal, 'Smooth fonts in sessions'),
  bool('sessions.rdp_global.performance.h264', true, rdpGlobal, 'Use H.264/AVC graphics'),
  bool('sessions.rdp_global.multimedia_redirection', true, rdpGlobal, 'Play redirected media locally'),
  bool('sessions.rdp_global.usb_redirection', false, rdpGlobal, 'Redirect USB devices (RemoteFX USB)'),
  oneOf('sessions.rdp_global.keyboard_layout', 'local', ['local', 'server'], rdpGlobal, 'Which keyboard layout sessions use'),

  // Sessions › ICA
  str('sessions.ica[].name', '', 64, ica, 'Session name'),
  str('sessions.ica[].store_url', '', 2048, ica, 'StoreFront or Workspace address', PATTERNS.url),
  str('sessions.ica[].user', '', 128, ica, 'User name (empty = ask)'),
  str('sessions.ica[].domain', '', 253, ica, 'Logon domain'),
  secret('sessions.ica[].password', 128, ica, 'Password (empty = ask)'),
  bool('sessions.ica[].autostart', false, ica, 'Start the session when the desktop starts'),
  bool('sessions.ica[].restart', false, ica, 'Start the session again when it ends'),
  oneOf('sessions.ica[].display_mode', 'fullscreen', displayModes, ica, 'Window mode'),
  bool('sessions.ica[].reconnect_at_logon', true, ica, 'Reconnect disconnected sessions at logon'),
  oneOf('sessions.ica_global.client_version', 'current', ['current', 'previous'], icaGlobal, 'Which installed Workspace app is used'),
  bool('sessions.ica_global.hdx.webcam', true, icaGlobal, 'Redirect webcams (HDX)'),
  bool('sessions.ica_global.hdx.multimedia', true, icaGlobal, 'Play redirected media locally (HDX)'),
  bool('sessions.ica_global.usb_redirection', false, icaGlobal, 'Redirect USB devices'),
  bool('sessions.ica_global.drive_mapping', false, icaGlobal, 'Map USB storage into sessions'),
  oneOf('sessions.ica_global.tls_ciphers', 'gov', ['all', 'com', 'gov'], icaGlobal, 'TLS cipher suite set'),

  // Sessions › Browser
  str('sessions.browser[].name', '', 64, browser, 'Session name'),
  str('sessions.browser[].url', '', 2048, browser, 'Start page', PATTERNS.url),
  bool('sessions.browser[].kiosk', false, browser, 'Kiosk mode: no address bar, no way out'),
  bool('sessions.browser[].fullscreen', false, browser, 'Open full screen'),
  bool('sessions.browser[].autostart', false, browser, 'Start the session when the desktop starts'),
  bool('sessions.browser[].restart', false, browser, 'Start the session again when it ends'),
  int('sessions.browser[].zoom', 100, [30, 300], browser, 'Page zoom', 'percent'),
  bool('sessions.browser_global.private_mode', false, browserGlobal, 'Keep no history, cookies or cache'),
  bool('sessions.browser_global.downloads', false, browserGlobal, 'Allow downloads'),
  bool('sessions.browser_global.popup_blocker', true, browserGlobal, 'Block pop-up windows'),
  str('sessions.browser_global.user_agent', '', 512, browserGlobal, 'User-agent override (empty = built in)'),
  int('sessions.browser_global.cache_size', 256, [0, 4096], browserGlobal, 'Disk cache size', 'MiB'),
  list('sessions.browser_global.allowed_urls', [], urlList, browserGlobal, 'URL patterns always allowed'),
  list('sessions.browser_global.blocked_urls', [], urlList, browserGlobal, 'URL patterns always blocked'),
  bool('sessions.browser_global.certificate_check', true, browserGlobal, 'Refuse untrusted server certificates'),
];

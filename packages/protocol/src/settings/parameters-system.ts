import { bool, int, list, oneOf, PATTERNS, secret, str, type CatalogueParameter } from './catalogue-types.js';
import { TIME_ZONES } from './time-zones.js';

const remote = ['System', 'Remote Management'];
const time = ['System', 'Time and Date'];
const power = ['System', 'Power Options'];
const logging = ['System', 'Logging'];
const commands = ['System', 'Custom Commands'];
const update = ['System', 'Update', 'Firmware Update'];
const security = ['Security'];
const usb = ['Security', 'USB Access Control'];
const ssh = ['Security', 'Secure Shell'];
const login = ['Security', 'Logon'];
const accessories = ['Accessories'];
const apps = ['Accessories', 'Custom Applications'];
const printing = ['Devices', 'Printer'];
const audio = ['Devices', 'Audio'];
const smartcard = ['Devices', 'Smartcard'];

export const SYSTEM_PARAMETERS: readonly CatalogueParameter[] = [
  // System › Remote Management
  bool('system.remotemanager.enabled', true, remote, 'Allow the device to be managed by this server'),
  str('system.remotemanager.server', '', 253, remote, 'Management server the device connects to', PATTERNS.hostOrIp),
  int('system.remotemanager.port', 8443, [1, 65535], remote, 'Port of the management server'),
  bool('system.remotemanager.heartbeat.enabled', true, remote, 'Send a heartbeat so the server sees the device online'),
  int('system.remotemanager.heartbeat.interval', 60, [10, 3600], remote, 'Seconds between heartbeats', 'seconds'),
  bool('system.remotemanager.wol_proxy.enabled', false, remote, 'Relay wake-on-LAN packets from the server to devices in this subnet'),
  int('system.remotemanager.wol_proxy.port', 9, [1, 65535], remote, 'UDP port the wake-on-LAN proxy sends magic packets to'),
  str('system.remotemanager.structure_tag', '', 100, remote, 'Tag matched by default-folder rules at registration'),
  bool('system.remotemanager.shadowing.enabled', true, remote, 'Allow remote shadowing (VNC) of the screen'),
  bool('system.remotemanager.shadowing.ask_user', true, remote, 'Ask the local user before shadowing starts'),
  secret('system.remotemanager.shadowing.password', 64, remote, 'Password required for shadowing'),
  oneOf(
    'system.remotemanager.apply_settings',
    'immediately',
    ['immediately', 'next-reboot', 'ask-user'],
    remote,
    'When settings received from the server take effect',
  ),
  bool('system.remotemanager.report_local_changes', true, remote, 'Send settings changed on the device back to the server'),
  bool('system.remotemanager.log_upload.enabled', true, remote, 'Let the server collect log files from the device'),
  int('system.remotemanager.reconnect.max_delay', 300, [5, 3600], remote, 'Longest pause between reconnection attempts', 'seconds'),

  // System › Time and Date
  oneOf('system.time.timezone', 'UTC', TIME_ZONES, time, 'Time zone of the device (IANA name)'),
  bool('system.time.ntp.enabled', true, time, 'Synchronise the clock with time servers'),
  list(
    'system.time.ntp.servers',
    ['pool.ntp.org'],
    { maxItems: 5, itemMaxLength: 253, itemPattern: PATTERNS.hostOrIp },
    time,
    'Time servers, tried in order',
  ),
  int('system.time.ntp.interval', 60, [1, 1440], time, 'Minutes between time synchronisations', 'minutes'),
  oneOf('system.time.clock_format', '24h', ['24h', '12h'], time, 'Clock format in the taskbar'),
  bool('system.time.rtc_utc', true, time, 'The hardware clock runs in UTC'),

  // System › Power Options
  oneOf('system.power.shutdown_action', 'shutdown', ['shutdown', 'suspend', 'reboot', 'ask'], power, 'What the power button does'),
  int('system.power.suspend_after', 0, [0, 1440], power, 'Suspend after this many idle minutes (0 = never)', 'minutes'),
  oneOf('system.power.cpu_governor', 'ondemand', ['ondemand', 'performance', 'powersave', 'schedutil'], power, 'CPU frequency policy'),
  bool('system.power.wake_on_lan', true, power, 'Wake up when a magic packet arrives'),
  bool('system.power.daily_reboot.enabled', false, power, 'Reboot once a day'),
  str('system.power.daily_reboot.time', '03:00', 5, power, 'Time of the daily reboot (HH:MM, local time)', PATTERNS.timeOfDay),

  // System › Logging
  oneOf('system.logging.level', 'info', ['error', 'warning', 'info', 'debug'], logging, 'Minimum severity written to the system log'),
  bool('system.logging.remote.enabled', false, logging, 'Forward the system log to a syslog server'),
  str('system.logging.remote.server', '', 253, logging, 'Syslog server', PATTERNS.hostOrIp),
  int('system.logging.remote.port', 514, [1, 65535], logging, 'Syslog server port'),
  oneOf('system.logging.remote.protocol', 'udp', ['udp', 'tcp', 'tls'], logging, 'Syslog transport'),
  bool('system.logging.persistent', false, logging, 'Keep logs across reboots'),

  // System › Custom Commands
  str('system.customcommands.base.initial', '', 4096, commands, 'Shell command run before the base system starts'),
  str('system.customcommands.base.final', '', 4096, commands, 'Shell command run after the base system started'),
  str('system.customcommands.network.initial', '', 4096, commands, 'Shell command run before the network comes up'),
  str('system.customcommands.network.final', '', 4096, commands, 'Shell command run after the network is up'),
  str('system.customcommands.desktop.initial', '', 4096, commands, 'Shell command run before the desktop starts'),
  str('system.customcommands.desktop.final', '', 4096, commands, 'Shell command run after the desktop started'),
  str('system.customcommands.reconnect', '', 4096, commands, 'Shell command run when the network reconnects'),
  str('system.customcommands.shutdown', '', 4096, commands, 'Shell command run before the device shuts down'),

  // System › Update › Firmware Update
  oneOf('update.firmware.protocol', 'https', ['http', 'https', 'ftp', 'ftps', 'sftp', 'file'], update, 'Protocol used to fetch updates'),
  str('update.firmware.server', '', 253, update, 'Update server name', PATTERNS.hostOrIp),
  int('update.firmware.port', 443, [1, 65535], update, 'Update server port'),
  str('update.firmware.path', '/', 1024, update, 'Path of the update on the server', '^/\\S*$'),
  str('update.firmware.user', '', 64, update, 'User name on the update server'),
  secret('update.firmware.password', 128, update, 'Password on the update server'),
  bool('update.firmware.check_on_boot', false, update, 'Look for an update while booting'),
  bool('update.firmware.check_on_shutdown', false, update, 'Look for an update while shutting down'),
  oneOf('update.firmware.mode', 'notify', ['off', 'notify', 'install'], update, 'What to do when an update is found'),
  str('update.firmware.schedule', '', 5, update, 'Time of day to look for updates (HH:MM, empty = never)', PATTERNS.timeOfDay),
  bool('update.firmware.buddy.enabled', false, update, 'Serve downloaded updates to other devices in the subnet'),

  // Security
  secret('security.admin_password', 64, security, 'Password for local setup and administrative tasks'),
  oneOf('security.setup.user_access', 'none', ['none', 'restricted', 'full'], security, 'Access of the local user to the setup'),
  int('security.idle_logout', 0, [0, 1440], security, 'Log the user out after this many idle minutes (0 = never)', 'minutes'),
  oneOf('security.tls.min_version', '1.2', ['1.2', '1.3'], security, 'Oldest TLS version the device accepts'),
  list(
    'security.certificates.trusted',
    [],
    { maxItems: 50, itemMaxLength: 255 },
    security,
    'Extra trusted CA certificates (file names in the certificate store)',
  ),
  bool('security.firewall.enabled', false, security, 'Filter incoming connections'),
  list(
    'security.firewall.allowed_ports',
    [],
    { maxItems: 64, itemMaxLength: 9, itemPattern: PATTERNS.port },
    security,
    'Incoming ports allowed through the firewall, e.g. 5900/tcp',
  ),
  bool('security.secure_terminal.enabled', true, security, 'Allow the server to open a secure terminal'),
  bool('security.usb.access_control.enabled', false, usb, 'Apply USB access rules'),
  oneOf('security.usb.default_rule', 'allow', ['allow', 'deny'], usb, 'Rule for USB devices matched by no other rule'),
  bool('security.usb.storage.hotplug', true, usb, 'Mount USB storage when it is plugged in'),
  bool('security.usb.storage.read_only', false, usb, 'Mount USB storage read-only'),
  list(
    'security.usb.allowed_devices',
    [],
    { maxItems: 100, itemMaxLength: 9, itemPattern: PATTERNS.usbId },
    usb,
    'USB vendor:product ids always allowed',
  ),
  list(
    'security.usb.denied_devices',
    [],
    { maxItems: 100, itemMaxLength: 9, itemPattern: PATTERNS.usbId },
    usb,
    'USB vendor:product ids always refused',
  ),
  bool('security.ssh.enabled', false, ssh, 'Run an SSH server'),
  int('security.ssh.port', 22, [1, 65535], ssh, 'SSH server port'),
  bool('security.ssh.root_login', false, ssh, 'Allow root to log in over SSH'),
  list('security.ssh.authorized_keys', [], { maxItems: 20, itemMaxLength: 1024 }, ssh, 'Public keys allowed to log in'),
  oneOf('security.login.mode', 'none', ['none', 'local', 'active-directory', 'smartcard'], login, 'How users log on to the device'),
  str('security.login.ad.domain', '', 253, login, 'Active Directory domain', PATTERNS.hostname),
  str('security.login.ad.server', '', 253, login, 'Domain controller (empty = discover through DNS)', PATTERNS.hostOrIp),
  bool('security.login.remember_user', true, login, 'Prefill the last user name at logon'),

  // Accessories
  bool('accessories.terminal.enabled', false, accessories, 'Offer a local terminal'),
  secret('accessories.terminal.password', 64, accessories, 'Password to open the local terminal'),
  bool('accessories.setup.enabled', true, accessories, 'Offer the local setup application'),
  bool('accessories.sound_mixer.enabled', true, accessories, 'Offer the sound mixer'),
  bool('accessories.screenshot.enabled', false, accessories, 'Offer the screenshot tool'),
  str('accessories.screenshot.directory', '/userhome/Pictures', 255, accessories, 'Where screenshots are saved', '^/\\S*$'),
  bool('accessories.network_tools.enabled', true, accessories, 'Offer the network diagnostic tools'),
  bool('accessories.task_manager.enabled', false, accessories, 'Offer the task manager'),
  bool('accessories.onscreen_keyboard.enabled', false, accessories, 'Offer the on-screen keyboard'),
  bool('accessories.system_information.enabled', true, accessories, 'Offer the system information window'),
  str('accessories.app[].name', '', 64, apps, 'Name of the custom application'),
  str('accessories.app[].command', '', 4096, apps, 'Command line of the custom application'),
  str('accessories.app[].icon', '', 255, apps, 'Icon file'),
  bool('accessories.app[].autostart', false, apps, 'Start the application when the desktop starts'),
  bool('accessories.app[].desktop_icon', true, apps, 'Show an icon on the desktop'),

  // Devices
  bool('devices.printer.cups.enabled', true, printing, 'Run the local print service'),
  str('devices.printer.queue[].name', '', 64, printing, 'Printer name'),
  str('devices.printer.queue[].uri', '', 1024, printing, 'Device URI, e.g. ipp://printer/ipp/print'),
  str('devices.printer.queue[].driver', '', 255, printing, 'Driver (PPD) name'),
  bool('devices.printer.queue[].default', false, printing, 'Use as the default printer'),
  oneOf('devices.audio.output', 'auto', ['auto', 'hdmi', 'analog', 'usb', 'bluetooth'], audio, 'Preferred audio output'),
  int('devices.audio.volume', 70, [0, 100], audio, 'Volume after boot', 'percent'),
  bool('devices.audio.microphone.enabled', true, audio, 'Allow audio input'),
  bool('devices.bluetooth.enabled', false, ['Devices', 'Bluetooth'], 'Switch the Bluetooth adapter on'),
  bool('devices.smartcard.enabled', false, smartcard, 'Read smartcards'),
  oneOf('devices.smartcard.middleware', 'opensc', ['opensc', 'coolkey', 'cackey', 'safenet'], smartcard, 'PKCS#11 middleware'),
];

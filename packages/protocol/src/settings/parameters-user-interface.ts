import { bool, int, list, oneOf, PATTERNS, str, type CatalogueParameter } from './catalogue-types.js';

const display = ['User Interface', 'Display'];
const monitor = ['User Interface', 'Display', 'Monitors'];
const screensaver = ['User Interface', 'Screensaver'];
const keyboard = ['User Interface', 'Input', 'Keyboard'];
const mouse = ['User Interface', 'Input', 'Mouse'];
const touch = ['User Interface', 'Input', 'Touchscreen'];
const language = ['User Interface', 'Language'];
const desktop = ['User Interface', 'Desktop'];

const resolutions = ['auto', '3840x2160', '2560x1440', '1920x1200', '1920x1080', '1680x1050', '1366x768', '1280x1024', '1280x720'];
const layouts = ['us', 'gb', 'de', 'ch', 'fr', 'be', 'es', 'it', 'pt', 'nl', 'se', 'no', 'dk', 'fi', 'pl', 'cz', 'hu', 'tr', 'jp'];

export const USER_INTERFACE_PARAMETERS: readonly CatalogueParameter[] = [
  // User Interface › Display (monitor[] is a fixed group: instances 1..4)
  bool('userinterface.display.monitor[].enabled', true, monitor, 'Use this monitor'),
  oneOf('userinterface.display.monitor[].resolution', 'auto', resolutions, monitor, 'Resolution (auto = preferred mode)'),
  int('userinterface.display.monitor[].refresh_rate', 60, [24, 240], monitor, 'Refresh rate', 'Hz'),
  oneOf('userinterface.display.monitor[].rotation', 'normal', ['normal', 'left', 'right', 'inverted'], monitor, 'Rotation'),
  bool('userinterface.display.monitor[].primary', false, monitor, 'Show the taskbar on this monitor'),
  oneOf(
    'userinterface.display.layout',
    'extended-right',
    ['mirror', 'extended-right', 'extended-left', 'extended-above', 'extended-below'],
    display,
    'Arrangement of several monitors',
  ),
  int('userinterface.display.dpi', 96, [72, 384], display, 'Screen resolution in dots per inch', 'dpi'),
  int('userinterface.display.brightness', 100, [10, 100], display, 'Backlight brightness of built-in panels', 'percent'),
  str('userinterface.display.background.color', '#1e3a5f', 7, display, 'Desktop background colour', PATTERNS.color),
  str('userinterface.display.background.image', '', 255, display, 'Desktop background image (empty = colour only)'),
  int('userinterface.display.dpms.standby', 20, [0, 720], display, 'Put monitors in standby after idle minutes (0 = never)', 'minutes'),
  int('userinterface.display.dpms.off', 60, [0, 720], display, 'Switch monitors off after idle minutes (0 = never)', 'minutes'),

  // User Interface › Screensaver
  bool('userinterface.screensaver.enabled', true, screensaver, 'Start a screensaver when idle'),
  int('userinterface.screensaver.timeout', 5, [1, 720], screensaver, 'Idle minutes before the screensaver starts', 'minutes'),
  oneOf('userinterface.screensaver.mode', 'clock', ['blank', 'clock', 'logo', 'slideshow'], screensaver, 'What the screensaver shows'),
  bool('userinterface.screensaver.lock', false, screensaver, 'Ask for a password to leave the screensaver'),
  oneOf(
    'userinterface.screensaver.lock_password',
    'user',
    ['user', 'admin', 'user-or-admin'],
    screensaver,
    'Which password unlocks the screen',
  ),
  str('userinterface.screensaver.image_directory', '', 255, screensaver, 'Images for the slideshow', '^/\\S*$'),
  int('userinterface.screensaver.slideshow_interval', 10, [1, 600], screensaver, 'Seconds each image is shown', 'seconds'),
  bool('userinterface.screensaver.on_boot', false, screensaver, 'Start the screensaver right after boot'),

  // User Interface › Input
  oneOf('userinterface.input.keyboard.layout', 'us', layouts, keyboard, 'Keyboard layout'),
  str('userinterface.input.keyboard.variant', '', 32, keyboard, 'Layout variant, e.g. nodeadkeys', '^[a-z0-9_-]*$'),
  int('userinterface.input.keyboard.repeat_delay', 500, [100, 2000], keyboard, 'Delay before a held key repeats', 'ms'),
  int('userinterface.input.keyboard.repeat_rate', 25, [1, 100], keyboard, 'Repeats per second of a held key'),
  oneOf('userinterface.input.keyboard.numlock', 'on', ['on', 'off', 'unchanged'], keyboard, 'Num Lock at start'),
  oneOf('userinterface.input.keyboard.compose_key', 'none', ['none', 'right-alt', 'menu', 'right-ctrl'], keyboard, 'Compose key'),
  int('userinterface.input.mouse.acceleration', 2, [1, 10], mouse, 'Pointer acceleration'),
  int('userinterface.input.mouse.threshold', 4, [1, 20], mouse, 'Pixels moved before acceleration starts'),
  bool('userinterface.input.mouse.left_handed', false, mouse, 'Swap the mouse buttons'),
  int('userinterface.input.mouse.double_click', 400, [100, 1000], mouse, 'Longest pause within a double click', 'ms'),
  bool('userinterface.input.touchscreen.enabled', false, touch, 'Use a touchscreen'),
  bool('userinterface.input.touchscreen.right_click_on_hold', true, touch, 'Touch and hold acts as a right click'),

  // User Interface › Language
  oneOf(
    'userinterface.language.locale',
    'en_US',
    ['en_US', 'en_GB', 'de_DE', 'de_CH', 'fr_FR', 'es_ES', 'it_IT', 'nl_NL', 'sv_SE', 'pl_PL', 'ja_JP', 'zh_CN'],
    language,
    'Language and regional formats',
  ),
  bool('userinterface.language.keyboard_follows_locale', false, language, 'Choose the keyboard layout from the locale'),
  list('userinterface.language.input_methods', [], { maxItems: 5, itemMaxLength: 32 }, language, 'Additional input methods, e.g. anthy'),

  // User Interface › Desktop
  oneOf('userinterface.desktop.taskbar.position', 'bottom', ['bottom', 'top', 'left', 'right'], desktop, 'Taskbar position'),
  bool('userinterface.desktop.taskbar.autohide', false, desktop, 'Hide the taskbar until the pointer touches the edge'),
  bool('userinterface.desktop.icons', true, desktop, 'Show session icons on the desktop'),
  bool('userinterface.desktop.start_menu.system_entries', true, desktop, 'Show system entries (setup, shutdown) in the start menu'),
  str('userinterface.desktop.start_menu.title', '', 64, desktop, 'Title of the start menu button (empty = default)'),
];

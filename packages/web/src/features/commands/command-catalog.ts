import type { CommandName } from '@openums/protocol';

export interface CommandInfo {
  name: CommandName;
  label: string;
  /** What happens on the device, for the confirmation. */
  effect: string;
  /** normal: plain confirmation · disruptive: users lose their session · destructive: the device loses its identity. */
  risk: 'normal' | 'disruptive' | 'destructive';
  needsText?: boolean;
}

/** The commands in menu order. */
export const COMMANDS: readonly CommandInfo[] = [
  { name: 'refresh-sysinfo', label: 'Refresh system information', effect: 'reports its current system information', risk: 'normal' },
  { name: 'send-message', label: 'Send message…', effect: 'shows the message to its user', risk: 'normal', needsText: true },
  { name: 'reboot', label: 'Reboot', effect: 'restarts; unsaved work of its user is lost', risk: 'disruptive' },
  { name: 'shutdown', label: 'Shut down', effect: 'powers off and stays off until someone switches it on', risk: 'disruptive' },
  { name: 'suspend', label: 'Suspend', effect: 'goes to sleep', risk: 'disruptive' },
  { name: 'wakeup', label: 'Wake up', effect: 'is woken up (Wake-on-LAN)', risk: 'normal' },
  {
    name: 'reset-factory-defaults',
    label: 'Reset to factory defaults…',
    effect: 'erases its configuration and its enrollment; it must be enrolled again with a new enrollment key',
    risk: 'destructive',
  },
];

export function commandInfo(name: string): CommandInfo | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export function commandLabel(name: string): string {
  return commandInfo(name)?.label.replace(/…$/, '') ?? name;
}

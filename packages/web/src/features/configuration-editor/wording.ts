/** Whose settings the editor shows: a profile's, or a device's own configuration. Only the wording differs. */
export type SettingsOwner = 'profile' | 'device';

export const WORDING = {
  profile: {
    activeTitle: 'Activated: the profile sets this parameter. Untick to deactivate.',
    inactiveTitle: 'Not activated: tick to let the profile set this parameter.',
    inactiveHint: 'Not activated: devices keep the value they have',
    fixedInstances: 'where several profiles set the same instance, the usual precedence decides.',
    freeInstances: (label: string) => `Each ${label} of this profile exists on the device beside those of other profiles.`,
    noInstances: (label: string) => `This profile has no ${label} yet.`,
    nothingActivated: 'No parameter is activated in this profile yet.',
  },
  device: {
    activeTitle: "Activated: set in the device's own configuration. Untick to remove it.",
    inactiveTitle: "Not activated: tick to set this parameter in the device's own configuration.",
    inactiveHint: "Not activated: not in the device's own configuration",
    fixedInstances: "a profile that sets a parameter of an instance overrides the device's own value.",
    freeInstances: (label: string) => `The device's own ${label}s exist beside those its profiles bring.`,
    noInstances: (label: string) => `The device's own configuration has no ${label}.`,
    nothingActivated: "No parameter is set in the device's own configuration.",
  },
} satisfies Record<SettingsOwner, unknown>;

/**
 * A line under a parameter, e.g. that a profile overrides it on this device. `override` marks an
 * activated value that does not take effect; `info` is a plain remark.
 */
export interface ParamNote {
  text: string;
  tone: 'override' | 'info';
  /** A page the note links to (the profile). */
  to?: string;
  linkText?: string;
}

import { ErrorCode, NETWORK_NAME_MAX, isValidNetworkName, type NamingSettings } from '@openums/protocol';
import { AppError } from '../../lib/errors.js';

/** The name a device gets when no naming convention is on (the reference's default). */
export const defaultDeviceName = (mac: string) => `ITC${mac}`;

/** A name by the convention; `number` is used for the sequential identifier. */
export function conventionName(s: NamingSettings, mac: string, number: number): string {
  if (!s.enabled) return defaultDeviceName(mac);
  return s.identifier === 'mac' ? `${s.prefix}${mac}` : `${s.prefix}${String(number).padStart(s.digits, '0')}`;
}

/** The number a sequential name carries (prefix + at least `digits` digits), or null. */
export function numberOfName(s: NamingSettings, name: string): number | null {
  if (s.identifier !== 'sequential' || !name.startsWith(s.prefix)) return null;
  const rest = name.slice(s.prefix.length);
  if (rest.length < s.digits || rest.length > 15 || !/^[0-9]+$/.test(rest)) return null;
  const n = Number(rest);
  // Only the canonical spelling: PREFIX0007 with 4 digits, not PREFIX00007.
  return String(n).padStart(s.digits, '0') === rest && n > 0 ? n : null;
}

/** Why `name` cannot become a network name, or null. */
export function networkNameProblem(name: string): string | null {
  if (name.length > NETWORK_NAME_MAX) return `is ${name.length} characters long; a network name has at most ${NETWORK_NAME_MAX}`;
  if (!isValidNetworkName(name)) return 'may only hold letters, digits and "-" (not first or last) to become a network name';
  return null;
}

/** 422 NETWORK_NAME_INVALID naming `field`. */
export function networkNameError(name: string, field: string, problem: string): AppError {
  return new AppError(
    ErrorCode.NetworkNameInvalid,
    `${field} ${JSON.stringify(name.slice(0, 64))} ${problem} ("adjust network name" is on; rename it shorter or switch the option off)`,
    { field },
  );
}

/**
 * Settings that would name devices with names that cannot be network names while "adjust
 * network name" is on are refused: the longest name by the convention must fit in 15.
 */
export function checkNamingSettings(s: NamingSettings): void {
  if (!s.enabled || !s.adjustNetworkName) return;
  const longest = s.identifier === 'mac' ? s.prefix.length + 12 : s.prefix.length + s.digits;
  if (longest > NETWORK_NAME_MAX) {
    throw new AppError(
      ErrorCode.NetworkNameInvalid,
      `body.prefix: names by this convention are ${longest} characters long (prefix ${s.prefix.length} + ${s.identifier === 'mac' ? '12 MAC digits' : `${s.digits} digits`}); with "adjust network name" on they must fit in ${NETWORK_NAME_MAX}`,
      { field: 'body.prefix' },
    );
  }
}

import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDirAsync, writePrivateFileAsync } from '../lib/files.js';
import { loadSimSettings, type SimSettings } from './sim-settings.js';

/** One virtual device's identity, `<state>/devices/<n>.json` (0600), independent of --processes. */
export interface SimIdentity {
  n: number;
  unitId: string;
  mac: string;
  deviceId: number;
  keyPem: string;
  certPem: string;
  enrolledAt: string;
  /** The device's settings store as of the last stop (absent: empty). */
  settings?: SimSettings;
}

/** Deterministic MAC for device n (1-based): prefix (3 bytes) + n (3 bytes); the unit id is the MAC. */
export function macFor(prefix: string, n: number): string {
  return `${prefix}${n.toString(16).toUpperCase().padStart(6, '0')}`;
}

export const devicesDir = (stateDir: string) => join(stateDir, 'devices');
const fileFor = (stateDir: string, n: number) => join(devicesDir(stateDir), `${n}.json`);

export async function loadSimIdentity(stateDir: string, n: number, mac: string): Promise<SimIdentity | null> {
  let text: string;
  try {
    text = await readFile(fileFor(stateDir, n), 'utf8');
  } catch {
    return null;
  }
  try {
    const id = JSON.parse(text) as SimIdentity;
    // A different --mac-prefix makes different devices: enroll those anew.
    if (id.mac !== mac || !id.keyPem || !id.certPem) return null;
    const settings = id.settings === undefined ? null : loadSimSettings(id.settings);
    if (settings) id.settings = settings;
    else delete id.settings;
    return id;
  } catch {
    return null;
  }
}

export async function saveSimIdentity(stateDir: string, id: SimIdentity): Promise<void> {
  await ensurePrivateDirAsync(devicesDir(stateDir));
  await writePrivateFileAsync(fileFor(stateDir, id.n), JSON.stringify(id));
}

export async function removeSimIdentity(stateDir: string, n: number): Promise<void> {
  await rm(fileFor(stateDir, n), { force: true });
}

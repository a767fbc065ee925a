import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, readTextIfExists, removeIfExists, writePrivateFile } from '../lib/files.js';

/** Files in the state directory (all 0600, the directory 0700). */
export const STATE_FILES = {
  key: 'device.key',
  /** The key of an enrollment whose answer has not arrived yet (enroll/enroll.ts). */
  pendingKey: 'enroll-pending.key',
  cert: 'device.crt',
  serverCa: 'server-ca.pem',
  deviceCa: 'device-ca.pem',
  agent: 'agent.json',
  commands: 'commands.json',
  tlsSession: 'tls-session.bin',
  config: 'agent-config.json',
  /** The address the server assigned and the last one that worked (identity/server-address.ts). */
  serverAddress: 'server-address.json',
  /** The settings store, its lock, and the queue of local changes (src/settings). */
  settings: 'settings.json',
  settingsLock: 'settings.lock',
  settingsQueue: 'settings-queue',
} as const;

export interface AgentRecord {
  server: string;
  unitId: string;
  mac: string;
  deviceId: number;
  enrolledAt: string;
  renewedAt?: string;
  caFingerprint: string;
}

export interface Identity {
  record: AgentRecord;
  keyPem: string;
  certPem: string;
  caPem: string;
}

export class NotEnrolledError extends Error {
  constructor(stateDir: string, missing: string) {
    super(`not enrolled: ${join(stateDir, missing)} is missing (run "openums-agent enroll" first)`);
    this.name = 'NotEnrolledError';
  }
}

export function loadIdentity(stateDir: string): Identity {
  const read = (name: string) => {
    const text = readTextIfExists(join(stateDir, name));
    if (text === null) throw new NotEnrolledError(stateDir, name);
    return text;
  };
  const record = JSON.parse(read(STATE_FILES.agent)) as AgentRecord;
  return { record, keyPem: read(STATE_FILES.key), certPem: read(STATE_FILES.cert), caPem: read(STATE_FILES.serverCa) };
}

export function saveIdentity(stateDir: string, id: Identity): void {
  ensurePrivateDir(stateDir);
  // Key before certificate before record: a crash in between leaves "not enrolled", never a mismatch.
  writePrivateFile(join(stateDir, STATE_FILES.serverCa), id.caPem);
  writePrivateFile(join(stateDir, STATE_FILES.key), id.keyPem);
  writePrivateFile(join(stateDir, STATE_FILES.cert), id.certPem);
  writePrivateFile(join(stateDir, STATE_FILES.agent), `${JSON.stringify(id.record, null, 2)}\n`);
}

/**
 * Forget the device identity (factory reset, device deleted). The settings store and the queue of
 * unreported local changes go too: a reset device starts from defaults, and changes made under the
 * old registration must not be reported under a new one. The local agent config stays.
 */
export function wipeIdentity(stateDir: string): void {
  for (const name of [
    STATE_FILES.agent,
    STATE_FILES.cert,
    STATE_FILES.key,
    STATE_FILES.tlsSession,
    STATE_FILES.commands,
    STATE_FILES.deviceCa,
    STATE_FILES.serverCa,
    STATE_FILES.serverAddress,
    STATE_FILES.settings,
  ]) {
    removeIfExists(join(stateDir, name));
  }
  rmSync(join(stateDir, STATE_FILES.settingsQueue), { recursive: true, force: true });
}

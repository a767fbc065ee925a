import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { SettingsReportMessage } from '@openums/protocol';
import { STATE_FILES } from '../identity/state.js';
import { writeDurableFile } from '../lib/files.js';
import type { Logger } from '../lib/log.js';
import { keyProblem, valueProblem, type SettingsChanges } from './values.js';

/**
 * Settings changed on the device wait here until the running agent has reported them to the
 * server: `<state>/settings-queue/`, one file per change, never modified after it appears.
 * Writers (the `settings` command) create a file with write-then-rename; the agent reads what is
 * there, sends it, and deletes exactly the files it sent — a change queued meanwhile stays for
 * the next round, so nothing is lost without any lock between the two.
 */
const QUEUE_FILE = /^(\d{12})-[0-9a-z-]+\.json$/;

/** Largest report the agent sends: below the channel's 64 KiB message limit, with room for the envelope. */
export const MAX_REPORT_BYTES = 60_000;
/** Keys per report message (the protocol's maxProperties). */
export const MAX_REPORT_KEYS = 2000;

export const queueDir = (stateDir: string) => join(stateDir, STATE_FILES.settingsQueue);

/**
 * Appends a change. Names start with a sequence number one above the highest queued, so the
 * agent merges them in the order they were made; callers hold the settings lock, which
 * serialises writers.
 */
export function enqueueChanges(stateDir: string, changes: SettingsChanges): string {
  const dir = queueDir(stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let max = 0;
  for (const name of readdirSync(dir)) {
    const m = QUEUE_FILE.exec(name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  const name = `${String(max + 1).padStart(12, '0')}-${Date.now().toString(36)}-${process.pid.toString(36)}.json`;
  writeDurableFile(join(dir, name), `${JSON.stringify({ at: new Date().toISOString(), settings: changes })}\n`);
  return name;
}

export interface QueuedChanges {
  files: string[];
  /** All queued changes merged in order (a later change of a key wins). */
  changes: SettingsChanges;
}

/** Reads the queue. A file that is not a valid change (hand-made, damaged) is renamed to `*.bad` and skipped. */
export function readQueue(stateDir: string, log: Logger): QueuedChanges {
  const dir = queueDir(stateDir);
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => QUEUE_FILE.test(n))
      .sort();
  } catch {
    return { files: [], changes: {} };
  }
  const files: string[] = [];
  const changes: SettingsChanges = {};
  for (const name of names) {
    const path = join(dir, name);
    let entry: SettingsChanges;
    try {
      entry = parseQueueFile(readFileSync(path, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      log.warn(`queued settings change ${path} is invalid (${(err as Error).message}); renamed to ${name}.bad`);
      try {
        renameSync(path, `${path}.bad`);
      } catch {
        // Gone meanwhile.
      }
      continue;
    }
    files.push(name);
    for (const [k, v] of Object.entries(entry)) {
      // Re-inserted so the merged map keeps the order of the last change.
      delete changes[k];
      changes[k] = v;
    }
  }
  return { files, changes };
}

function parseQueueFile(text: string): SettingsChanges {
  const raw = JSON.parse(text) as unknown;
  const settings = (raw as { settings?: unknown } | null)?.settings;
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw new Error('no settings object');
  const out: SettingsChanges = Object.create(null) as SettingsChanges;
  for (const [k, v] of Object.entries(settings)) {
    const problem = keyProblem(k) ?? (v === null ? null : valueProblem(v));
    if (problem) throw new Error(`${k.slice(0, 200)}: ${problem}`);
    if (Buffer.byteLength(JSON.stringify(v)) > MAX_REPORT_BYTES - 1000) throw new Error(`${k}: value too large to report`);
    out[k] = v as SettingsChanges[string];
  }
  return out;
}

export function removeQueued(stateDir: string, files: readonly string[]): void {
  for (const name of files) {
    try {
      unlinkSync(join(queueDir(stateDir), name));
    } catch {
      // Already removed.
    }
  }
}

/** Splits changes into report messages that each fit the channel's limits. */
export function reportMessages(changes: SettingsChanges): SettingsReportMessage[] {
  const out: SettingsReportMessage[] = [];
  let current: SettingsReportMessage['settings'] = {};
  let keys = 0;
  let bytes = 64;
  for (const [k, v] of Object.entries(changes)) {
    const size = Buffer.byteLength(JSON.stringify(k)) + Buffer.byteLength(JSON.stringify(v)) + 2;
    if (keys > 0 && (keys === MAX_REPORT_KEYS || bytes + size > MAX_REPORT_BYTES)) {
      out.push({ t: 'settings-report', settings: current });
      current = {};
      keys = 0;
      bytes = 64;
    }
    current[k] = v as SettingsReportMessage['settings'][string];
    keys++;
    bytes += size;
  }
  if (keys > 0) out.push({ t: 'settings-report', settings: current });
  return out;
}

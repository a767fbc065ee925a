/**
 * Fault injection for crash tests: with the setting `crashPoint` (OPENUMS_CRASH_POINT) the
 * process kills itself with SIGKILL the moment it reaches that point, exactly like a power cut
 * between two steps. The points sit where a crash would be most harmful (right after a commit,
 * before anything else happens), so tests can prove nothing is lost there. Unset in production.
 */
export const CRASH_POINTS = [
  /** A configuration change (profile, assignment, folder, device) committed; devices not told yet. */
  'configuration-committed',
  /** Commands committed with their idempotency record; the API has not answered yet. */
  'commands-committed',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

let armed: CrashPoint | null = null;

export function armCrashPoint(point: CrashPoint | null): void {
  armed = point;
}

export function crashPoint(point: CrashPoint): void {
  if (armed === point) process.kill(process.pid, 'SIGKILL');
}

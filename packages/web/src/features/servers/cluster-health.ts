import { MAX_CLOCK_SKEW_MS, type ServerProcess } from '@openums/protocol';
import { formatDuration } from '../../lib/format';

export interface ClusterSummary {
  running: number;
  dead: number;
  /** Devices connected to running servers (a dead entry's count is stale). */
  devicesConnected: number;
}

export function summarizeCluster(servers: readonly ServerProcess[]): ClusterSummary {
  let running = 0;
  let dead = 0;
  let devicesConnected = 0;
  for (const s of servers) {
    if (s.status === 'running') {
      running++;
      devicesConnected += s.devicesConnected;
    } else dead++;
  }
  return { running, dead, devicesConnected };
}

/** "host" when the host runs one worker, else "host (worker 2)": short, and still unambiguous. */
function labeller(servers: readonly ServerProcess[]): (s: ServerProcess) => string {
  const perHost = new Map<string, number>();
  for (const s of servers) perHost.set(s.host, (perHost.get(s.host) ?? 0) + 1);
  return (s) => ((perHost.get(s.host) ?? 0) > 1 ? `${s.host} (worker ${s.worker})` : s.host);
}

/**
 * What the running servers disagree on: their versions, or their clocks by more than
 * MAX_CLOCK_SKEW_MS (each offset is against the database's clock, so they compare directly).
 */
export function clusterWarnings(servers: readonly ServerProcess[]): string[] {
  const running = servers.filter((s) => s.status === 'running');
  const label = labeller(running);
  const warnings: string[] = [];

  const versions = new Map<string, ServerProcess[]>();
  for (const s of running) versions.set(s.version, [...(versions.get(s.version) ?? []), s]);
  if (versions.size > 1) {
    // A host whose workers all run one version is named once; a host split across versions by worker.
    const hostVersions = new Map<string, Set<string>>();
    for (const s of running) hostVersions.set(s.host, (hostVersions.get(s.host) ?? new Set()).add(s.version));
    const where = (list: ServerProcess[]) =>
      [...new Set(list.map((s) => ((hostVersions.get(s.host)?.size ?? 1) > 1 ? label(s) : s.host)))].join(', ');
    const list = [...versions].map(([version, servers]) => `${version} on ${where(servers)}`).join('; ');
    warnings.push(`The running servers have different versions: ${list}. Update every server to the same version.`);
  }

  if (running.length > 1) {
    const sorted = [...running].sort((a, b) => a.clockOffsetMs - b.clockOffsetMs);
    const slowest = sorted[0]!;
    const fastest = sorted[sorted.length - 1]!;
    const spread = fastest.clockOffsetMs - slowest.clockOffsetMs;
    if (spread > MAX_CLOCK_SKEW_MS) {
      warnings.push(
        `The clocks of the servers differ by ${formatSeconds(spread / 1000)}: ${label(fastest)} is ahead of ${label(slowest)}. ` +
          'Synchronize the clocks of all servers (NTP).',
      );
    }
  }
  return warnings;
}

/** Seconds to the second below an hour ("1 min 15 s"): near the one-minute limit, minutes alone would hide it. */
function formatSeconds(totalSeconds: number): string {
  const s = Math.round(totalSeconds);
  if (s >= 3600) return formatDuration(s);
  const m = Math.floor(s / 60);
  const rest = s % 60;
  if (!m) return `${rest} s`;
  return rest ? `${m} min ${rest} s` : `${m} min`;
}

export const isClockOff = (offsetMs: number) => Math.abs(offsetMs) > MAX_CLOCK_SKEW_MS;

/** "0 ms", "+120 ms", "−2.5 s", "+1 min 15 s". */
export function formatClockOffset(offsetMs: number): string {
  if (offsetMs === 0) return '0 ms';
  const sign = offsetMs > 0 ? '+' : '−';
  const abs = Math.abs(offsetMs);
  if (abs < 1000) return `${sign}${abs} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(1)} s`;
  return `${sign}${formatSeconds(abs / 1000)}`;
}

/** "just now", "12 s ago", "3 min ago"; a time ahead of `now` (clock differences) counts as just now. */
export function formatAgo(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.floor((now - then) / 1000);
  return seconds < 1 ? 'just now' : `${formatDuration(seconds)} ago`;
}

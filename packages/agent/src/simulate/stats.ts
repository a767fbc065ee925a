/** Counters one simulator process reports to the coordinator (cumulative except the gauges). */
export interface WorkerStats {
  devices: number;
  enrolled: number;
  online: number;
  connecting: number;
  failedEnroll: number;
  failedConnect: number;
  commands: number;
  resumed: number;
  fullHandshakes: number;
  deleted: number;
  invalidMessages: number;
  /** Valid `settings` messages received. */
  settingsReceived: number;
  /** `settings-applied` ok=true answers sent (including "already in effect"). */
  settingsApplied: number;
  /** `settings-applied` ok=false answers (hash mismatch). */
  settingsFailed: number;
  /** Epoch ms of the last ok answer (0: none); combined by max, not sum. */
  lastSettingsAppliedAt: number;
  /** Valid `attributes` messages received (one per hello, as for a real agent). */
  attributesReceived: number;
}

export const emptyStats = (): WorkerStats => ({
  devices: 0,
  enrolled: 0,
  online: 0,
  connecting: 0,
  failedEnroll: 0,
  failedConnect: 0,
  commands: 0,
  resumed: 0,
  fullHandshakes: 0,
  deleted: 0,
  invalidMessages: 0,
  settingsReceived: 0,
  settingsApplied: 0,
  settingsFailed: 0,
  lastSettingsAppliedAt: 0,
  attributesReceived: 0,
});

/** Counters whose total over processes is the largest value, not the sum (times). */
const MAX_KEYS = new Set<keyof WorkerStats>(['lastSettingsAppliedAt']);

export function addStats(list: Iterable<WorkerStats>): WorkerStats {
  const sum = emptyStats();
  for (const s of list) {
    for (const k of Object.keys(sum) as Array<keyof WorkerStats>) {
      sum[k] = MAX_KEYS.has(k) ? Math.max(sum[k], s[k] ?? 0) : sum[k] + (s[k] ?? 0);
    }
  }
  return sum;
}

export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: Math.round(sorted[sorted.length - 1]!) };
}

/** Messages between the coordinator and its worker processes (IPC). */
export type ToWorker = { t: 'start'; config: WorkerConfig } | { t: 'stop' };
export type FromWorker =
  | { t: 'stats'; worker: number; stats: WorkerStats }
  | { t: 'summary'; worker: number; stats: WorkerStats; connectMs: number[]; handshakeMs: number[]; timeToOnlineMs: number[] };

export interface WorkerConfig {
  worker: number;
  server: string;
  key: string;
  caPem: string;
  stateDir: string;
  /** Device numbers first..last (1-based, inclusive). */
  first: number;
  last: number;
  macPrefix: string;
  localAddresses: string[];
  enrollConcurrency: number;
  connectConcurrency: number;
  actionsFile?: string;
  /** Epoch ms the coordinator started; time-to-online is measured from here. */
  startedAt: number;
  statsEveryMs: number;
}

/**
 * The pace of the batched reads of connecting devices: the certificate-serial lookup, the
 * hello's "anything open?" and attribute-value lookups (lib/batch-loader.ts `paceMs`) and the
 * configuration delivery's pass. A batch that is not full waits until this long after the
 * previous one went out; a lookup on a quiet server goes at once.
 *
 * The pace is per process, and the workers of one host share its cores and its database: with W
 * workers each sees a W-th of a reconnect storm, so at one pace they send W times the statements,
 * each carrying a W-th of the devices — and a statement's fixed cost (a round trip that wakes a
 * database backend and then the worker, the driver's and the query builder's work) is most of
 * it. Measured in a 20,000-device PostgreSQL storm on two cores (docs/benchmarks.md, twenty-third
 * session): with 7 workers PostgreSQL spent 0.87–0.96 ms per reconnecting device, with 2 workers
 * 0.18–0.20 ms, and 0.46–0.61 ms with 7 workers at a five to seven times longer pace. So the pace
 * grows with the workers on the host: the host as a whole sends what one process would.
 */
export const LOOKUP_PACE_MS = 200;
/** The longest wait: a device's connect waits for at most two paced reads in a row. */
export const MAX_LOOKUP_PACE_MS = 1500;

/** The pace for a process that is one of `workersOnHost` workers of its host (1 for a single server). */
export function lookupPaceFor(workersOnHost: number): number {
  const w = Number.isFinite(workersOnHost) ? Math.max(1, Math.floor(workersOnHost)) : 1;
  return Math.min(MAX_LOOKUP_PACE_MS, LOOKUP_PACE_MS * w);
}

let processPace = LOOKUP_PACE_MS;

/**
 * Set once when a worker starts (main.ts), before anything paced is built: this process is one of
 * `workersOnHost`. A single server and in-process tests keep one process's pace.
 */
export function setWorkersOnHost(workersOnHost: number): void {
  processPace = lookupPaceFor(workersOnHost);
}

/** This process's pace (the default of every paced read). */
export function lookupPaceMs(): number {
  return processPace;
}

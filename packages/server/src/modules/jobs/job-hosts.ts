import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Host assignment (docs/jobs.md#host-assignment). A job may be pinned to a server host (the
 * registry's `servers.host`). Two kinds of scheduler claim and step runs:
 * - the cluster-wide one (`pinned: false`, lease `job-scheduler`): unpinned jobs, and pinned
 *   jobs whose host has no process `running` in the registry (fail-over);
 * - one per host (`pinned: true`, lease `job-host:<host>`, held by one process of that host):
 *   the jobs pinned to that host, whatever else runs.
 * `host` is the host of the process that executes, recorded on the runs it takes up.
 */
export interface RunnerScope {
  host: string;
  pinned: boolean;
}

/** This machine's name as the server registry records it (`servers.host`). */
const HERE = hostname();
/** The cluster-wide scheduler on this machine. */
export const clusterScope = (host: string = HERE): RunnerScope => ({ host, pinned: false });
/** This host's scheduler of the jobs pinned to it. */
export const hostScope = (host: string = HERE): RunnerScope => ({ host, pinned: true });

/** Lease names are at most 64 characters: a long host name is shortened with a hash of it. */
export function hostLeaseName(host: string): string {
  const name = `job-host:${host}`;
  if (name.length <= 64) return name;
  return `job-host:${host.slice(0, 38)}~${createHash('sha256').update(host).digest('hex').slice(0, 16)}`;
}

/** What a run shows when it ran on another host than the one its job was pinned to. */
export function failoverNote(pinnedTo: string | null, ranOn: string | null): string | null {
  return pinnedTo !== null && ranOn !== null && pinnedTo !== ranOn ? `host ${pinnedTo} unavailable; ran on ${ranOn}` : null;
}

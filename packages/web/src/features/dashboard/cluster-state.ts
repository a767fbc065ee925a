import type { CheckStatusResponse, ServerStatus } from '@openums/protocol';

export const STATE_LOOK: Record<ServerStatus, { label: string; color: string }> = {
  ok: { label: 'OK', color: 'green' },
  warn: { label: 'Needs attention', color: 'orange' },
  init: { label: 'Starting', color: 'blue' },
  err: { label: 'Error', color: 'red' },
};

const topic = (reason: string) => (/version/i.test(reason) ? 'version' : /clock/i.test(reason) ? 'clock' : null);

/**
 * What the dashboard lists under the cluster's state: the server's own reasons (what a load
 * balancer sees on /ums/check-status), except that a version or clock difference the server list
 * explains by host (`warnings`, from clusterWarnings) is shown in that wording only, not twice.
 */
export function clusterReasons(check: CheckStatusResponse | undefined, warnings: readonly string[]): string[] {
  const covered = new Set(warnings.map(topic).filter((t) => t !== null));
  const own = (check?.reasons ?? []).filter((r) => {
    const t = topic(r);
    return t === null || !covered.has(t);
  });
  return [...own, ...warnings];
}

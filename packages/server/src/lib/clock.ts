/** Time source; injected so tests can move time without sleeping. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

export const toIso = (ms: number | null | undefined): string | null => (ms ? new Date(ms).toISOString() : null);

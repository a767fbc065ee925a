/** Socket errors meaning the database server cannot be reached (Node system error codes). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
/** SQLSTATEs of a PostgreSQL that is down, shutting down, starting up or out of connections. */
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300']);
/** node-postgres's own errors for a lost or never-made connection (they carry no code). */
const PG_LOST = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/**
 * True when `err` says the database cannot be reached at the moment (PostgreSQL stopped,
 * restarting, unreachable, refusing connections), as opposed to a fault of the query: the
 * request may be retried once the database is back.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as Error & { code?: unknown }).code;
  if (typeof code === 'string' && (UNREACHABLE.has(code) || PG_UNAVAILABLE.has(code) || code.startsWith('08'))) return true;
  if (PG_LOST.test(err.message)) return true;
  // Node reports a refused connection to every address of a host name as an AggregateError.
  return err instanceof AggregateError && err.errors.some(isDatabaseUnavailable);
}

/** PostgreSQL's deadlock_detected: the server aborted this statement to break a lock cycle. */
export function isDeadlock(err: unknown): boolean {
  return err instanceof Error && (err as Error & { code?: unknown }).code === '40P01';
}

/**
 * Runs `work` again (up to `attempts` times, after a short random pause) when PostgreSQL breaks a
 * deadlock by aborting it. For bulk statements that may meet another process's bulk statement on
 * the same rows in another order — e.g. a worker starting up resets its devices while the lease
 * holder declares that worker's previous incarnation dead — where the loser simply does it again.
 */
export async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isDeadlock(err) || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 100 * attempt));
    }
  }
}

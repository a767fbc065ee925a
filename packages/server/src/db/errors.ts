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

/**
 * PostgreSQL rolled the whole transaction back to resolve a conflict with another one: a
 * deadlock (40P01) or a serialization failure (40001). Running the transaction again may succeed;
 * nothing of it was kept.
 */
export function isTransactionConflict(err: unknown): boolean {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return code === '40P01' || code === '40001';
}

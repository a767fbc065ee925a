import { ErrorCode } from '@openums/protocol';
import { AppError } from './errors.js';
import { isUnsafeText } from './text-safety.js';

export type CursorValue = string | number;

/**
 * Opaque keyset cursors: the sort they belong to plus the last row's sort key and id.
 * A cursor from another sort or a tampered one is refused, never misread.
 */
export function encodeCursor(sort: string, values: CursorValue[]): string {
  return Buffer.from(JSON.stringify({ s: sort, v: values })).toString('base64url');
}

export function decodeCursor(cursor: string, sort: string, types: Array<'string' | 'number'>): CursorValue[] {
  const bad = () =>
    new AppError(ErrorCode.InvalidCursor, 'cursor is not a cursor returned by this list (or the sort changed)', { field: 'cursor' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const p = parsed as { s?: unknown; v?: unknown };
  if (!p || p.s !== sort || !Array.isArray(p.v) || p.v.length !== types.length) throw bad();
  p.v.forEach((v, i) => {
    // Values go into the keyset query: a NUL or an id past the bigint range would fail there.
    if (typeof v !== types[i] || (typeof v === 'number' && !Number.isSafeInteger(v)) || (typeof v === 'string' && isUnsafeText(v)))
      throw bad();
  });
  return p.v as CursorValue[];
}

/**
 * Splits the `limit + 1` rows a repository returned into a page and the cursor of the next one
 * (null when this is the last page). `keyOf` gives the cursor values of a row.
 */
export function toPage<R>(
  rows: R[],
  limit: number,
  sort: string,
  keyOf: (row: R) => CursorValue[],
): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(sort, keyOf(last)) : null };
}

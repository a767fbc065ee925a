import { Type, type Static, type TSchema } from 'typebox';
import { ErrorCode } from '../errors.js';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(Object.values(ErrorCode).map((c) => Type.Literal(c))),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorResponse' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/**
 * A database id wherever a request carries one (path, query, body): a positive integer that
 * JavaScript numbers, SQLite and PostgreSQL `bigint` all hold exactly. Larger values are
 * refused with 400 instead of reaching the database.
 */
export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
export type Id = Static<typeof Id>;

/** Numeric ids in paths (IMI-compatible integer ids). */
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;

export const MAX_PAGE_LIMIT = 1000;
export const DEFAULT_PAGE_LIMIT = 100;

/** An opaque cursor; clients pass back what they received in `nextCursor`. */
export const Cursor = Type.String({ minLength: 1, maxLength: 512 });
export type Cursor = Static<typeof Cursor>;
export const PageLimit = Type.Integer({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT });
export type PageLimit = Static<typeof PageLimit>;

export const OkResponse = Type.Object({ ok: Type.Literal(true) });
export type OkResponse = Static<typeof OkResponse>;

/**
 * `T | null` as `type: [T, "null"]` rather than `anyOf`: the response serializer handles a
 * type list directly but has to run a validator per value for `anyOf`, which made a page of
 * 100 devices several times slower to serialize.
 */
export function Nullable<T extends TSchema>(schema: T, options: Record<string, unknown> = {}) {
  const { type } = schema as unknown as { type: string };
  return Type.Unsafe<Static<T> | null>({ ...schema, ...options, type: [type, 'null'] });
}

/** One page of a list: `{ items, nextCursor }`; pass `nextCursor` back as `cursor` for the next page. */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });
}

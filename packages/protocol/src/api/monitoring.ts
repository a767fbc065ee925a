import { Type, type Static } from 'typebox';

export const ServerStatus = Type.Union([Type.Literal('init'), Type.Literal('ok'), Type.Literal('warn'), Type.Literal('err')]);
export type ServerStatus = Static<typeof ServerStatus>;
export const CheckStatusResponse = Type.Object({
  status: ServerStatus,
  /** Why the status is not `ok` (e.g. clock skew between servers); absent when ok. */
  reasons: Type.Optional(Type.Array(Type.String())),
});
export type CheckStatusResponse = Static<typeof CheckStatusResponse>;

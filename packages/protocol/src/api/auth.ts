import { Type, type Static } from 'typebox';

export const LoginRequest = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 128 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

export const CurrentUser = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  role: Type.String(),
});
export type CurrentUser = Static<typeof CurrentUser>;

export const LoginResponse = Type.Object({
  token: Type.String({ description: 'Bearer token for automation: send as `Authorization: Bearer <token>`' }),
  csrfToken: Type.String({ description: 'Send as `X-CSRF-Token` on cookie-authenticated writes' }),
  expiresAt: Type.String({ format: 'date-time' }),
  user: CurrentUser,
});
export type LoginResponse = Static<typeof LoginResponse>;

export const MeResponse = Type.Object({
  user: CurrentUser,
  csrfToken: Type.Union([Type.String(), Type.Null()]),
  // Always sent by the server; optional in the type so a client can build a MeResponse from a
  // LoginResponse (the web app does after login) before asking /auth/me.
  superuser: Type.Optional(Type.Boolean()),
  /** The account's own general rights and those of every group it is in (directly or nested); all of them for a superuser. */
  generalRights: Type.Optional(Type.Array(Type.String())),
  /** How this request was authenticated: a login session, or an API token (`apiToken`). */
  via: Type.Optional(Type.Union([Type.Literal('session'), Type.Literal('apiToken')])),
});
export type MeResponse = Static<typeof MeResponse>;

/** Names of the session and CSRF cookies, shared by server and web app. */
export const SESSION_COOKIE = 'openums_session';
export const CSRF_COOKIE = 'openums_csrf';
export const CSRF_HEADER = 'x-csrf-token';

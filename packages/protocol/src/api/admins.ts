import { Type, type Static } from 'typebox';
import { ALL_GENERAL_RIGHTS, type GeneralRight } from '../general-rights.js';
import { Cursor, Id, Nullable, Page, PageLimit } from './common.js';

/** One of ALL_GENERAL_RIGHTS (Unsafe only to carry the static type: a mapped union of literals is typed `never`). */
export const GeneralRightName = Type.Unsafe<GeneralRight>(Type.Union(ALL_GENERAL_RIGHTS.map((r) => Type.Literal(r))));
export const GeneralRights = Type.Array(GeneralRightName, { maxItems: ALL_GENERAL_RIGHTS.length, uniqueItems: true });

/** Local account names: no control characters, no leading/trailing space. */
const Username = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[^\\s\\x00-\\x1f\\x7f](?:[^\\x00-\\x1f\\x7f]*[^\\s\\x00-\\x1f\\x7f])?$',
});
/** The policy (minimum length, reuse) is checked by the server: 400 PASSWORD_POLICY. */
const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const Admin = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  /** LDAP domain of a directory account; null = a local account. */
  domain: Nullable(Type.String()),
  superuser: Type.Boolean(),
  disabled: Type.Boolean(),
  /** Rights given to this account itself (not through groups). */
  generalRights: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Admin = Static<typeof Admin>;
export const AdminPage = Page(Admin);
export type AdminPage = Static<typeof AdminPage>;
export const ListAdminsQuery = Type.Object(
  { limit: Type.Optional(PageLimit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type ListAdminsQuery = Static<typeof ListAdminsQuery>;

export const CreateAdminRequest = Type.Object(
  {
    username: Username,
    password: Password,
    superuser: Type.Boolean(),
    generalRights: Type.Optional(GeneralRights),
  },
  { additionalProperties: false },
);
export type CreateAdminRequest = Static<typeof CreateAdminRequest>;

export const UpdateAdminRequest = Type.Object(
  {
    username: Type.Optional(Username),
    superuser: Type.Optional(Type.Boolean()),
    disabled: Type.Optional(Type.Boolean()),
    generalRights: Type.Optional(GeneralRights),
  },
  { additionalProperties: false },
);
export type UpdateAdminRequest = Static<typeof UpdateAdminRequest>;

export const ResetPasswordRequest = Type.Object({ password: Password }, { additionalProperties: false });
export type ResetPasswordRequest = Static<typeof ResetPasswordRequest>;
export const ChangePasswordRequest = Type.Object({ oldPassword: Password, newPassword: Password }, { additionalProperties: false });
export type ChangePasswordRequest = Static<typeof ChangePasswordRequest>;

export const PasswordPolicy = Type.Object(
  {
    minLength: Type.Integer({ minimum: 8, maximum: 128 }),
    /** How many of the account's last passwords (the current one included) may not be chosen again. */
    reuseCount: Type.Integer({ minimum: 0, maximum: 5 }),
  },
  { additionalProperties: false },
);
export type PasswordPolicy = Static<typeof PasswordPolicy>;

export const GroupMember = Type.Object(
  { type: Type.Union([Type.Literal('admin'), Type.Literal('group')]), id: Id },
  { additionalProperties: false },
);
export type GroupMember = Static<typeof GroupMember>;
const Members = Type.Array(GroupMember, { maxItems: 1000 });
const GroupName = Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\x00-\\x1f\\x7f]+$' });

export const AdminGroup = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  generalRights: Type.Array(Type.String()),
  members: Type.Array(Type.Object({ type: Type.String(), id: Type.Integer() })),
  createdAt: Type.String({ format: 'date-time' }),
});
export type AdminGroup = Static<typeof AdminGroup>;
export const AdminGroupList = Type.Object({ items: Type.Array(AdminGroup) });
export type AdminGroupList = Static<typeof AdminGroupList>;

export const CreateAdminGroupRequest = Type.Object(
  { name: GroupName, members: Type.Optional(Members), generalRights: Type.Optional(GeneralRights) },
  { additionalProperties: false },
);
export type CreateAdminGroupRequest = Static<typeof CreateAdminGroupRequest>;
export const UpdateAdminGroupRequest = Type.Object(
  { name: Type.Optional(GroupName), generalRights: Type.Optional(GeneralRights) },
  { additionalProperties: false },
);
export type UpdateAdminGroupRequest = Static<typeof UpdateAdminGroupRequest>;
export const GroupMembersRequest = Type.Object(
  { members: Type.Array(GroupMember, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
export type GroupMembersRequest = Static<typeof GroupMembersRequest>;

export const ApiToken = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  /** First characters of the token, to recognise it; the token itself is shown only once. */
  prefix: Type.String(),
  expiresAt: Nullable(Type.String({ format: 'date-time' })),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
  /** active | expired | revoked */
  status: Type.String(),
});
export type ApiToken = Static<typeof ApiToken>;
export const ApiTokenList = Type.Object({ items: Type.Array(ApiToken) });
export type ApiTokenList = Static<typeof ApiTokenList>;
export const CreateApiTokenRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\x00-\\x1f\\x7f]+$' }),
    expiresAt: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  },
  { additionalProperties: false },
);
export type CreateApiTokenRequest = Static<typeof CreateApiTokenRequest>;
export const CreatedApiToken = Type.Intersect([
  ApiToken,
  Type.Object({ token: Type.String({ description: 'Send as `Authorization: Bearer <token>`; shown only now' }) }),
]);
export type CreatedApiToken = Static<typeof CreatedApiToken>;
export const TokenParams = Type.Object({ id: Id, tokenId: Id }, { additionalProperties: false });
export type TokenParams = Static<typeof TokenParams>;

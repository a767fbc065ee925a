import { Type, type Static } from 'typebox';
import { Cursor, Id, Nullable, Page, PageLimit } from './common.js';

export const EnrollmentKeyType = Type.Union([Type.Literal('one-time'), Type.Literal('mass')]);
export type EnrollmentKeyType = Static<typeof EnrollmentKeyType>;

export const CreateEnrollmentKeysRequest = Type.Object(
  {
    type: EnrollmentKeyType,
    /** one-time: how many keys (1-1000); ignored when unitIds is given (one key per unit id). */
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** mass: how many enrollments the key allows; omitted = unlimited. */
    maxUses: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
    /** one-time: bind each key to one unit id (the device's MAC in most cases). */
    unitIds: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9:._-]+$' }), {
        minItems: 1,
        maxItems: 1000,
        uniqueItems: true,
      }),
    ),
    folderId: Type.Optional(Nullable(Id)),
    comment: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type CreateEnrollmentKeysRequest = Static<typeof CreateEnrollmentKeysRequest>;

export const EnrollmentKey = Type.Object({
  id: Type.Integer(),
  type: EnrollmentKeyType,
  /** First characters of the key, to recognise it in lists; the full key is shown only once. */
  prefix: Type.String(),
  unitId: Nullable(Type.String()),
  folderId: Nullable(Type.Integer()),
  maxUses: Nullable(Type.Integer()),
  uses: Type.Integer(),
  expiresAt: Nullable(Type.String({ format: 'date-time' })),
  disabled: Type.Boolean(),
  /** usable | used | expired | disabled */
  status: Type.String(),
  comment: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type EnrollmentKey = Static<typeof EnrollmentKey>;

export const CreatedEnrollmentKey = Type.Intersect([
  EnrollmentKey,
  Type.Object({ secret: Type.String({ description: 'The key to give to `openums-agent enroll --key`; shown only now' }) }),
]);
export type CreatedEnrollmentKey = Static<typeof CreatedEnrollmentKey>;
export const CreateEnrollmentKeysResponse = Type.Object({ keys: Type.Array(CreatedEnrollmentKey) });
export type CreateEnrollmentKeysResponse = Static<typeof CreateEnrollmentKeysResponse>;

export const EnrollmentKeyPage = Page(EnrollmentKey);
export type EnrollmentKeyPage = Static<typeof EnrollmentKeyPage>;
export const ListEnrollmentKeysQuery = Type.Object(
  { limit: Type.Optional(PageLimit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type ListEnrollmentKeysQuery = Static<typeof ListEnrollmentKeysQuery>;
export const UpdateEnrollmentKeyRequest = Type.Object({ disabled: Type.Boolean() }, { additionalProperties: false });
export type UpdateEnrollmentKeyRequest = Static<typeof UpdateEnrollmentKeyRequest>;

/** Automatic registration: devices may enroll without a key (off by default). */
export const EnrollmentSettings = Type.Object(
  { autoRegistration: Type.Boolean(), autoRegistrationFolderId: Nullable(Id) },
  { additionalProperties: false },
);
export type EnrollmentSettings = Static<typeof EnrollmentSettings>;

import { Type, type Static, type TObject, type TOptional, type TSchema } from 'typebox';
import { Id } from './api/common.js';

/**
 * Object rights (issue 11, ADR 0006; general rights are `general-rights.ts`), in the order the reference lists them. Each is set per
 * principal on one object or folder, as allow or deny; a right left out is "not set".
 * Evaluation (inheritance, deny wins, implied Browse) is the server's `modules/access/evaluate.ts`.
 */
export const OBJECT_RIGHTS = [
  'browse',
  'read',
  'write',
  'move',
  'editConfiguration',
  'editSystemInformation',
  'accessControl',
  /** Shadow (VNC) and secure terminal. */
  'remoteAccess',
  'sendMessage',
  /** Assign profile, file, update. */
  'assign',
  /** Reboot, suspend, shutdown, wake up. */
  'powerControl',
  /** Firmware update, factory reset, file transfer. */
  'firmwareControl',
] as const;
export type ObjectRight = (typeof OBJECT_RIGHTS)[number];

export const RIGHT_VALUES = ['allow', 'deny'] as const;
export type RightValue = (typeof RIGHT_VALUES)[number];

export const PRINCIPAL_TYPES = ['admin', 'group'] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/**
 * What can carry an access list. Later issues add their types (views, jobs, files, updates);
 * an object's ancestry is its folder chain in the tree of its kind.
 */
export const ACCESS_OBJECT_TYPES = ['device', 'device-folder', 'profile', 'profile-folder', 'view', 'view-folder'] as const;
export type AccessObjectType = (typeof ACCESS_OBJECT_TYPES)[number];

/** A union of string literals whose static type is the union of `values`. */
const literals = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      description ? { description } : {},
    ),
  );

export const RightValueSchema = literals(RIGHT_VALUES, "'allow' or 'deny'; leave the right out for not set");
export const PrincipalSchema = Type.Object(
  { type: literals(PRINCIPAL_TYPES), id: Id },
  { additionalProperties: false, description: 'An administrator account or a group of them' },
);
export type Principal = Static<typeof PrincipalSchema>;

function rightsObject<R extends string>(names: readonly R[], description: string) {
  const props: Record<string, TSchema> = {};
  for (const name of names) props[name] = Type.Optional(RightValueSchema);
  // Unknown right names are refused ("body.entries.0.rights has unknown field 'reboot'").
  return Type.Object(props, { additionalProperties: false, description }) as unknown as TObject<{
    [K in R]: TOptional<typeof RightValueSchema>;
  }>;
}

export const ObjectRightsSchema = rightsObject(OBJECT_RIGHTS, 'Object rights set by this entry; a right left out is not set');
export type ObjectRights = Partial<Record<ObjectRight, RightValue>>;

export const AccessEntry = Type.Object({ principal: PrincipalSchema, rights: ObjectRightsSchema }, { additionalProperties: false });
export type AccessEntry = Static<typeof AccessEntry>;

export const MAX_ACCESS_ENTRIES = 500;

/**
 * Body of PUT and answer of GET `/api/v1/{devices|device-folders|profiles|profile-folders}/:id/access`:
 * the whole access list of one object, replaced as a whole. A principal appears at most once
 * (the service refuses duplicates: JSON Schema cannot say "unique by principal").
 */
export const AccessList = Type.Object(
  { entries: Type.Array(AccessEntry, { maxItems: MAX_ACCESS_ENTRIES }) },
  { additionalProperties: false },
);
export type AccessList = Static<typeof AccessList>;

export const EffectiveAccessQuery = Type.Object({ adminId: Id }, { additionalProperties: false });
export type EffectiveAccessQuery = Static<typeof EffectiveAccessQuery>;

export const REASON_KINDS = ['superuser', 'direct', 'group', 'inherited', 'implied-browse', 'not-set'] as const;
export type ReasonKind = (typeof REASON_KINDS)[number];

export const AccessNodeRef = Type.Object({ type: literals(ACCESS_OBJECT_TYPES), id: Type.Integer() });
export type AccessNodeRef = Static<typeof AccessNodeRef>;

/**
 * Why a right is allowed or not. `node` is the object or folder whose entry decided (for
 * 'implied-browse' the object below that needs the path; for 'superuser' and 'not-set' the
 * object itself); `groupId` is the group whose entry decided, absent for the admin's own entry.
 */
export const RightReason = Type.Object({
  kind: literals(REASON_KINDS),
  node: AccessNodeRef,
  groupId: Type.Optional(Type.Integer()),
});
export type RightReason = Static<typeof RightReason>;

export const EffectiveRight = Type.Object({ allowed: Type.Boolean(), reason: RightReason });
export type EffectiveRight = Static<typeof EffectiveRight>;

const effectiveProps: Record<string, TSchema> = {};
for (const name of OBJECT_RIGHTS) effectiveProps[name] = EffectiveRight;

/** Answer of GET `…/:id/access/effective?adminId=`: every right with its reason. */
export const EffectiveAccess = Type.Object({
  adminId: Type.Integer(),
  object: AccessNodeRef,
  rights: Type.Object(effectiveProps) as unknown as TObject<{ [K in ObjectRight]: typeof EffectiveRight }>,
});
export type EffectiveAccess = Static<typeof EffectiveAccess>;

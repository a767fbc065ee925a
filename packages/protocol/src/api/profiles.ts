import { Type, type Static } from 'typebox';
import { Cursor, Page, PageLimit } from './common.js';

const SettingsMap = Type.Record(Type.String({ maxLength: 200 }), Type.Unknown(), {
  description: 'Activated parameters of the profile, by key (only these are applied)',
});

export const Profile = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.Union([Type.Literal('standard'), Type.Literal('priority')]),
  basedOn: Type.String(),
  settings: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Profile = Static<typeof Profile>;

export const CreateProfileRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' }),
    type: Type.Union([Type.Literal('standard'), Type.Literal('priority')]),
    basedOn: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    settings: Type.Optional(SettingsMap),
  },
  { additionalProperties: false },
);
export type CreateProfileRequest = Static<typeof CreateProfileRequest>;

export const UpdateProfileRequest = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' })),
    settings: Type.Optional(SettingsMap),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateProfileRequest = Static<typeof UpdateProfileRequest>;

export const ProfilePage = Page(Profile);
export const ListProfilesQuery = Type.Object({ limit: Type.Optional(PageLimit), cursor: Type.Optional(Cursor) }, { additionalProperties: false });

export const AssignmentTarget = Type.Object(
  { type: Type.Union([Type.Literal('device'), Type.Literal('folder')]), id: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export const AssignProfileRequest = Type.Object(
  {
    targets: Type.Array(AssignmentTarget, { minItems: 1, maxItems: 1000 }),
    apply: Type.Optional(Type.Union([Type.Literal('now'), Type.Literal('next-reboot')])),
  },
  { additionalProperties: false },
);
export type AssignProfileRequest = Static<typeof AssignProfileRequest>;

const Source = Type.Object({
  type: Type.String(),
  id: Type.Integer(),
  name: Type.String(),
  priority: Type.Boolean(),
  via: Type.String(),
  folderId: Type.Optional(Type.Integer()),
  folderName: Type.Optional(Type.String()),
});

export const EffectiveConfigurationResponse = Type.Object({
  parameters: Type.Array(
    Type.Object({
      key: Type.String(),
      value: Type.Unknown(),
      source: Source,
      overridden: Type.Array(Type.Object({ value: Type.Unknown(), source: Source })),
    }),
  ),
});

export const AssignedObjectsResponse = Type.Object({
  items: Type.Array(
    Type.Object({
      type: Type.String(),
      id: Type.Integer(),
      name: Type.String(),
      priority: Type.Boolean(),
      via: Type.String(),
      distance: Type.Integer(),
      folderId: Type.Optional(Type.Integer()),
      folderName: Type.Optional(Type.String()),
    }),
  ),
});

export const ProfileSettings = Type.Object({ priorityProfiles: Type.Boolean() }, { additionalProperties: false });
export type ProfileSettings = Static<typeof ProfileSettings>;

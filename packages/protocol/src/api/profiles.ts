import { Type, type Static } from 'typebox';
import { Cursor, Id, Nullable, Page, PageLimit } from './common.js';
import { ConfigChanges } from './devices.js';

const SettingsMap = Type.Record(Type.String({ maxLength: 200 }), Type.Unknown(), {
  description: 'Activated parameters of the profile, by key (only these are applied)',
});

/** When online devices take a change: at once, or when they next boot. */
export const ApplyMode = Type.Union([Type.Literal('now'), Type.Literal('next-reboot')], { default: 'now' });
export type ApplyMode = Static<typeof ApplyMode>;

export const Profile = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.Union([Type.Literal('standard'), Type.Literal('priority')]),
  basedOn: Type.String(),
  folderId: Nullable(Type.Integer({ description: 'Profile folder; null = top level' })),
  settings: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Profile = Static<typeof Profile>;

export const CreateProfileRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' }),
    type: Type.Union([Type.Literal('standard'), Type.Literal('priority')]),
    basedOn: Type.Optional(Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9]+(\\.[0-9]+)*$' })),
    folderId: Type.Optional(Nullable(Id)),
    settings: Type.Optional(SettingsMap),
  },
  { additionalProperties: false },
);
export type CreateProfileRequest = Static<typeof CreateProfileRequest>;

export const UpdateProfileRequest = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' })),
    folderId: Type.Optional(Nullable(Id)),
    /**
     * Replaces the activated parameters. A secret sent back as the mask ("********") keeps its
     * stored value, so a client can round-trip a profile it read.
     */
    settings: Type.Optional(SettingsMap),
    apply: Type.Optional(ApplyMode),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateProfileRequest = Static<typeof UpdateProfileRequest>;

export const CopyProfileRequest = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' })),
    folderId: Type.Optional(Nullable(Id)),
  },
  { additionalProperties: false },
);
export type CopyProfileRequest = Static<typeof CopyProfileRequest>;

export const ProfilePage = Page(Profile);
export type ProfilePage = Static<typeof ProfilePage>;
export const ListProfilesQuery = Type.Object(
  {
    limit: Type.Optional(PageLimit),
    cursor: Type.Optional(Cursor),
    folderId: Type.Optional(
      Type.Union([Type.Literal('root'), Id], {
        description: "Only profiles in this profile folder ('root' = top level); omit for all",
      }),
    ),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Case-insensitive name prefix' })),
  },
  { additionalProperties: false },
);
export type ListProfilesQuery = Static<typeof ListProfilesQuery>;

export const AssignmentTarget = Type.Object(
  { type: Type.Union([Type.Literal('device'), Type.Literal('folder')]), id: Id },
  { additionalProperties: false },
);
export type AssignmentTarget = Static<typeof AssignmentTarget>;
export const AssignProfileRequest = Type.Object(
  {
    targets: Type.Array(AssignmentTarget, { minItems: 1, maxItems: 1000 }),
    apply: Type.Optional(ApplyMode),
  },
  { additionalProperties: false },
);
export type AssignProfileRequest = Static<typeof AssignProfileRequest>;

/** Where a profile is assigned directly (not the devices it reaches through folders). */
export const ProfileAssignmentsResponse = Type.Object({
  items: Type.Array(
    Type.Object({
      type: Type.Union([Type.Literal('device'), Type.Literal('folder')]),
      id: Type.Integer(),
      name: Type.String(),
      assignedAt: Type.String({ format: 'date-time' }),
    }),
  ),
  nextCursor: Nullable(Type.String()),
});
export type ProfileAssignmentsResponse = Static<typeof ProfileAssignmentsResponse>;
/** One direct assignment of a profile (an item of ProfileAssignmentsResponse). */
export type ProfileAssignment = ProfileAssignmentsResponse['items'][number];

/** What a change would do, computed without saving anything. */
export const PreviewProfileChangeRequest = Type.Object(
  {
    settings: Type.Optional(SettingsMap),
    assign: Type.Optional(Type.Array(AssignmentTarget, { maxItems: 1000 })),
    unassign: Type.Optional(Type.Array(AssignmentTarget, { maxItems: 1000 })),
  },
  { additionalProperties: false },
);
export type PreviewProfileChangeRequest = Static<typeof PreviewProfileChangeRequest>;

export const SettingChange = Type.Object({
  key: Type.String(),
  before: Type.Unknown({ description: 'null = not set' }),
  after: Type.Unknown({ description: 'null = not set any more' }),
});
export type SettingChange = Static<typeof SettingChange>;
export const PreviewProfileChangeResponse = Type.Object({
  /** Devices the profile reaches before or after the change. */
  affectedDevices: Type.Integer(),
  /** Of those, devices whose effective configuration would change. */
  changedDevices: Type.Integer(),
  sample: Nullable(Type.Object({ deviceId: Type.Integer(), deviceName: Type.String(), changes: Type.Array(SettingChange) })),
});
export type PreviewProfileChangeResponse = Static<typeof PreviewProfileChangeResponse>;

export const ImportProfilesResponse = Type.Object({ created: Type.Array(Profile) });
export type ImportProfilesResponse = Static<typeof ImportProfilesResponse>;

export const ExportProfilesQuery = Type.Object(
  {
    ids: Type.String({ pattern: '^[0-9]{1,16}(,[0-9]{1,16}){0,999}$', description: 'Comma-separated profile ids' }),
    includeSecrets: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type ExportProfilesQuery = Static<typeof ExportProfilesQuery>;

// ── profile folders ──────────────────────────────────────────────────────────
export const ProfileFolder = Type.Object({ id: Type.Integer(), name: Type.String(), parentId: Nullable(Type.Integer()) });
export type ProfileFolder = Static<typeof ProfileFolder>;
export const ProfileFolderPage = Page(ProfileFolder);
export type ProfileFolderPage = Static<typeof ProfileFolderPage>;
export const CreateProfileFolderRequest = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }), parentId: Type.Optional(Nullable(Id)) },
  { additionalProperties: false },
);
export type CreateProfileFolderRequest = Static<typeof CreateProfileFolderRequest>;
export const UpdateProfileFolderRequest = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })), parentId: Type.Optional(Nullable(Id)) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateProfileFolderRequest = Static<typeof UpdateProfileFolderRequest>;

// ── a device's own configuration and delivery state ─────────────────────────
export const DeviceSettingsResponse = Type.Object({
  /** The device's own configuration: values reported by the device or set for it alone. */
  settings: Type.Record(Type.String(), Type.Unknown()),
  updatedAt: Nullable(Type.String({ format: 'date-time' })),
  /** PENDING until the device reports the newest revision applied; null = never configured. */
  configChanges: ConfigChanges,
  revision: Type.Integer(),
  apply: ApplyMode,
  appliedRevision: Nullable(Type.Integer()),
  appliedAt: Nullable(Type.String({ format: 'date-time' })),
  lastError: Nullable(Type.String()),
});
export type DeviceSettingsResponse = Static<typeof DeviceSettingsResponse>;

export const PutDeviceSettingsRequest = Type.Object(
  {
    /** Replaces the device's own configuration; keys must be in the catalogue. */
    settings: SettingsMap,
    apply: Type.Optional(ApplyMode),
  },
  { additionalProperties: false },
);
export type PutDeviceSettingsRequest = Static<typeof PutDeviceSettingsRequest>;

const Via = Type.Union([Type.Literal('direct'), Type.Literal('folder')]);
/** Where an effective parameter's value comes from: the device itself or a profile. */
export const ConfigSource = Type.Object({
  type: Type.Union([Type.Literal('device'), Type.Literal('profile')]),
  id: Type.Integer(),
  name: Type.String(),
  priority: Type.Boolean(),
  via: Via,
  folderId: Type.Optional(Type.Integer()),
  folderName: Type.Optional(Type.String()),
});
export type ConfigSource = Static<typeof ConfigSource>;

export const EffectiveConfigurationResponse = Type.Object({
  parameters: Type.Array(
    Type.Object({
      key: Type.String(),
      value: Type.Unknown(),
      source: ConfigSource,
      overridden: Type.Array(Type.Object({ value: Type.Unknown(), source: ConfigSource })),
    }),
  ),
});

export type EffectiveConfigurationResponse = Static<typeof EffectiveConfigurationResponse>;
export type EffectiveParameter = EffectiveConfigurationResponse['parameters'][number];

export const AssignedObjectsResponse = Type.Object({
  items: Type.Array(
    Type.Object({
      type: Type.Literal('profile'),
      id: Type.Integer(),
      name: Type.String(),
      priority: Type.Boolean(),
      via: Via,
      /** 0 = assigned to the device; 1 = its folder, 2 = the folder above, … */
      distance: Type.Integer(),
      folderId: Type.Optional(Type.Integer()),
      folderName: Type.Optional(Type.String()),
    }),
  ),
});

export type AssignedObjectsResponse = Static<typeof AssignedObjectsResponse>;
export type AssignedObject = AssignedObjectsResponse['items'][number];

/** `devices`: how many devices got a new settings revision. */
export const AssignProfileResponse = Type.Object({ assigned: Type.Integer(), devices: Type.Integer() });
export type AssignProfileResponse = Static<typeof AssignProfileResponse>;
export const UnassignProfileResponse = Type.Object({ removed: Type.Integer(), devices: Type.Integer() });
export type UnassignProfileResponse = Static<typeof UnassignProfileResponse>;

export const ProfileSettings = Type.Object({ priorityProfiles: Type.Boolean() }, { additionalProperties: false });
export type ProfileSettings = Static<typeof ProfileSettings>;

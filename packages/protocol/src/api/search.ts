import { Type, type Static } from 'typebox';
import { Nullable } from './common.js';

/**
 * Quick search (`GET /api/v1/search`, issue 12 item 4, ADR 0008): names of devices, device
 * folders, profiles, profile folders, saved views and view folders by case-insensitive substring or regular expression
 * (the view criteria's checked subset), grouped by type, only what the administrator may browse.
 */
export const SEARCH_TYPES = ['devices', 'device-folders', 'profiles', 'profile-folders', 'views', 'view-folders'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];
export const SEARCH_DEFAULT_LIMIT = 10;
export const SEARCH_MAX_LIMIT = 50;
/** Text up to 128 characters; a regular expression up to 256 (the view criteria's limit). */
export const SEARCH_TEXT_MAX = 128;
export const SEARCH_REGEX_MAX = 256;

const TYPE_ALT = SEARCH_TYPES.join('|');

export const SearchQuery = Type.Object(
  {
    q: Type.String({
      minLength: 1,
      maxLength: SEARCH_REGEX_MAX,
      description: 'Text (case-insensitive substring, ≤ 128 characters) or, with regex=true, a regular expression (docs/views.md)',
    }),
    regex: Type.Optional(Type.Boolean({ default: false, description: 'q is a regular expression (case-insensitive)' })),
    types: Type.Optional(
      Type.String({
        pattern: `^(${TYPE_ALT})(,(${TYPE_ALT}))*$`,
        maxLength: 200,
        description: `Comma-separated: ${SEARCH_TYPES.join(', ')} (default: all)`,
      }),
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: SEARCH_MAX_LIMIT, default: SEARCH_DEFAULT_LIMIT, description: 'Results per type' }),
    ),
  },
  { additionalProperties: false },
);
export type SearchQuery = Static<typeof SearchQuery>;

export const DeviceHit = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  folderId: Nullable(Type.Integer()),
  mac: Type.String(),
  unitId: Nullable(Type.String()),
  lastIp: Nullable(Type.String()),
  serialNumber: Nullable(Type.String()),
  online: Type.Boolean(),
});
export type DeviceHit = Static<typeof DeviceHit>;

/** A device or profile folder: `parentId` null at the top level. */
export const FolderHit = Type.Object({ id: Type.Integer(), name: Type.String(), parentId: Nullable(Type.Integer()) });
export type FolderHit = Static<typeof FolderHit>;

export const ProfileHit = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  folderId: Nullable(Type.Integer()),
  type: Type.Union([Type.Literal('standard'), Type.Literal('priority')]),
});
export type ProfileHit = Static<typeof ProfileHit>;

export const ViewHit = Type.Object({ id: Type.Integer(), name: Type.String(), folderId: Nullable(Type.Integer()) });
export type ViewHit = Static<typeof ViewHit>;

/** The first `limit` matches of one type by name; `more` = there are further matches. */
const Group = <T extends Parameters<typeof Type.Array>[0]>(item: T) => Type.Object({ items: Type.Array(item), more: Type.Boolean() });

/** Only the groups asked for (`types`) are present. */
export const SearchResponse = Type.Object({
  devices: Type.Optional(Group(DeviceHit)),
  deviceFolders: Type.Optional(Group(FolderHit)),
  profiles: Type.Optional(Group(ProfileHit)),
  profileFolders: Type.Optional(Group(FolderHit)),
  views: Type.Optional(Group(ViewHit)),
  viewFolders: Type.Optional(Group(FolderHit)),
});
export type SearchResponse = Static<typeof SearchResponse>;

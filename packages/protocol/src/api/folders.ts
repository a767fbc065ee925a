import { Type, type Static } from 'typebox';
import { Cursor, Id, Nullable, Page, PageLimit } from './common.js';

export const FOLDER_NAME_MAX = 100;
const FolderName = Type.String({ minLength: 1, maxLength: FOLDER_NAME_MAX, pattern: '\\S' });
/** null = the root of the device tree. */
const ParentId = Nullable(Id);

export const DeviceFolder = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  parentId: Nullable(Type.Integer()),
  childCount: Type.Integer({ description: 'Direct sub-folders' }),
  deviceCount: Type.Integer({ description: 'Devices directly in this folder' }),
  totalDeviceCount: Type.Integer({ description: 'Devices in this folder and all its sub-folders' }),
});
export type DeviceFolder = Static<typeof DeviceFolder>;

export const CreateFolderRequest = Type.Object({ name: FolderName, parentId: Type.Optional(ParentId) }, { additionalProperties: false });
export type CreateFolderRequest = Static<typeof CreateFolderRequest>;

export const UpdateFolderRequest = Type.Object(
  { name: Type.Optional(FolderName), parentId: Type.Optional(ParentId) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateFolderRequest = Static<typeof UpdateFolderRequest>;

export const ListFoldersQuery = Type.Object(
  {
    parentId: Type.Optional(
      Type.Union([Type.Literal('root'), Id], {
        description: "Only the direct children of this folder ('root' for top level); omit for all folders",
      }),
    ),
    limit: Type.Optional(PageLimit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type ListFoldersQuery = Static<typeof ListFoldersQuery>;

export const FolderPage = Page(DeviceFolder);
export type FolderPage = Static<typeof FolderPage>;

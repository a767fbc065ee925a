import { Type, type Static } from 'typebox';
import { Cursor, Id, Nullable, Page, PageLimit } from './common.js';
import { ViewCriteriaSchema, type ViewCriteria } from './views.js';

/** Saved views (issue 12 item 1): named criteria in a tree of view folders, evaluated when asked. */
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
const Description = Type.String({ maxLength: 1000 });

export const ViewFolder = Type.Object({ id: Type.Integer(), name: Type.String(), parentId: Nullable(Type.Integer()) });
export type ViewFolder = Static<typeof ViewFolder>;
export const ViewFolderPage = Page(ViewFolder);
export type ViewFolderPage = Static<typeof ViewFolderPage>;
export const CreateViewFolderRequest = Type.Object({ name: Name, parentId: Type.Optional(Nullable(Id)) }, { additionalProperties: false });
export type CreateViewFolderRequest = Static<typeof CreateViewFolderRequest>;
export const UpdateViewFolderRequest = Type.Object(
  { name: Type.Optional(Name), parentId: Type.Optional(Nullable(Id)) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateViewFolderRequest = Static<typeof UpdateViewFolderRequest>;

/** Criteria in answers: passed through whole (a bare object schema would serialize as `{}`). */
const SavedCriteria = Type.Unsafe<ViewCriteria>({
  type: 'object',
  additionalProperties: true,
  description: 'The criteria as saved (docs/views.md)',
});

export const View = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  folderId: Nullable(Type.Integer()),
  criteria: SavedCriteria,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type View = Static<typeof View>;
export const ViewPage = Page(View);
export type ViewPage = Static<typeof ViewPage>;

export const ListViewsQuery = Type.Object(
  {
    limit: Type.Optional(PageLimit),
    cursor: Type.Optional(Cursor),
    folderId: Type.Optional(
      Type.Union([Type.Literal('root'), Id], { description: "Views in this folder ('root' = views in no folder); omit for all views" }),
    ),
  },
  { additionalProperties: false },
);
export type ListViewsQuery = Static<typeof ListViewsQuery>;

export const CreateViewRequest = Type.Object(
  { name: Name, description: Type.Optional(Description), folderId: Type.Optional(Nullable(Id)), criteria: ViewCriteriaSchema },
  { additionalProperties: false },
);
export type CreateViewRequest = Static<typeof CreateViewRequest>;
export const UpdateViewRequest = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    folderId: Type.Optional(Nullable(Id)),
    criteria: Type.Optional(ViewCriteriaSchema),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateViewRequest = Static<typeof UpdateViewRequest>;

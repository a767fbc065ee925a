import { Type, type Static } from 'typebox';
import { Cursor, Id, Nullable, Page, PageLimit } from './common.js';
import { JobSchedule } from './jobs.js';
import { MailAddress } from './mail.js';
import { ApplyMode } from './profiles.js';
import { VIEW_EXPORT_MAX_COLUMNS, ViewExportFormat } from './view-actions.js';

/**
 * Administrative tasks (`/api/v1/admin-tasks`): work on the server itself, scheduled like jobs
 * (the same `schedule`), each run recorded. One type per task; `options` depend on the type.
 */
export const ADMIN_TASK_TYPES = [
  'backup',
  'purgeAuditLog',
  'purgeTaskHistory',
  'deleteStaleDevices',
  'mailNotificationSummary',
  'assignProfilesToView',
  'exportView',
] as const;
export type AdminTaskType = (typeof ADMIN_TASK_TYPES)[number];

const Days = Type.Integer({ minimum: 1, maximum: 3650 });
/** An absolute directory on the server. */
const Directory = Type.String({ minLength: 2, maxLength: 1024, pattern: '^/[^\\x00]*$' });
/** How many files of a task are kept; older ones of this task are deleted after a successful run. */
const Keep = Type.Integer({ minimum: 1, maximum: 1000 });
const Recipients = Type.Array(MailAddress, { minItems: 1, maxItems: 50, uniqueItems: true });

/** Where an `exportView` task delivers the file: mailed as an attachment, or written into a directory. */
export const AdminTaskExportTarget = Type.Union([
  Type.Object({ mail: Recipients }, { additionalProperties: false }),
  Type.Object(
    {
      /** Must exist and be writable by the server (checked when saved and before each run). */
      directory: Directory,
      /** Files of this task kept in the directory (default: all). */
      keep: Type.Optional(Keep),
    },
    { additionalProperties: false },
  ),
]);
export type AdminTaskExportTarget = Static<typeof AdminTaskExportTarget>;

export const AdminTaskOptions = Type.Union([
  Type.Object(
    {
      type: Type.Literal('backup'),
      /** Where backups are written (must exist and be writable by the server). */
      directory: Directory,
      /** How many backups are kept; older ones of this task are deleted after a successful run. */
      keep: Keep,
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('purgeAuditLog'), olderThanDays: Days }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('purgeTaskHistory'), olderThanDays: Days }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('deleteStaleDevices'),
      /** Devices without contact for this many days (never-contacted ones by their registration). */
      noContactDays: Days,
      /** At most this many per run (the run lists them). */
      limit: Type.Integer({ minimum: 1, maximum: 10_000 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('mailNotificationSummary'),
      recipients: Recipients,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      /** The devices of this saved view at run time get the profiles (as POST /views/{id}/assign-profiles). */
      type: Type.Literal('assignProfilesToView'),
      viewId: Id,
      profileIds: Type.Array(Id, { minItems: 1, maxItems: 20, uniqueItems: true }),
      apply: Type.Optional(ApplyMode),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      /** The devices of this saved view at run time, exported (as GET /views/{id}/export) and mailed or written to a file. */
      type: Type.Literal('exportView'),
      viewId: Id,
      format: ViewExportFormat,
      /** Device fields and `attribute:<identifier>` (default: the export's default columns). */
      columns: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 120 }), { minItems: 1, maxItems: VIEW_EXPORT_MAX_COLUMNS })),
      to: AdminTaskExportTarget,
    },
    { additionalProperties: false },
  ),
]);
export type AdminTaskOptions = Static<typeof AdminTaskOptions>;

export const CreateAdminTaskRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    options: AdminTaskOptions,
    schedule: JobSchedule,
    enabled: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type CreateAdminTaskRequest = Static<typeof CreateAdminTaskRequest>;
export const UpdateAdminTaskRequest = Type.Partial(CreateAdminTaskRequest, { additionalProperties: false });
export type UpdateAdminTaskRequest = Static<typeof UpdateAdminTaskRequest>;

export const AdminTask = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.String(),
  options: AdminTaskOptions,
  schedule: JobSchedule,
  enabled: Type.Boolean(),
  nextRunAt: Nullable(Type.String({ format: 'date-time' })),
  lastRunAt: Nullable(Type.String({ format: 'date-time' })),
  lastState: Nullable(Type.String()),
  /** What the last finished run said (its history has every run). */
  lastMessage: Nullable(Type.String()),
  createdBy: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
});
export type AdminTask = Static<typeof AdminTask>;
export const AdminTaskPage = Page(AdminTask);
export type AdminTaskPage = Static<typeof AdminTaskPage>;
export const ListAdminTasksQuery = Type.Object(
  { limit: Type.Optional(PageLimit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type ListAdminTasksQuery = Static<typeof ListAdminTasksQuery>;

export const AdminTaskRun = Type.Object({
  id: Type.Integer(),
  taskId: Type.Integer(),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  state: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]),
  message: Nullable(Type.String()),
});
export type AdminTaskRun = Static<typeof AdminTaskRun>;
export const AdminTaskRunPage = Page(AdminTaskRun);
export type AdminTaskRunPage = Static<typeof AdminTaskRunPage>;
export const AdminTaskIdParams = Type.Object({ id: Id });

import { Type, type Static } from 'typebox';
import { COMMAND_NAMES } from '../agent/messages.js';
import { Cursor, Id, Nullable, Page, PageLimit } from './common.js';

/**
 * Scheduled jobs (issue 13, docs/jobs.md): a command for devices, folders (recursive) and saved
 * views, resolved each time the job runs, once or on a schedule; every run keeps a state per device.
 */
export const JOB_COMMANDS = [...COMMAND_NAMES, 'settings-to-device'] as const;
export type JobCommand = (typeof JOB_COMMANDS)[number];

export const JobTarget = Type.Object(
  { type: Type.Union([Type.Literal('device'), Type.Literal('folder'), Type.Literal('view')]), id: Id },
  { additionalProperties: false },
);
export type JobTarget = Static<typeof JobTarget>;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** A union of string literals (Unsafe only to carry the static type: a mapped union is typed `never`). */
const oneOf = <T extends string>(xs: readonly T[]) => Type.Unsafe<T>(Type.Union(xs.map((x) => Type.Literal(x))));
const Weekday = oneOf(WEEKDAYS);

/** Recurrence: exactly one of the forms. `time` is HH:MM in `timeZone` (default UTC). */
export const JobRepeat = Type.Union([
  Type.Object({ everyMinutes: Type.Integer({ minimum: 1, maximum: 525_600 }) }, { additionalProperties: false }),
  Type.Object({ everyHours: Type.Integer({ minimum: 1, maximum: 8760 }) }, { additionalProperties: false }),
  Type.Object({ everyDays: Type.Integer({ minimum: 1, maximum: 366 }) }, { additionalProperties: false }),
  Type.Object(
    {
      weekdays: Type.Array(Weekday, { minItems: 1, maxItems: 7, uniqueItems: true }),
      time: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }),
      timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { cron: Type.String({ minLength: 1, maxLength: 200 }), timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
    { additionalProperties: false },
  ),
]);
export type JobRepeat = Static<typeof JobRepeat>;

export const JobSchedule = Type.Object(
  { startAt: Type.String({ format: 'date-time' }), repeat: Type.Optional(Type.Union([JobRepeat, Type.Null()])) },
  { additionalProperties: false },
);
export type JobSchedule = Static<typeof JobSchedule>;

/** Defaults: no log line, no retry, 100 threads, no delay, 30 s timeout (the reference's), 40 min expiry (the issue's). */
export const JOB_OPTION_DEFAULTS = {
  logResults: false,
  retryNextBoot: false,
  maxThreads: 100,
  delaySeconds: 0,
  timeoutSeconds: 30,
  expiryMinutes: 40,
} as const;

export const JobOptions = Type.Object(
  {
    logResults: Type.Optional(Type.Boolean()),
    retryNextBoot: Type.Optional(Type.Boolean()),
    maxThreads: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    delaySeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    expiryMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 43_200 })),
  },
  { additionalProperties: false },
);
export type JobOptions = Static<typeof JobOptions>;

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
/** A server host name as the server registry records it. */
const HostName = Type.String({ minLength: 1, maxLength: 255, pattern: '^\\S+$' });

export const CreateJobRequest = Type.Object(
  {
    name: Name,
    command: oneOf(JOB_COMMANDS),
    /** send-message: the text shown on the device. */
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    targets: Type.Array(JobTarget, { minItems: 1, maxItems: 1000 }),
    schedule: JobSchedule,
    enabled: Type.Optional(Type.Boolean()),
    comment: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    folderId: Type.Optional(Nullable(Id)),
    options: Type.Optional(JobOptions),
    /**
     * Host assignment: the server host (`GET /api/v1/servers` items' `host`) whose processes run
     * the job while one of them is running; null or absent = any server of the cluster.
     */
    host: Type.Optional(Nullable(HostName)),
  },
  { additionalProperties: false },
);
export type CreateJobRequest = Static<typeof CreateJobRequest>;

/** A change replaces the fields given; `schedule` and `targets` are replaced whole. */
export const UpdateJobRequest = Type.Partial(CreateJobRequest, { additionalProperties: false });
export type UpdateJobRequest = Static<typeof UpdateJobRequest>;

export const Job = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  command: Type.String(),
  text: Nullable(Type.String()),
  targets: Type.Array(JobTarget),
  schedule: Type.Object({ startAt: Type.String(), repeat: Type.Union([JobRepeat, Type.Null()]) }),
  enabled: Type.Boolean(),
  comment: Nullable(Type.String()),
  folderId: Nullable(Type.Integer()),
  /** The server host the job is pinned to (null: any server). */
  host: Nullable(Type.String()),
  options: Type.Object({
    logResults: Type.Boolean(),
    retryNextBoot: Type.Boolean(),
    maxThreads: Type.Integer(),
    delaySeconds: Type.Integer(),
    timeoutSeconds: Type.Integer(),
    expiryMinutes: Type.Integer(),
  }),
  /** The next planned run (null: once and done, or disabled). */
  nextRunAt: Nullable(Type.String()),
  createdBy: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type Job = Static<typeof Job>;
export const JobPage = Page(Job);
export const ListJobsQuery = Type.Object(
  { limit: Type.Optional(PageLimit), cursor: Type.Optional(Cursor), folderId: Type.Optional(Id) },
  { additionalProperties: false },
);
export type ListJobsQuery = Static<typeof ListJobsQuery>;

export const JOB_DEVICE_STATES = ['queued', 'sent', 'succeeded', 'failed', 'timedOut', 'expired', 'skipped', 'cancelled'] as const;
export type JobDeviceState = (typeof JOB_DEVICE_STATES)[number];
/** running → finished | cancelled; missed and targetGone runs never reached a device. */
export const JOB_RUN_STATES = ['running', 'finished', 'cancelled', 'missed', 'targetGone'] as const;
export type JobRunState = (typeof JOB_RUN_STATES)[number];

export const JobRun = Type.Object({
  id: Type.Integer(),
  jobId: Type.Integer(),
  trigger: Type.Union([Type.Literal('schedule'), Type.Literal('manual')]),
  state: oneOf(JOB_RUN_STATES),
  message: Nullable(Type.String()),
  plannedAt: Type.String(),
  startedAt: Type.String(),
  expiresAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  createdBy: Nullable(Type.String()),
  /** The host whose server process executed the run (null until a process took it up). */
  server: Nullable(Type.String()),
  total: Type.Integer(),
  /** Devices per state (states without devices are 0). */
  counts: Type.Record(Type.String(), Type.Integer()),
});
export type JobRun = Static<typeof JobRun>;
export const JobRunPage = Page(JobRun);
export const JobRunsQuery = Type.Object(
  { limit: Type.Optional(PageLimit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export const JobRunDevicesQuery = Type.Object(
  {
    limit: Type.Optional(PageLimit),
    cursor: Type.Optional(Cursor),
    state: Type.Optional(oneOf(JOB_DEVICE_STATES)),
  },
  { additionalProperties: false },
);
export type JobRunDevicesQuery = Static<typeof JobRunDevicesQuery>;
export const JobRunDevice = Type.Object({
  deviceId: Type.Integer(),
  state: oneOf(JOB_DEVICE_STATES),
  message: Nullable(Type.String()),
  commandId: Nullable(Type.Integer()),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
});
export const JobRunDevicePage = Page(JobRunDevice);
export const StartJobRunResponse = Type.Object({ runId: Type.Integer() });
export const RunIdParams = Type.Object({ runId: Id }, { additionalProperties: false });

/** Job folders nest: `parentId` null is the top level; a name is unique among its siblings. */
export const JobFolder = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  parentId: Nullable(Type.Integer()),
  createdAt: Type.String(),
});
export type JobFolder = Static<typeof JobFolder>;
export const CreateJobFolderRequest = Type.Object({ name: Name, parentId: Type.Optional(Nullable(Id)) }, { additionalProperties: false });
export type CreateJobFolderRequest = Static<typeof CreateJobFolderRequest>;
/** Rename and/or move (`parentId` null: to the top level); a move under itself or a descendant is FOLDER_CYCLE. */
export const UpdateJobFolderRequest = Type.Object(
  { name: Type.Optional(Name), parentId: Type.Optional(Nullable(Id)) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateJobFolderRequest = Static<typeof UpdateJobFolderRequest>;

/** Calendar windows: at most this many days between `from` and `to`, at most this many entries. */
export const JOB_CALENDAR_MAX_DAYS = 31;
export const JOB_CALENDAR_MAX_ITEMS = 1000;
/** Epoch milliseconds up to the largest date JavaScript holds. */
const EpochMs = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });
export const JobCalendarQuery = Type.Object(
  {
    /** Start of the window, epoch ms (default now). */
    from: Type.Optional(EpochMs),
    /** End of the window, epoch ms (default `from` + 7 days); at most 31 days after `from`. */
    to: Type.Optional(EpochMs),
  },
  { additionalProperties: false },
);
export type JobCalendarQuery = Static<typeof JobCalendarQuery>;
export const JobCalendarEntry = Type.Object({ jobId: Type.Integer(), name: Type.String(), at: Type.Integer() });
export type JobCalendarEntry = Static<typeof JobCalendarEntry>;
/** Planned runs of enabled jobs in the window, by time; `truncated` when more than 1,000 fell in it. */
export const JobCalendar = Type.Object({ items: Type.Array(JobCalendarEntry), truncated: Type.Boolean() });
export type JobCalendar = Static<typeof JobCalendar>;

/** History older than this many days is deleted (default 30). */
export const JobSettings = Type.Object({ historyDays: Type.Integer({ minimum: 1, maximum: 3650 }) }, { additionalProperties: false });
export type JobSettings = Static<typeof JobSettings>;

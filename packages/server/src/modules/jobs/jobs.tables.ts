import type { Generated, Kysely, Selectable } from 'kysely';

// The jobs module's tables (migrations 20261211T1600-jobs, 20261213T1000-job-host-folders), its row types and their normalisers
// (numbers from PostgreSQL's bigint come back as strings).

/** Tables of migration 20261211T1600-jobs (typed here: the module owns them). */
export interface JobsTable {
  id: Generated<number>;
  folder_id: number | null;
  name: string;
  command: string;
  text: string | null;
  targets_json: string;
  start_at: number;
  repeat_json: string | null;
  enabled: number;
  comment: string | null;
  options_json: string;
  next_run_at: number | null;
  created_by: string | null;
  created_by_id: number | null;
  created_at: number;
  updated_at: number;
  /** Host assignment (null: any server). */
  host: string | null;
}
export interface JobRunsTable {
  id: Generated<number>;
  job_id: number;
  trigger: string;
  state: string;
  message: string | null;
  command: string;
  text: string | null;
  options_json: string;
  planned_at: number;
  started_at: number;
  expires_at: number;
  finished_at: number | null;
  last_start_at: number | null;
  resolved: number;
  created_by: string | null;
  /** The host the job was pinned to when the run was created; `server` the host that executed it. */
  host: string | null;
  server: string | null;
}
export interface JobRunDevicesTable {
  run_id: number;
  device_id: number;
  state: string;
  deferred: number;
  message: string | null;
  command_id: number | null;
  started_at: number | null;
  finished_at: number | null;
}
export interface JobFoldersTable {
  id: Generated<number>;
  name: string;
  created_at: number;
  parent_id: number | null;
}
export interface JobsDatabase {
  jobs: JobsTable;
  job_runs: JobRunsTable;
  job_run_devices: JobRunDevicesTable;
  job_folders: JobFoldersTable;
  devices: { id: number; online: number; folder_id: number | null };
  device_folders: { id: number };
  commands: { id: number; state: string; message: string | null; finished_at: number | null };
  users: { id: number; superuser: number; disabled: number };
  servers: { id: string; host: string; status: string };
}
export type JDb = Kysely<JobsDatabase>;

export type JobRow = Selectable<JobsTable>;
export type JobRunRow = Selectable<JobRunsTable>;
export type JobRunDeviceRow = JobRunDevicesTable;
export interface JobFolderRow {
  id: number;
  name: string;
  created_at: number;
  parent_id: number | null;
}

export const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
export const jobRow = (r: JobRow): JobRow => ({
  ...r,
  id: Number(r.id),
  folder_id: num(r.folder_id),
  start_at: Number(r.start_at),
  enabled: Number(r.enabled),
  next_run_at: num(r.next_run_at),
  created_by_id: num(r.created_by_id),
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
});
export const runRow = (r: JobRunRow): JobRunRow => ({
  ...r,
  id: Number(r.id),
  job_id: Number(r.job_id),
  planned_at: Number(r.planned_at),
  started_at: Number(r.started_at),
  expires_at: Number(r.expires_at),
  finished_at: num(r.finished_at),
  last_start_at: num(r.last_start_at),
  resolved: Number(r.resolved),
});
export const deviceRow = (r: JobRunDevicesTable): JobRunDeviceRow => ({
  ...r,
  run_id: Number(r.run_id),
  device_id: Number(r.device_id),
  deferred: Number(r.deferred),
  command_id: num(r.command_id),
  started_at: num(r.started_at),
  finished_at: num(r.finished_at),
});

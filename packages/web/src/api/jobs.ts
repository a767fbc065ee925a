import type {
  CreateJobRequest,
  JobSettings,
  Job as ProtocolJob,
  JobDeviceState,
  JobRun as ProtocolJobRun,
  JobTarget,
  UpdateJobRequest,
} from '@openums/protocol';
import { api } from './client';

export type { JobDeviceState, JobTarget };

/** `host`: the server host the job is pinned to (null: any). Typed here until the protocol's Job carries it. */
export type Job = ProtocolJob & { host?: string | null };
/** `server`: the host that ran it. */
export type JobRun = ProtocolJobRun & { server?: string | null };
export type JobBody = CreateJobRequest & { host?: string | null };
export type JobPatch = UpdateJobRequest & { host?: string | null };

export interface JobRunDevice {
  deviceId: number;
  state: JobDeviceState;
  message: string | null;
  commandId: number | null;
  startedAt: string | null;
  finishedAt: string | null;
}
interface Paged<T> {
  items: T[];
  nextCursor: string | null;
}
/** Job folders nest: `parentId` null is the top level. */
export interface JobFolder {
  id: number;
  name: string;
  parentId: number | null;
}
export interface JobCalendarEntry {
  jobId: number;
  name: string;
  /** ISO date-time, or epoch ms. */
  at: string | number;
}

const JOBS = '/api/v1/jobs';
const RUNS = '/api/v1/job-runs';
const FOLDERS = '/api/v1/job-folders';
export const JOB_RUN_DEVICES_PAGE = 50;
/** The calendar API answers at most this span at once. */
export const CALENDAR_MAX_DAYS = 31;

/** Jobs by id (a page of 200); with `folderId` only the jobs filed directly in that folder. */
export const listJobs = (cursor?: string, signal?: AbortSignal, folderId?: number | null) =>
  api.get<Paged<Job>>(JOBS, { limit: 200, cursor, folderId: folderId ?? undefined }, signal);
export const getJob = (id: number, signal?: AbortSignal) => api.get<Job>(`${JOBS}/${id}`, undefined, signal);
/** Targets need browse (folders, views) or the command's right (devices); bad fields: VALIDATION_FAILED with `details.field`. */
export const createJob = (body: JobBody) => api.post<Job>(JOBS, body);
export const updateJob = (id: number, body: JobPatch) => api.patch<Job>(`${JOBS}/${id}`, body);
export const deleteJob = (id: number) => api.delete(`${JOBS}/${id}`);
/** Starts a run now; the schedule is unchanged. */
export const runJob = (id: number) => api.post<{ runId: number }>(`${JOBS}/${id}/run`);
/** Newest first, with device counts per state. */
export const listJobRuns = (id: number, limit = 20, cursor?: string, signal?: AbortSignal) =>
  api.get<Paged<JobRun>>(`${JOBS}/${id}/runs`, { limit, cursor }, signal);
export const getJobRun = (runId: number, signal?: AbortSignal) => api.get<JobRun>(`${RUNS}/${runId}`, undefined, signal);
export const listJobRunDevices = (runId: number, query: { state?: JobDeviceState; cursor?: string }, signal?: AbortSignal) =>
  api.get<Paged<JobRunDevice>>(`${RUNS}/${runId}/devices`, { limit: JOB_RUN_DEVICES_PAGE, ...query }, signal);
/** Devices not reached yet are cancelled; those in flight finish. */
export const cancelJobRun = (runId: number) => api.post<JobRun>(`${RUNS}/${runId}/cancel`);

/** Every job folder (they are few: pages of 1,000). */
export async function listJobFolders(signal?: AbortSignal): Promise<JobFolder[]> {
  const all: JobFolder[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<{ items: JobFolder[]; nextCursor?: string | null }>(FOLDERS, { limit: 1000, cursor }, signal);
    all.push(...page.items.map((f) => ({ ...f, parentId: f.parentId ?? null })));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}
export const createJobFolder = (body: { name: string; parentId?: number | null }) => api.post<JobFolder>(FOLDERS, body);
/** Rename and/or move (`parentId` null: to the top level). */
export const updateJobFolder = (id: number, body: { name?: string; parentId?: number | null }) =>
  api.patch<JobFolder>(`${FOLDERS}/${id}`, body);
/** Refused (409 FOLDER_NOT_EMPTY) while it has sub-folders; its jobs move to its parent. */
export const deleteJobFolder = (id: number) => api.delete(`${FOLDERS}/${id}`);

/** Planned runs of enabled jobs between two instants (at most 31 days apart), in time order. */
export const listJobCalendar = (from: number, to: number, signal?: AbortSignal) =>
  api.get<{ items: JobCalendarEntry[]; truncated: boolean }>(`${JOBS}/calendar`, { from, to }, signal);

/** How long finished runs are kept (general right `jobs`). */
export const getJobSettings = (signal?: AbortSignal) => api.get<JobSettings>('/api/v1/settings/jobs', undefined, signal);
export const putJobSettings = (body: JobSettings) => api.put<JobSettings>('/api/v1/settings/jobs', body);

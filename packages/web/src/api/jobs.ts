import type { CreateJobRequest, Job, JobDeviceState, JobRun, JobTarget, UpdateJobRequest } from '@openums/protocol';
import { api } from './client';

export type { CreateJobRequest, Job, JobDeviceState, JobRun, JobTarget, UpdateJobRequest };

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

const JOBS = '/api/v1/jobs';
const RUNS = '/api/v1/job-runs';
export const JOB_RUN_DEVICES_PAGE = 50;

export const listJobs = (cursor?: string, signal?: AbortSignal) => api.get<Paged<Job>>(JOBS, { limit: 200, cursor }, signal);
export const getJob = (id: number, signal?: AbortSignal) => api.get<Job>(`${JOBS}/${id}`, undefined, signal);
/** Targets need browse (folders, views) or the command's right (devices); bad fields: VALIDATION_FAILED with `details.field`. */
export const createJob = (body: CreateJobRequest) => api.post<Job>(JOBS, body);
export const updateJob = (id: number, body: UpdateJobRequest) => api.patch<Job>(`${JOBS}/${id}`, body);
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

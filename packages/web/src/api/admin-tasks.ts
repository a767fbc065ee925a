import type {
  AdminTask,
  AdminTaskOptions,
  AdminTaskPage,
  AdminTaskRunPage,
  AdminTaskRun,
  CreateAdminTaskRequest,
  UpdateAdminTaskRequest,
  View,
  ViewPage,
} from '@openums/protocol';
import { api } from './client';

export type { AdminTask, AdminTaskOptions, AdminTaskRun, CreateAdminTaskRequest, UpdateAdminTaskRequest };

const BASE = '/api/v1/admin-tasks';

/** Needs the general right globalSettings. A bad option rejects with VALIDATION_FAILED, `details.field` e.g. `body.options.directory`. */
export const listAdminTasks = (cursor?: string, signal?: AbortSignal) => api.get<AdminTaskPage>(BASE, { limit: 200, cursor }, signal);
export const createAdminTask = (body: CreateAdminTaskRequest) => api.post<AdminTask>(BASE, body);
export const updateAdminTask = (id: number, body: UpdateAdminTaskRequest) => api.patch<AdminTask>(`${BASE}/${id}`, body);
export const deleteAdminTask = (id: number) => api.delete(`${BASE}/${id}`);
/** Runs now, outside the schedule (202 with the run's id). */
export const runAdminTask = (id: number) => api.post<{ runId: number }>(`${BASE}/${id}/run`);
/** Newest first. */
export const listAdminTaskRuns = (id: number, cursor?: string, signal?: AbortSignal) =>
  api.get<AdminTaskRunPage>(`${BASE}/${id}/runs`, { limit: 50, cursor }, signal);

/** Every saved view the administrator may browse, by id (the view tasks' picker); at most 5,000. */
export async function listAllViews(signal?: AbortSignal): Promise<View[]> {
  const all: View[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<ViewPage>('/api/v1/views', { limit: 1000, cursor }, signal);
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && all.length < 5000);
  return all;
}

import type {
  CreateViewFolderRequest,
  CreateViewRequest,
  DeviceSort,
  EvaluateViewResponse,
  UpdateViewFolderRequest,
  UpdateViewRequest,
  View,
  ViewCriteria,
  ViewFolder,
  ViewFolderPage,
  ViewPage,
} from '@openums/protocol';
import { api, apiRequest } from './client';

export type { View, ViewFolder, ViewPage, EvaluateViewResponse };

const VIEWS = '/api/v1/views';
const FOLDERS = '/api/v1/view-folders';
/** Rows per page of a view's result grid. */
export const VIEW_RESULT_PAGE_SIZE = 100;

// ── folders ──────────────────────────────────────────────────────────────────
export async function listAllViewFolders(signal?: AbortSignal): Promise<ViewFolder[]> {
  const all: ViewFolder[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<ViewFolderPage>(FOLDERS, { limit: 1000, cursor }, signal);
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}
export const createViewFolder = (body: CreateViewFolderRequest) => api.post<ViewFolder>(FOLDERS, body);
export const updateViewFolder = (id: number, body: UpdateViewFolderRequest) => api.patch<ViewFolder>(`${FOLDERS}/${id}`, body);
export const deleteViewFolder = (id: number) => api.delete(`${FOLDERS}/${id}`);

// ── views ────────────────────────────────────────────────────────────────────
/** Views of one folder ('root' = in no folder), one keyset page. */
export const listViews = (folderId: number | 'root', cursor?: string, signal?: AbortSignal) =>
  api.get<ViewPage>(VIEWS, { folderId, cursor, limit: 200 }, signal);
export const getView = (id: number, signal?: AbortSignal) => api.get<View>(`${VIEWS}/${id}`, undefined, signal);
export const createView = (body: CreateViewRequest) => api.post<View>(VIEWS, body);
export const updateView = (id: number, body: UpdateViewRequest) => api.patch<View>(`${VIEWS}/${id}`, body);
export const deleteView = (id: number) => api.delete(`${VIEWS}/${id}`);

// ── results ──────────────────────────────────────────────────────────────────
/** Unsaved criteria: count and one page. Aborting the signal cancels a stale request. */
export const evaluateView = (body: { criteria: ViewCriteria; sort?: DeviceSort; limit?: number; cursor?: string }, signal?: AbortSignal) =>
  apiRequest<EvaluateViewResponse>('POST', `${VIEWS}/evaluate`, { body, signal });

/** A saved view's devices as they are now (same answer as evaluate). */
export const listViewDevices = (id: number, query: { sort?: DeviceSort; limit?: number; cursor?: string }, signal?: AbortSignal) =>
  api.get<EvaluateViewResponse>(`${VIEWS}/${id}/devices`, query, signal);

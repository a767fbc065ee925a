import type { CreateFolderRequest, DeviceFolder, FolderPage, UpdateFolderRequest } from '@openums/protocol';
import { api } from './client';

const BASE = '/api/v1/device-folders';

/** Direct children of a folder; `parentId` 'root' for the top level. */
export function listChildFolders(parentId: number | 'root', cursor?: string, signal?: AbortSignal): Promise<FolderPage> {
  return api.get<FolderPage>(BASE, { parentId, cursor, limit: 200 }, signal);
}

/** Every folder (for pickers and path names), all pages. */
export async function listAllFolders(signal?: AbortSignal): Promise<DeviceFolder[]> {
  const all: DeviceFolder[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<FolderPage>(BASE, { limit: 1000, cursor }, signal);
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

export const getFolder = (id: number) => api.get<DeviceFolder>(`${BASE}/${id}`);
export const createFolder = (body: CreateFolderRequest) => api.post<DeviceFolder>(BASE, body);
export const updateFolder = (id: number, body: UpdateFolderRequest) => api.patch<DeviceFolder>(`${BASE}/${id}`, body);
export const deleteFolder = (id: number) => api.delete(`${BASE}/${id}`);

import type {
  ApplyDefaultFolderRulesResponse,
  CreateDefaultFolderRuleRequest,
  DefaultFolderRule,
  DefaultFolderRuleList,
  FolderRuleOutcome,
  TestDefaultFolderRulesRequest,
  UpdateDefaultFolderRuleRequest,
} from '@openums/protocol';
import { api } from './client';

export type {
  DefaultFolderRule,
  CreateDefaultFolderRuleRequest,
  UpdateDefaultFolderRuleRequest,
  FolderRuleOutcome,
  ApplyDefaultFolderRulesResponse,
};

const BASE = '/api/v1/default-folder-rules';

/** Every route needs the general right defaultFolderRules (docs/folder-rules.md). */
export const listRules = (signal?: AbortSignal) => api.get<DefaultFolderRuleList>(BASE, undefined, signal);
export const createRule = (body: CreateDefaultFolderRuleRequest) => api.post<DefaultFolderRule>(BASE, body);
export const updateRule = (id: number, body: UpdateDefaultFolderRuleRequest) => api.patch<DefaultFolderRule>(`${BASE}/${id}`, body);
export const deleteRule = (id: number) => api.delete(`${BASE}/${id}`);
export const testRules = (body: TestDefaultFolderRulesRequest) => api.post<FolderRuleOutcome>(`${BASE}/test`, body);
export const applyRules = (deviceIds: number[], dryRun: boolean) =>
  api.post<ApplyDefaultFolderRulesResponse>(`${BASE}/apply`, { deviceIds, dryRun });

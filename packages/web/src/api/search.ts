import type { SearchResponse } from '@openums/protocol';
import { api } from './client';

/** The groups the header's quick search shows (view folders open in the Views section's tree, not by link). */
export const QUICK_SEARCH_TYPES = 'devices,device-folders,profiles,profile-folders,views';

export function quickSearch(q: string, regex: boolean, signal?: AbortSignal): Promise<SearchResponse> {
  return api.get<SearchResponse>('/api/v1/search', { q, regex, types: QUICK_SEARCH_TYPES, limit: 8 }, signal);
}

import type { DeviceAttribute, DeviceSort, ViewCriteria } from '@openums/protocol';
import { checkViewCriteria } from '@openums/protocol';
import { keepPreviousData, useInfiniteQuery, useQuery, type QueryClient } from '@tanstack/react-query';
import { useDebouncedValue } from '@mantine/hooks';
import { useMemo } from 'react';
import { listDeviceAttributes } from '../../api/device-attributes';
import { evaluateView, getView, listAllViewFolders, listViews, VIEW_RESULT_PAGE_SIZE } from '../../api/views';
import { isApiError } from '../../api/client';
import { useFolderIndex, type FolderKey } from '../../components/tree-section/tree-section';
import { attributeDefs, fieldOptions, type FieldOption } from './criteria-model';

/** A node of the view tree: the top level ('root') or a view folder id. */
export type ViewFolderKey = FolderKey;

export const viewKeys = {
  all: ['views'] as const,
  folders: ['views', 'folders'] as const,
  lists: ['views', 'list'] as const,
  list: (folder: ViewFolderKey) => ['views', 'list', folder] as const,
  one: (id: number) => ['views', 'one', id] as const,
  evaluate: (criteria: string, sort: DeviceSort) => ['views', 'evaluate', criteria, sort] as const,
  attributes: ['views', 'device-attributes'] as const,
};

export function useViewFolders() {
  return useFolderIndex(viewKeys.folders, listAllViewFolders);
}

export function useViewList(folder: ViewFolderKey, enabled = true) {
  return useInfiniteQuery({
    queryKey: viewKeys.list(folder),
    queryFn: ({ pageParam, signal }) => listViews(folder, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
  });
}

export function useView(id: number | null) {
  return useQuery({ queryKey: viewKeys.one(id ?? 0), queryFn: ({ signal }) => getView(id!, signal), enabled: id !== null, retry: false });
}

/** The fields the builder offers: the protocol's device fields and the defined device attributes. */
export function useFieldOptions(): {
  options: FieldOption[];
  defs: ReturnType<typeof attributeDefs>;
  attributes: readonly DeviceAttribute[];
} {
  const attributes = useQuery({ queryKey: viewKeys.attributes, queryFn: ({ signal }) => listDeviceAttributes(signal), staleTime: 60_000 });
  return useMemo(() => {
    const list = attributes.data?.items ?? [];
    return { options: fieldOptions(list), defs: attributeDefs(list), attributes: list };
  }, [attributes.data]);
}

/** How long typing must pause before the criteria are counted. */
export const LIVE_COUNT_DEBOUNCE_MS = 350;

/**
 * Count and result pages of the criteria being edited, as the user types: debounced, checked
 * here first with the server's own checker (an invalid tree is never sent), and keyed by the
 * criteria so that a newer tree supersedes an older one — React Query aborts the superseded
 * request's signal, which cancels the fetch.
 */
export function useLiveResults(criteria: ViewCriteria | null, sort: DeviceSort, defs: ReturnType<typeof attributeDefs>) {
  const json = criteria ? JSON.stringify(criteria) : '';
  const [debounced] = useDebouncedValue(json, LIVE_COUNT_DEBOUNCE_MS);
  const settled = debounced === json;
  const problem = useMemo(() => (debounced ? checkViewCriteria(JSON.parse(debounced), 'body.criteria', defs) : null), [debounced, defs]);
  const query = useInfiniteQuery({
    queryKey: viewKeys.evaluate(debounced, sort),
    queryFn: ({ pageParam, signal }) =>
      evaluateView({ criteria: JSON.parse(debounced) as ViewCriteria, sort, limit: VIEW_RESULT_PAGE_SIZE, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: debounced !== '' && problem === null,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 5_000,
  });
  const serverProblem =
    query.error && isApiError(query.error, 'VIEW_CRITERIA_INVALID')
      ? { field: fieldOf(query.error.details) ?? 'body.criteria', message: query.error.message }
      : null;
  return { query, problem: problem ?? serverProblem, settled, pending: !settled || query.isFetching };
}

function fieldOf(details: unknown): string | null {
  if (typeof details !== 'object' || details === null) return null;
  const field = (details as { field?: unknown }).field;
  return typeof field === 'string' ? field : null;
}

/** After views or folders were created, changed or deleted. */
export async function invalidateViews(queryClient: QueryClient): Promise<void> {
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: viewKeys.lists }),
    queryClient.invalidateQueries({ queryKey: viewKeys.folders }),
  ]);
}

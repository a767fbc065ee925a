import { Checkbox, ScrollArea, Select, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { JobTarget } from '../../api/jobs';
import { listAllViewFolders, listViews } from '../../api/views';
import { ErrorAlert } from '../../components/error-alert';

/** Saved views of one view folder, picked by name. */
export function ViewPicker({
  picked,
  onToggle,
}: {
  picked: ReadonlySet<string>;
  onToggle: (t: JobTarget & { label: string }, on: boolean) => void;
}) {
  const [folder, setFolder] = useState<string>('root');
  const folders = useQuery({ queryKey: ['view-folders', 'all'], queryFn: ({ signal }) => listAllViewFolders(signal) });
  const views = useQuery({
    queryKey: ['job-view-picker', folder],
    queryFn: ({ signal }) => listViews(folder === 'root' ? 'root' : Number(folder), undefined, signal),
  });
  return (
    <Stack gap={6}>
      <Select
        size="sm"
        label="View folder"
        data={[{ value: 'root', label: 'Top level' }, ...(folders.data ?? []).map((f) => ({ value: String(f.id), label: f.name }))]}
        value={folder}
        onChange={(v) => setFolder(v ?? 'root')}
        allowDeselect={false}
        searchable
      />
      <ScrollArea h={200}>
        {views.isError ? (
          <ErrorAlert title="Cannot load views" error={views.error} />
        ) : (views.data?.items ?? []).length === 0 ? (
          <Text size="sm" c="dimmed" p="xs">
            {views.isPending ? 'Loading…' : 'No views here.'}
          </Text>
        ) : (
          (views.data?.items ?? []).map((v) => (
            <Checkbox
              key={v.id}
              p={4}
              label={v.name}
              aria-label={v.name}
              checked={picked.has(`view:${v.id}`)}
              onChange={(e) => onToggle({ type: 'view', id: v.id, label: v.name }, e.currentTarget.checked)}
            />
          ))
        )}
      </ScrollArea>
    </Stack>
  );
}

import type { DeviceMatch, DeviceSort } from '@openums/protocol';
import { BULK_MAX_DEVICES } from '@openums/protocol';
import { Button, Group, SegmentedControl, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { Link } from 'react-router';
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { selectionOf, type DeviceListFilter, type DeviceSelection } from '../../api/devices';
import { ErrorAlert } from '../../components/error-alert';
import panels from '../../components/panels.module.css';
import { GatedButton } from '../access/gated-button';
import { useDestinationRights } from '../access/use-my-rights';
import { BulkActions } from './device-bulk';
import { ColumnChooser, useDeviceColumns } from './device-columns';
import { useAllFolders, useDeviceList } from './queries';
import { DeviceTable } from './device-table';

/** Start loading the next page this many rows before the end is visible. */

interface DeviceListProps {
  title: string;
  filter: DeviceListFilter;
  searchText: string;
  onSearchChange: (q: string) => void;
  onRecursiveChange: (recursive: boolean) => void;
  onMatchChange: (match: DeviceMatch) => void;
  onSortChange: (sort: DeviceSort) => void;
  selectedId: number | null;
  onSelectDevice: (id: number) => void;
  onNewDevice: () => void;
}

export function DeviceList(props: DeviceListProps) {
  const { filter } = props;
  const [search, setSearch] = useState(props.searchText);
  const [debounced] = useDebouncedValue(search, 300);
  const { onSearchChange } = props;
  useEffect(() => {
    if (debounced.trim() !== filter.q) onSearchChange(debounced.trim());
  }, [debounced, filter.q, onSearchChange]);

  const cols = useDeviceColumns();
  const attributeKey = cols.attributeIds.join(',');
  const listFilter = useMemo(() => ({ ...filter, attributes: attributeKey ? attributeKey.split(',') : [] }), [filter, attributeKey]);
  const query = useDeviceList(listFilter);
  const folders = useAllFolders();
  // A new device goes into the folder shown (write on it); at the top level only a superuser may.
  const createRights = useDestinationRights(typeof filter.folderId === 'number' ? { type: 'device-folder', id: filter.folderId } : null);
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const total = query.data?.pages[0]?.count;
  const stale = query.isPlaceholderData;

  // Multi-select: hand-picked ids (click, ctrl/cmd-click, shift-click a range) or "all matching".
  const [picked, setPicked] = useState<ReadonlySet<number>>(() => new Set());
  const [allMatching, setAllMatching] = useState(false);
  const anchor = useRef<number | null>(null);
  const filterKey = JSON.stringify(filter);
  useEffect(() => {
    // Another folder, search or sort: the selection no longer means what it did.
    setPicked(new Set());
    setAllMatching(false);
    anchor.current = null;
  }, [filterKey]);
  const clear = useCallback(() => {
    setPicked(new Set());
    setAllMatching(false);
  }, []);

  const { onSelectDevice } = props;
  const onRowClick = useCallback(
    (event: MouseEvent | KeyboardEvent, index: number, id: number, viaCheckbox = false) => {
      setAllMatching(false);
      if (event.shiftKey && anchor.current !== null) {
        const [from, to] = anchor.current < index ? [anchor.current, index] : [index, anchor.current];
        setPicked(new Set(rows.slice(from, to + 1).map((d) => d.id)));
        return;
      }
      anchor.current = index;
      if (viaCheckbox || event.ctrlKey || event.metaKey) {
        setPicked((prev) => {
          const next = new Set(prev);
          if (next.has(id)) next.delete(id);
          else next.add(id);
          return next;
        });
        return;
      }
      setPicked(new Set([id]));
      onSelectDevice(id);
    },
    [rows, onSelectDevice],
  );

  const selection: DeviceSelection | null = allMatching ? { query: selectionOf(filter) } : picked.size ? { deviceIds: [...picked] } : null;
  const selectedCount = allMatching ? (total ?? rows.length) : picked.size;
  const loadedSelected = useMemo(() => rows.filter((d) => picked.has(d.id)), [rows, picked]);
  const names = useMemo(() => new Map(rows.map((d) => [d.id, d.name])), [rows]);
  const allLoadedPicked = rows.length > 0 && rows.every((d) => picked.has(d.id));

  return (
    <>
      <Stack gap={6} className={panels.panelHeader}>
        <Group justify="space-between" style={{ rowGap: 6 }}>
          <Title
            order={2}
            size="h4"
            style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', flex: '1 1 180px', minWidth: 0 }}
            title={props.title}
            data-testid="device-list-title"
          >
            {props.title}
          </Title>
          <Group gap={6} wrap="nowrap">
            <ColumnChooser columns={cols.columns} catalogue={cols.catalogue} onChange={cols.setColumns} />
            <GatedButton size="compact-sm" rights={createRights} right="write" onClick={props.onNewDevice}>
              New device
            </GatedButton>
            <Button size="compact-sm" variant="default" component={Link} to="/devices/import">
              Import…
            </Button>
          </Group>
        </Group>
        <Group gap="sm" style={{ rowGap: 6 }}>
          <TextInput
            style={{ flex: 1, minWidth: 180 }}
            size="xs"
            type="search"
            aria-label="Search devices"
            placeholder="Name, MAC, IP, unit id, serial"
            title={`Search by name, MAC, IP, unit id or serial number (${filter.match === 'contains' ? 'anywhere in the text' : 'start of the text'})`}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            maxLength={128}
          />
          <SegmentedControl
            size="xs"
            aria-label="Search match"
            value={filter.match ?? 'prefix'}
            onChange={(value) => props.onMatchChange(value as DeviceMatch)}
            data={[
              { value: 'prefix', label: 'Starts with' },
              { value: 'contains', label: 'Contains' },
            ]}
          />
          <Switch
            size="xs"
            label="Sub-folders"
            title="Include the devices of sub-folders"
            checked={filter.recursive}
            onChange={(e) => props.onRecursiveChange(e.currentTarget.checked)}
          />
        </Group>
        <Group gap="xs" justify="space-between" mih={26}>
          {selection ? (
            <Group gap="xs" style={{ rowGap: 4 }} data-testid="selection-bar">
              <Text size="xs" fw={600} data-testid="selection-count">
                {allMatching ? `All ${selectedCount.toLocaleString()} matching selected` : `${selectedCount.toLocaleString()} selected`}
              </Text>
              {!allMatching && total !== undefined && total > picked.size && allLoadedPicked && (
                <Button
                  size="compact-xs"
                  variant="subtle"
                  onClick={() => setAllMatching(true)}
                  disabled={total > BULK_MAX_DEVICES}
                  title={
                    total > BULK_MAX_DEVICES ? `At most ${BULK_MAX_DEVICES.toLocaleString()} devices at once: narrow the list` : undefined
                  }
                >
                  Select all {total.toLocaleString()} matching
                </Button>
              )}
              <Button size="compact-xs" variant="subtle" color="gray" onClick={clear}>
                Clear
              </Button>
              <BulkActions
                selection={selection}
                count={selectedCount}
                loaded={loadedSelected}
                name={(id) => names.get(id) ?? `Device ${id}`}
                onDone={clear}
              />
            </Group>
          ) : (
            <Text size="xs" c="dimmed" aria-live="polite" data-testid="device-count">
              {query.isPending
                ? 'Loading devices…'
                : total !== undefined
                  ? `${total.toLocaleString()} device${total === 1 ? '' : 's'}${query.hasNextPage ? ` (${rows.length.toLocaleString()} loaded; scroll for more)` : ''}`
                  : `${rows.length.toLocaleString()}${query.hasNextPage ? '+' : ''} device${rows.length === 1 ? '' : 's'}`}
              {(query.isFetching && !query.isPending) || stale ? ' · updating…' : ''}
            </Text>
          )}
        </Group>
      </Stack>
      {query.isError && !query.data ? (
        <Stack p="md">
          <ErrorAlert title="Cannot load devices" error={query.error} />
          <Button variant="default" onClick={() => void query.refetch()} w="fit-content">
            Try again
          </Button>
        </Stack>
      ) : (
        <DeviceTable
          rows={rows}
          columns={cols.columns}
          folders={folders.index}
          loading={query.isPending}
          hasNextPage={query.hasNextPage}
          isFetchingNextPage={query.isFetchingNextPage}
          nextPageError={query.isFetchNextPageError ? query.error : null}
          fetchNextPage={() => void query.fetchNextPage()}
          sort={filter.sort}
          onSortChange={props.onSortChange}
          selectedId={props.selectedId}
          picked={picked}
          allMatching={allMatching}
          allLoadedPicked={allLoadedPicked}
          onPickAll={(on) => {
            setAllMatching(false);
            setPicked(on ? new Set(rows.map((d) => d.id)) : new Set());
          }}
          onRowClick={onRowClick}
          emptyText={
            filter.q
              ? `No device name, MAC, IP, unit id or serial ${filter.match === 'contains' ? 'contains' : 'starts with'} "${filter.q}".`
              : 'No devices here.'
          }
        />
      )}
    </>
  );
}

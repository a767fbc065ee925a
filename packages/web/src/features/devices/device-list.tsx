import type { Device, DeviceMatch, DeviceSort } from '@openums/protocol';
import { BULK_MAX_DEVICES } from '@openums/protocol';
import { Button, Center, Checkbox, Group, Loader, SegmentedControl, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Link } from 'react-router';
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { selectionOf, type DeviceListFilter, type DeviceSelection } from '../../api/devices';
import { ErrorAlert } from '../../components/error-alert';
import panels from '../../components/panels.module.css';
import classes from './devices.module.css';
import { GatedButton } from '../access/gated-button';
import { useDestinationRights } from '../access/use-my-rights';
import { BulkActions } from './device-bulk';
import { ColumnChooser, useDeviceColumns, type DeviceColumn } from './device-columns';
import { useAllFolders, useDeviceList, type FolderIndex } from './queries';

const ROW_HEIGHT = 36;
const HEADER_HEIGHT = 36;
/** Start loading the next page this many rows before the end is visible. */
const PREFETCH_ROWS = 60;

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

interface DeviceTableProps {
  rows: Device[];
  columns: readonly DeviceColumn[];
  folders: FolderIndex;
  loading: boolean;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  nextPageError: unknown;
  fetchNextPage: () => void;
  sort: DeviceSort;
  onSortChange: (sort: DeviceSort) => void;
  selectedId: number | null;
  picked: ReadonlySet<number>;
  allMatching: boolean;
  allLoadedPicked: boolean;
  onPickAll: (on: boolean) => void;
  onRowClick: (event: MouseEvent | KeyboardEvent, index: number, id: number, viaCheckbox?: boolean) => void;
  emptyText: string;
}

const CHECK_WIDTH = 28;

function DeviceTable({
  rows,
  columns,
  folders,
  loading,
  hasNextPage,
  isFetchingNextPage,
  nextPageError,
  fetchNextPage,
  sort,
  onSortChange,
  selectedId,
  picked,
  allMatching,
  allLoadedPicked,
  onPickAll,
  onRowClick,
  emptyText,
}: DeviceTableProps) {
  const grid = { gridTemplateColumns: `${CHECK_WIDTH}px ${columns.map((c) => c.width).join(' ')}` };
  const minWidth = CHECK_WIDTH + 24 + columns.reduce((sum, c) => sum + c.min + 8, 0);
  const ctx = { folders };
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length + (hasNextPage ? 1 : 0),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    paddingStart: HEADER_HEIGHT,
    overscan: 15,
    useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1]!.index : -1;

  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && !nextPageError && lastIndex >= rows.length - PREFETCH_ROWS) fetchNextPage();
  }, [lastIndex, rows.length, hasNextPage, isFetchingNextPage, nextPageError, fetchNextPage]);

  const onRowKey = (event: KeyboardEvent<HTMLDivElement>, index: number, id: number) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onRowClick(event, index, id, event.key === ' ');
    }
  };

  return (
    <div ref={scrollRef} className={classes.tableScroll}>
      <div
        role="table"
        aria-label="Devices"
        aria-rowcount={hasNextPage ? -1 : rows.length + 1}
        aria-multiselectable
        className={classes.tableInner}
        style={{ height: Math.max(virtualizer.getTotalSize(), HEADER_HEIGHT + ROW_HEIGHT * 3), minWidth }}
      >
        <div role="rowgroup" className={classes.headerGroup}>
          <div role="row" className={`${classes.gridRow} ${classes.headerRow}`} aria-rowindex={1} style={grid}>
            <div role="columnheader" className={classes.cell}>
              <Checkbox
                size="xs"
                aria-label="Select all loaded devices"
                checked={allMatching || allLoadedPicked}
                indeterminate={!allMatching && !allLoadedPicked && picked.size > 0}
                onChange={(e) => onPickAll(e.currentTarget.checked)}
                disabled={rows.length === 0}
              />
            </div>
            {columns.map((col) => {
              const active = col.sort && (sort === col.sort || sort === `-${col.sort}`);
              const descending = sort.startsWith('-');
              return (
                <div
                  role="columnheader"
                  key={col.id}
                  className={classes.cell}
                  aria-sort={active ? (descending ? 'descending' : 'ascending') : undefined}
                >
                  {col.sort ? (
                    <button
                      type="button"
                      className={classes.sortButton}
                      onClick={() => onSortChange((active && !descending ? `-${col.sort}` : col.sort) as DeviceSort)}
                      title={`Sort by ${col.label.toLowerCase()}`}
                    >
                      {col.label}
                      {active ? (descending ? ' ▼' : ' ▲') : ''}
                    </button>
                  ) : (
                    col.label
                  )}
                </div>
              );
            })}
          </div>
        </div>
        <div role="rowgroup">
          {items.map((item) => {
            const device = rows[item.index];
            const style = { height: ROW_HEIGHT, transform: `translateY(${item.start}px)` };
            if (!device) {
              return (
                <div key="loader" role="row" className={`${classes.gridRow} ${classes.deviceRow}`} style={style}>
                  <div role="cell" className={classes.cell}>
                    {nextPageError ? (
                      <Text size="sm" c="red" span>
                        Could not load more devices.{' '}
                        <Button variant="subtle" size="compact-xs" onClick={fetchNextPage}>
                          Retry
                        </Button>
                      </Text>
                    ) : (
                      <Text size="sm" c="dimmed" span>
                        <Loader size={12} mr={8} />
                        Loading more…
                      </Text>
                    )}
                  </div>
                </div>
              );
            }
            const isPicked = allMatching || picked.has(device.id);
            return (
              <div
                key={device.id}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={isPicked || device.id === selectedId}
                tabIndex={0}
                className={`${classes.gridRow} ${classes.deviceRow} ${device.id === selectedId ? classes.openRow : ''}`}
                style={{ ...style, ...grid }}
                onClick={(e) => onRowClick(e, item.index, device.id)}
                onKeyDown={(e) => onRowKey(e, item.index, device.id)}
                data-testid="device-row"
                data-device-id={device.id}
                data-picked={isPicked || undefined}
              >
                <div role="cell" className={classes.cell} onClick={(e) => e.stopPropagation()}>
                  <Checkbox
                    size="xs"
                    aria-label={`Select ${device.name}`}
                    checked={isPicked}
                    onChange={() => undefined}
                    onClick={(e) => onRowClick(e, item.index, device.id, true)}
                    tabIndex={-1}
                  />
                </div>
                {columns.map((col) =>
                  col.id === 'name' ? (
                    <div
                      role="cell"
                      key="name"
                      className={`${classes.cell} ${classes.nameCell}`}
                      title={device.name}
                      style={{ fontWeight: 500 }}
                    >
                      <span className={classes.nameText}>{device.name}</span>
                      {device.configChanges === 'PENDING' && <PendingMark />}
                    </div>
                  ) : (
                    <div
                      role="cell"
                      key={col.id}
                      className={`${classes.cell} ${col.mono ? classes.mono : ''}`}
                      title={col.title?.(device, ctx)}
                    >
                      {col.render(device, ctx)}
                    </div>
                  ),
                )}
              </div>
            );
          })}
        </div>
        {!loading && rows.length === 0 && (
          <Center pos="absolute" top={HEADER_HEIGHT + 24} left={0} right={0}>
            <Text c="dimmed" size="sm">
              {emptyText}
            </Text>
          </Center>
        )}
        {loading && (
          <Center pos="absolute" top={HEADER_HEIGHT + 24} left={0} right={0}>
            <Loader size="sm" aria-label="Loading devices" />
          </Center>
        )}
      </div>
    </div>
  );
}

function PendingMark() {
  return (
    <span
      className={classes.pendingMark}
      title="Settings pending: the device has not applied its newest configuration yet"
      role="img"
      aria-label="Settings pending"
      data-testid="config-pending"
    >
      <svg
        width="14"
        height="14"
        viewBox="0 0 16 16"
        aria-hidden
        fill="none"
        stroke="currentColor"
        strokeWidth="1.6"
        strokeLinecap="round"
        strokeLinejoin="round"
      >
        <path d="M13.5 8A5.5 5.5 0 0 1 3.4 11M2.5 8A5.5 5.5 0 0 1 12.6 5" />
        <path d="M12.8 2.2v3h-3M3.2 13.8v-3h3" />
      </svg>
    </span>
  );
}

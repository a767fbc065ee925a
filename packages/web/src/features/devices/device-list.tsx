import type { Device, DeviceSort } from '@openums/protocol';
import { Button, Center, Group, Loader, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { DeviceListFilter } from '../../api/devices';
import { ErrorAlert } from '../../components/error-alert';
import panels from '../../components/panels.module.css';
import classes from './devices.module.css';
import { formatDateTime, formatMac, orDash } from '../../lib/format';
import { GatedButton } from '../access/gated-button';
import { useDestinationRights } from '../access/use-my-rights';
import { useDeviceList } from './queries';

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

  const query = useDeviceList(filter);
  // A new device goes into the folder shown (write on it); at the top level only a superuser may.
  const createRights = useDestinationRights(typeof filter.folderId === 'number' ? { type: 'device-folder', id: filter.folderId } : null);
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const stale = query.isPlaceholderData;

  return (
    <>
      <Stack gap={6} className={panels.panelHeader}>
        <Group justify="space-between" wrap="nowrap">
          <Title
            order={2}
            size="h4"
            style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
            data-testid="device-list-title"
          >
            {props.title}
          </Title>
          <GatedButton size="compact-sm" rights={createRights} right="write" onClick={props.onNewDevice}>
            New device
          </GatedButton>
        </Group>
        <Group gap="md" wrap="nowrap">
          <TextInput
            style={{ flex: 1 }}
            size="xs"
            type="search"
            aria-label="Search devices"
            placeholder="Search by name, MAC, IP, unit id or serial (prefix)"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            maxLength={128}
          />
          <Switch
            size="xs"
            label="Include sub-folders"
            checked={filter.recursive}
            onChange={(e) => props.onRecursiveChange(e.currentTarget.checked)}
          />
        </Group>
        <Text size="xs" c="dimmed" aria-live="polite" data-testid="device-count">
          {query.isPending
            ? 'Loading devices…'
            : `${rows.length.toLocaleString()}${query.hasNextPage ? '+' : ''} device${rows.length === 1 ? '' : 's'}${query.hasNextPage ? ' (scroll to load more)' : ''}`}
          {(query.isFetching && !query.isPending) || stale ? ' · updating…' : ''}
        </Text>
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
          loading={query.isPending}
          hasNextPage={query.hasNextPage}
          isFetchingNextPage={query.isFetchingNextPage}
          nextPageError={query.isFetchNextPageError ? query.error : null}
          fetchNextPage={() => void query.fetchNextPage()}
          sort={filter.sort}
          onSortChange={props.onSortChange}
          selectedId={props.selectedId}
          onSelectDevice={props.onSelectDevice}
          emptyText={filter.q ? `No device name, MAC, IP, unit id or serial starts with "${filter.q}".` : 'No devices here.'}
        />
      )}
    </>
  );
}

interface DeviceTableProps {
  rows: Device[];
  loading: boolean;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  nextPageError: unknown;
  fetchNextPage: () => void;
  sort: DeviceSort;
  onSortChange: (sort: DeviceSort) => void;
  selectedId: number | null;
  onSelectDevice: (id: number) => void;
  emptyText: string;
}

/** Optional columns are hidden when the list is narrow (detail panel open, small screen). */
const COLUMNS: { label: string; sort?: 'name' | 'mac' | 'lastContact'; optional?: boolean }[] = [
  { label: 'Name', sort: 'name' },
  { label: 'MAC', sort: 'mac' },
  { label: 'Last IP' },
  { label: 'Product', optional: true },
  { label: 'Version', optional: true },
  { label: 'Online' },
  { label: 'Last contact', sort: 'lastContact' },
];

function DeviceTable({
  rows,
  loading,
  hasNextPage,
  isFetchingNextPage,
  nextPageError,
  fetchNextPage,
  sort,
  onSortChange,
  selectedId,
  onSelectDevice,
  emptyText,
}: DeviceTableProps) {
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

  const onRowKey = (event: KeyboardEvent<HTMLDivElement>, id: number) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelectDevice(id);
    }
  };

  return (
    <div ref={scrollRef} className={classes.tableScroll}>
      <div
        role="table"
        aria-label="Devices"
        aria-rowcount={hasNextPage ? -1 : rows.length + 1}
        className={classes.tableInner}
        style={{ height: Math.max(virtualizer.getTotalSize(), HEADER_HEIGHT + ROW_HEIGHT * 3) }}
      >
        <div role="rowgroup" className={classes.headerGroup}>
          <div role="row" className={`${classes.gridRow} ${classes.headerRow}`} aria-rowindex={1}>
            {COLUMNS.map((col) => {
              const active = col.sort && (sort === col.sort || sort === `-${col.sort}`);
              const descending = sort.startsWith('-');
              return (
                <div
                  role="columnheader"
                  key={col.label}
                  className={`${classes.cell} ${col.optional ? classes.optional : ''}`}
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
            return (
              <div
                key={device.id}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={device.id === selectedId}
                tabIndex={0}
                className={`${classes.gridRow} ${classes.deviceRow}`}
                style={style}
                onClick={() => onSelectDevice(device.id)}
                onKeyDown={(e) => onRowKey(e, device.id)}
                data-testid="device-row"
                data-device-id={device.id}
              >
                <div role="cell" className={`${classes.cell} ${classes.nameCell}`} title={device.name} style={{ fontWeight: 500 }}>
                  <span className={classes.nameText}>{device.name}</span>
                  {device.configChanges === 'PENDING' && (
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
                  )}
                </div>
                <div role="cell" className={`${classes.cell} ${classes.mono}`}>
                  {formatMac(device.mac)}
                </div>
                <div role="cell" className={`${classes.cell} ${classes.mono}`}>
                  {orDash(device.lastIp)}
                </div>
                <div role="cell" className={`${classes.cell} ${classes.optional}`} title={device.product ?? undefined}>
                  {orDash(device.product)}
                </div>
                <div role="cell" className={`${classes.cell} ${classes.optional}`}>
                  {orDash(device.version)}
                </div>
                <div role="cell" className={classes.cell}>
                  <span className={`${classes.dot} ${device.online ? classes.dotOnline : ''}`} aria-hidden />
                  {device.online ? 'Online' : 'Offline'}
                </div>
                <div role="cell" className={classes.cell}>
                  {formatDateTime(device.lastContact, 'Never')}
                </div>
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

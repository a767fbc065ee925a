// The device list's virtualised table: header with sort and select-all, rows with a checkbox,
// loading more as the end comes into view. device-list.tsx holds the toolbar and the selection.
import type { Device, DeviceSort } from '@openums/protocol';
import { Button, Center, Checkbox, Loader, Text } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent, type MouseEvent } from 'react';
import classes from './devices.module.css';
import { type DeviceColumn } from './device-columns';
import { type FolderIndex } from './queries';

const ROW_HEIGHT = 36;
const HEADER_HEIGHT = 36;
/** Start loading the next page this many rows before the end is visible. */
const PREFETCH_ROWS = 60;

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

export function DeviceTable({
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

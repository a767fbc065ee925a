import type { Device, DeviceMatch, DeviceSort } from '@openums/protocol';
import { Text } from '@mantine/core';
import { useCallback, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { DeviceListFilter } from '../../api/devices';
import { DETAIL_TABS, DeviceDetail, type DetailTab } from './device-detail';
import { NewDeviceDialog } from './device-dialogs';
import { DeviceList } from './device-list';
import panels from '../../components/panels.module.css';
import classes from './devices.module.css';
import { FolderActions } from './folder-actions';
import { FolderTree } from './folder-tree';
import { useAllFolders, type FolderKey } from './queries';
import { expandedWithPath } from '../../components/folder-paths';
import { withMember } from '../../lib/sets';

function parseFolder(value: string | null): FolderKey {
  const id = Number(value);
  return value && Number.isSafeInteger(id) && id > 0 ? id : 'root';
}

function parseId(value: string | null): number | null {
  const id = Number(value);
  return value && Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * Devices: folder tree | virtualized device list | detail panel. The selection lives in the URL
 * (?folder=&device=&tab=&q=&match=&sub=) so it survives reloads and can be shared.
 */
export function DevicesPage() {
  const [params, setParams] = useSearchParams();
  const folder = parseFolder(params.get('folder'));
  const deviceId = parseId(params.get('device'));
  const q = params.get('q') ?? '';
  const match: DeviceMatch = params.get('match') === 'contains' ? 'contains' : 'prefix';
  const recursive = params.get('sub') !== '0';
  const tab = (DETAIL_TABS as readonly string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as DetailTab) : 'details';
  const [sort, setSort] = useState<DeviceSort>('name');
  const [expanded, setExpanded] = useState<ReadonlySet<FolderKey>>(() => new Set<FolderKey>(['root']));
  const [creatingDevice, setCreatingDevice] = useState(false);
  const folders = useAllFolders();

  const update = useCallback(
    (changes: Record<string, string | null>) =>
      setParams(
        // From the address bar, not from the last render: a navigation not rendered yet (a folder
        // clicked just before the debounced search clears `q`) must not be undone by this one.
        () => {
          const next = new URLSearchParams(window.location.search);
          for (const [key, value] of Object.entries(changes)) {
            if (value === null) next.delete(key);
            else next.set(key, value);
          }
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );

  const onToggle = useCallback((key: FolderKey, open: boolean) => {
    setExpanded((prev) => withMember(prev, key, open));
  }, []);

  /** Expand a node and its ancestors, so a new or moved folder is visible. */
  const expandPath = useCallback(
    (key: FolderKey) => setExpanded((prev) => expandedWithPath(prev, key, folders.index.ancestors)),
    [folders.index],
  );

  const filter = useMemo<DeviceListFilter>(
    () => ({
      // "All devices" with sub-folders is every device; without, the devices in no folder.
      folderId: folder === 'root' && recursive ? undefined : folder,
      recursive,
      q,
      match,
      sort,
    }),
    [folder, recursive, q, match, sort],
  );

  const title = folder === 'root' ? (recursive ? 'All devices' : 'Devices in no folder') : folders.index.path(folder);
  const onSearchChange = useCallback((value: string) => update({ q: value || null }), [update]);

  // One panel width for every tab: switching tabs never moves the list (the device page has room for wide tabs).
  return (
    <div className={`${classes.page} ${deviceId !== null ? classes.pageWithDetail : ''}`}>
      <section aria-label="Folders" className={panels.sidePanel}>
        <div className={panels.panelHeader}>
          <Text size="xs" fw={700} c="dimmed" tt="uppercase" mb={6}>
            Folders
          </Text>
          <FolderActions
            selected={folder}
            onSelect={(key) => update({ folder: key === 'root' ? null : String(key) })}
            onExpand={expandPath}
          />
        </div>
        <div className={panels.treeScroll}>
          <FolderTree
            selected={folder}
            expanded={expanded}
            onSelect={(key) => update({ folder: key === 'root' ? null : String(key) })}
            onToggle={onToggle}
          />
        </div>
      </section>
      <section aria-label="Device list" className={`${panels.panel} ${classes.listPanel}`}>
        <DeviceList
          title={title}
          filter={filter}
          searchText={q}
          onSearchChange={onSearchChange}
          onRecursiveChange={(value) => update({ sub: value ? null : '0' })}
          onMatchChange={(value) => update({ match: value === 'contains' ? 'contains' : null })}
          onSortChange={setSort}
          selectedId={deviceId}
          onSelectDevice={(id) => update({ device: String(id) })}
          onNewDevice={() => setCreatingDevice(true)}
        />
      </section>
      {deviceId !== null && (
        <section aria-label="Device details" className={`${panels.panel} ${classes.detailPanel}`} data-testid="device-detail">
          <DeviceDetail
            key={deviceId}
            id={deviceId}
            tab={tab}
            onTabChange={(next) => update({ tab: next === 'details' ? null : next })}
            onClose={() => update({ device: null, tab: null })}
          />
        </section>
      )}
      {creatingDevice && (
        <NewDeviceDialog
          defaultFolder={folder}
          onClose={() => setCreatingDevice(false)}
          onCreated={(device: Device) => update({ device: String(device.id) })}
        />
      )}
    </div>
  );
}

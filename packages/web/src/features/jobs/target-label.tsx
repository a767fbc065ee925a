import { useQuery } from '@tanstack/react-query';
import { getDevice } from '../../api/devices';
import type { JobTarget } from '../../api/jobs';
import { getView } from '../../api/views';
import { useAllFolders } from '../devices/queries';

/** A job target by name: a folder's path, a device's or a view's name ("device 12" while loading or when gone). */
export function TargetLabel({ target }: { target: JobTarget }) {
  const folders = useAllFolders();
  const device = useQuery({
    queryKey: ['devices', 'one-name', target.id],
    queryFn: ({ signal }) => getDevice(target.id, signal),
    enabled: target.type === 'device',
    staleTime: 60_000,
    retry: false,
  });
  const view = useQuery({
    queryKey: ['views', 'one-name', target.id],
    queryFn: ({ signal }) => getView(target.id, signal),
    enabled: target.type === 'view',
    staleTime: 60_000,
    retry: false,
  });
  if (target.type === 'folder') return <>{folders.index.byId.has(target.id) ? folders.index.path(target.id) : `folder ${target.id}`}</>;
  if (target.type === 'device') return <>{device.data?.name ?? `device ${target.id}`}</>;
  return <>{view.data ? `view ${view.data.name}` : `view ${target.id}`}</>;
}

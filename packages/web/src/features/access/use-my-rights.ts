import type { AccessNodeRef, ObjectRight } from '@openums/protocol';
import { useQuery } from '@tanstack/react-query';
import { getMyRights } from '../../api/access';
import { isApiError } from '../../api/client';
import { useIsSuperuser } from './use-general-rights';
import { accessKeys } from './queries';
import { missingRightText } from './rights-labels';

/** The object's own not-found codes: the administrator may not browse it (or it is gone). */
const NOT_FOUND = new Set([
  'DEVICE_NOT_FOUND',
  'FOLDER_NOT_FOUND',
  'PROFILE_NOT_FOUND',
  'PROFILE_FOLDER_NOT_FOUND',
  'VIEW_NOT_FOUND',
  'VIEW_FOLDER_NOT_FOUND',
]);

export interface MyRightsCheck {
  /** Whether the signed-in administrator holds the right (false while not known yet). */
  can: (right: ObjectRight) => boolean;
  /** The tooltip of a control that needs `right`, or undefined when it is held (or still loading). */
  missing: (right: ObjectRight) => string | undefined;
  /** Whether any of `rights` is held. */
  canAny: (rights: readonly ObjectRight[]) => boolean;
  loading: boolean;
}

const ALL: MyRightsCheck = { can: () => true, missing: () => undefined, canAny: () => true, loading: false };

/**
 * What the signed-in administrator may do with one device, folder or profile, to disable what the
 * server would refuse. `null` (no object: the top level of a tree) allows everything — the server
 * decides there. A superuser holds every right without asking; an answer the app cannot read
 * (an older server) allows everything too, the server still refuses.
 */
export function useMyRights(ref: AccessNodeRef | null): MyRightsCheck {
  const superuser = useIsSuperuser();
  const query = useQuery({
    queryKey: accessKeys.mine(ref ?? { type: 'device', id: 0 }),
    queryFn: ({ signal }) => getMyRights(ref!, signal),
    enabled: ref !== null && !superuser,
    retry: false,
    staleTime: 30_000,
  });
  if (ref === null || superuser) return ALL;
  if (query.isPending) return { can: () => false, missing: () => undefined, canAny: () => false, loading: true };
  // Not found: nothing may be done with it. Anything else: let the server decide.
  if (query.isError && !(isApiError(query.error) && NOT_FOUND.has(query.error.code))) return ALL;
  const rights = query.data?.rights;
  if (!rights) return ALL;
  const can = (right: ObjectRight) => rights[right] === true;
  return {
    can,
    missing: (right) => (can(right) ? undefined : missingRightText(right, ref.type)),
    canAny: (list) => list.some(can),
    loading: false,
  };
}

const TOP_LEVEL: MyRightsCheck = {
  can: () => false,
  missing: () => 'Only a superuser can place things at the top level: select a folder first',
  canAny: () => false,
  loading: false,
};

/**
 * Rights on a folder something is created in or moved to; `null` is the top level of the tree,
 * which carries no access list: only a superuser may place things there.
 */
export function useDestinationRights(folder: AccessNodeRef | null): MyRightsCheck {
  const superuser = useIsSuperuser();
  const rights = useMyRights(folder);
  return folder === null && !superuser ? TOP_LEVEL : rights;
}

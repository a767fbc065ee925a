import type { GeneralRight } from '@openums/protocol';
import { useSession } from '../auth/session';

/**
 * Whether the signed-in administrator is a superuser. The login answer carries only the role;
 * `/auth/me` says it outright (and is asked again right after login).
 */
export function useIsSuperuser(): boolean {
  const me = useSession().data;
  if (!me?.user) return false;
  return me.superuser ?? me.user.role === 'superuser';
}

/**
 * Whether the signed-in administrator holds a general right (its own or a group's), to hide
 * administration pages and controls the server would refuse. Superusers hold them all;
 * `undefined` (nothing needed) is always held.
 */
export function useGeneralRights(): (right: GeneralRight | undefined) => boolean {
  const me = useSession().data;
  const superuser = useIsSuperuser();
  return (right) => right === undefined || superuser || (me?.generalRights?.includes(right) ?? false);
}

export function useGeneralRight(right: GeneralRight | undefined): boolean {
  return useGeneralRights()(right);
}

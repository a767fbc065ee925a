import type { MeResponse } from '@openums/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { getMe, login, logout } from '../../api/auth';
import { isApiError, onUnauthenticated } from '../../api/client';

export const sessionQueryKey = ['auth', 'me'] as const;

/** The signed-in user, or null when there is no session. */
export function useSession() {
  return useQuery<MeResponse | null>({
    queryKey: sessionQueryKey,
    queryFn: async () => {
      try {
        return await getMe();
      } catch (error) {
        if (isApiError(error) && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: Infinity,
    retry: 1,
  });
}

/** Any 401 from the API ends the session in the UI; RequireAuth then shows the login page. */
export function SessionBridge() {
  const queryClient = useQueryClient();
  useEffect(() => {
    onUnauthenticated(() => queryClient.setQueryData(sessionQueryKey, null));
    return () => onUnauthenticated(null);
  }, [queryClient]);
  return null;
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (res) => {
      // Nothing cached from an earlier session may leak into this one.
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionQueryKey[0] });
      const me: MeResponse = { user: res.user, csrfToken: res.csrfToken };
      queryClient.setQueryData(sessionQueryKey, me);
      // The login answer lacks superuser and general rights: ask /auth/me for them.
      void queryClient.invalidateQueries({ queryKey: sessionQueryKey });
    },
  });
}

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      try {
        await logout();
      } catch (error) {
        // An already expired session is logged out as far as the user is concerned.
        if (!(isApiError(error) && error.status === 401)) throw error;
      }
    },
    onSuccess: () => {
      queryClient.setQueryData(sessionQueryKey, null);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionQueryKey[0] });
    },
  });
}

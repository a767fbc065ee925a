import type { AuditFilterQuery } from '@openums/protocol';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { getPasswordPolicy, listAdmins, listAllAdmins, listApiTokens } from '../../api/admins';
import { listAdminGroups } from '../../api/admin-groups';
import { getAuditSettings, listAuditLog } from '../../api/audit';
import { listLdapDomains } from '../../api/ldap';

export const adminQueries = {
  /** Every key below starts with 'admins', so one invalidation refreshes them all. */
  accounts: ['admins', 'page'] as const,
  allAccounts: ['admins', 'all'] as const,
  tokens: (adminId: number) => ['admins', 'tokens', adminId] as const,
  passwordPolicy: ['settings', 'password-policy'] as const,
  groups: ['admin-groups'] as const,
  ldapDomains: ['ldap-domains'] as const,
  audit: (filter: AuditFilterQuery) => ['audit-log', filter] as const,
  auditAll: ['audit-log'] as const,
  auditSettings: ['settings', 'audit-log'] as const,
};

export function useAccounts() {
  return useInfiniteQuery({
    queryKey: adminQueries.accounts,
    queryFn: ({ pageParam, signal }) => listAdmins(pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** Every account at once: names of group members and of audit log actors. */
export function useAllAccounts(enabled = true) {
  return useQuery({ queryKey: adminQueries.allAccounts, queryFn: ({ signal }) => listAllAdmins(signal), enabled, retry: false });
}

export function useApiTokens(adminId: number) {
  return useQuery({ queryKey: adminQueries.tokens(adminId), queryFn: ({ signal }) => listApiTokens(adminId, signal) });
}

export function usePasswordPolicy() {
  return useQuery({ queryKey: adminQueries.passwordPolicy, queryFn: ({ signal }) => getPasswordPolicy(signal) });
}

export function useAdminGroups(enabled = true) {
  return useQuery({ queryKey: adminQueries.groups, queryFn: ({ signal }) => listAdminGroups(signal), enabled });
}

export function useLdapDomains() {
  return useQuery({ queryKey: adminQueries.ldapDomains, queryFn: ({ signal }) => listLdapDomains(signal) });
}

export function useAuditLog(filter: AuditFilterQuery) {
  return useInfiniteQuery({
    queryKey: adminQueries.audit(filter),
    queryFn: ({ pageParam, signal }) => listAuditLog(filter, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchOnWindowFocus: true,
  });
}

export function useAuditSettings() {
  return useQuery({ queryKey: adminQueries.auditSettings, queryFn: ({ signal }) => getAuditSettings(signal) });
}

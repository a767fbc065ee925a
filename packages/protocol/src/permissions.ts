/**
 * The one permission enum. Every REST route and device message names one of these, or
 * 'public'; the server refuses to register a route that names neither.
 */
export const Permission = {
  DevicesRead: 'devices:read',
  DevicesWrite: 'devices:write',
  FoldersWrite: 'device-folders:write',
  ServerRead: 'server:read',
  EnrollmentManage: 'enrollment:manage',
  CommandsSend: 'commands:send',
  ProfilesWrite: 'profiles:write',
  AdminsManage: 'admins:manage',
  ServersManage: 'servers:manage',
  /** LDAP / Active Directory domains: settings, test, search and import. */
  LdapManage: 'ldap:manage',
  /** Read and export the audit log. */
  AuditRead: 'audit:read',
  /** Change the audit log's retention. */
  AuditManage: 'audit:manage',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

export const ALL_PERMISSIONS: readonly Permission[] = Object.values(Permission);

/** Built-in roles. `superuser` is the first administrator created at installation. */
export const ROLE_PERMISSIONS: Record<string, readonly Permission[]> = {
  superuser: ALL_PERMISSIONS,
  viewer: [Permission.DevicesRead, Permission.ServerRead],
};

import { Permission } from './permissions.js';

/**
 * General rights: installation-wide abilities an administrator holds directly or through a
 * group (object rights on folders and devices are separate). Superusers hold all of them.
 * The keys are stable API names; never rename one once released.
 */
export const GeneralRight = {
  AccountsAndAccess: 'accountsAndAccess',
  GlobalSettings: 'globalSettings',
  Certificates: 'certificates',
  EnrollmentKeys: 'enrollmentKeys',
  Servers: 'servers',
  LoggingAndAudit: 'loggingAndAudit',
  Mail: 'mail',
  Ldap: 'ldap',
} as const;
export type GeneralRight = (typeof GeneralRight)[keyof typeof GeneralRight];

export const ALL_GENERAL_RIGHTS: readonly GeneralRight[] = Object.values(GeneralRight);

/**
 * Until object rights are evaluated, a general right also grants the route permissions of its
 * area (superusers hold every permission anyway).
 */
export const GENERAL_RIGHT_PERMISSIONS: Partial<Record<GeneralRight, readonly Permission[]>> = {
  accountsAndAccess: [Permission.AdminsManage],
  enrollmentKeys: [Permission.EnrollmentManage],
  servers: [Permission.ServersManage, Permission.ServerRead],
  ldap: [Permission.LdapManage],
  loggingAndAudit: [Permission.AuditRead, Permission.AuditManage],
};

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
  DefaultFolderRules: 'defaultFolderRules',
  /** Scheduled jobs and their run history (docs/jobs.md). */
  Jobs: 'jobs',
} as const;
export type GeneralRight = (typeof GeneralRight)[keyof typeof GeneralRight];

export const ALL_GENERAL_RIGHTS: readonly GeneralRight[] = Object.values(GeneralRight);

import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';
import * as initial from './20261127T1200-initial.js';
import * as deviceChannel from './20261127T1300-device-channel.js';
import * as profiles from './20261127T1400-profiles.js';
import * as settingsDelivery from './20261127T1500-settings-delivery.js';
import * as idempotencyKeys from './20261202T0900-idempotency-keys.js';
import * as sessionCsrfHash from './20261202T1000-session-csrf-hash.js';
import * as cluster from './20261203T0900-cluster.js';
import * as rateLimits from './20261203T1000-rate-limits.js';
import * as serverTlsNames from './20261204T0900-server-tls-names.js';
import * as admins from './20261205T0900-admins.js';
import * as accessEntries from './20261205T1000-access-entries.js';
import * as ldapDomains from './20261206T1100-ldap-domains.js';
import * as auditLog from './20261206T1200-audit-log.js';
import * as deviceVersionKey from './20261210T1000-device-version-key.js';
import * as deviceAttributes from './20261210T1100-device-attributes.js';
import * as views from './20261210T1200-views.js';
import * as viewIndexes from './20261211T1100-view-indexes.js';
import * as adminPreferences from './20261211T1500-admin-preferences.js';
import * as notifications from './20261211T1700-notifications.js';
import * as adminTasks from './20261211T1800-admin-tasks.js';
import * as structureTag from './20261211T1200-structure-tag.js';
import * as defaultFolderRules from './20261211T1300-default-folder-rules.js';
import * as jobs from './20261211T1600-jobs.js';
import * as jobHostFolders from './20261213T1000-job-host-folders.js';
import * as deviceCommLog from './20261213T1200-device-comm-log.js';
import * as deviceCertKey from './20261214T0900-device-cert-key.js';
import * as devicePresence from './20261215T0900-device-presence.js';
import * as deviceListCoveringIndex from './20261216T0900-device-list-covering-index.js';
import * as catchUpIndexes from './20261217T0900-catch-up-indexes.js';

export interface AppMigration {
  up(db: Kysely<any>, ctx: MigrationContext): Promise<void>;
}

/** All migrations, by timestamped name; the order of names is the order they run in. */
export const migrations: Record<string, AppMigration> = {
  '20261127T1200-initial': initial,
  '20261127T1300-device-channel': deviceChannel,
  '20261127T1400-profiles': profiles,
  '20261127T1500-settings-delivery': settingsDelivery,
  '20261202T0900-idempotency-keys': idempotencyKeys,
  '20261202T1000-session-csrf-hash': sessionCsrfHash,
  '20261203T0900-cluster': cluster,
  '20261203T1000-rate-limits': rateLimits,
  '20261204T0900-server-tls-names': serverTlsNames,
  '20261205T0900-admins': admins,
  '20261205T1000-access-entries': accessEntries,
  '20261206T1100-ldap-domains': ldapDomains,
  '20261206T1200-audit-log': auditLog,
  '20261210T1000-device-version-key': deviceVersionKey,
  '20261210T1100-device-attributes': deviceAttributes,
  '20261210T1200-views': views,
  '20261211T1100-view-indexes': viewIndexes,
  '20261211T1200-structure-tag': structureTag,
  '20261211T1300-default-folder-rules': defaultFolderRules,
  '20261211T1500-admin-preferences': adminPreferences,
  '20261211T1600-jobs': jobs,
  '20261211T1700-notifications': notifications,
  '20261211T1800-admin-tasks': adminTasks,
  '20261213T1000-job-host-folders': jobHostFolders,
  '20261213T1200-device-comm-log': deviceCommLog,
  '20261214T0900-device-cert-key': deviceCertKey,
  '20261215T0900-device-presence': devicePresence,
  '20261216T0900-device-list-covering-index': deviceListCoveringIndex,
  '20261217T0900-catch-up-indexes': catchUpIndexes,
};

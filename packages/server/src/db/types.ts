import type { Generated } from 'kysely';
import type {
  DeviceAttributesTable,
  DeviceAttributeValuesTable,
  DefaultFolderRulesTable,
  DeviceFolderRulesTable,
  NotificationsTable,
  NotificationReadsTable,
  AdminTasksTable,
  AdminTaskRunsTable,
} from './types-features.js';

export type {
  DeviceAttributesTable,
  DeviceAttributeValuesTable,
  DefaultFolderRulesTable,
  DeviceFolderRulesTable,
  NotificationsTable,
  NotificationReadsTable,
  AdminTasksTable,
  AdminTaskRunsTable,
};

/**
 * Row shapes as stored. Portable types only: integer ids, epoch milliseconds, 0/1 booleans,
 * JSON as text. Repositories turn these into API shapes.
 */
export interface SettingsTable {
  key: string;
  value: string;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  role: string;
  created_at: number;
  updated_at: number;
  /** LDAP domain of a directory account; null = local. Unique (domain, username). */
  domain: string | null;
  /** 0/1; defaults to 0. */
  superuser: Generated<number>;
  disabled: Generated<number>;
  /** JSON array of general right names; defaults to []. */
  general_rights: Generated<string>;
  /** Directory accounts: 1 when imported, 0 when created at a login through an imported group. */
  directory_imported: Generated<number>;
}

export interface AdminPasswordHistoryTable {
  id: Generated<number>;
  user_id: number;
  password_hash: string;
  created_at: number;
}

export interface AdminGroupsTable {
  id: Generated<number>;
  name: string;
  general_rights: string;
  created_at: number;
  /** Set for a group imported from a directory: its domain and DN (and the DN lower-cased). */
  ldap_domain_id: number | null;
  directory_dn: string | null;
  directory_dn_key: string | null;
}

/** Exactly one of member_admin_id, member_group_id is set. */
export interface AdminGroupMembersTable {
  group_id: number;
  member_admin_id: number | null;
  member_group_id: number | null;
}

/**
 * One principal's rights on one object or folder. Bit i of a mask is OBJECT_RIGHTS[i]; a right in
 * neither mask is not set (never in both).
 */
export interface AccessEntriesTable {
  object_type: string;
  object_id: number;
  principal_type: 'admin' | 'group';
  principal_id: number;
  allow_mask: number;
  deny_mask: number;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  prefix: string;
  /** SHA-256 (hex) of the whole token. */
  token_hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface SessionsTable {
  id: Generated<number>;
  token_hash: string;
  /** SHA-256 (hex) of the CSRF token; the token itself is only in the browser. */
  csrf_token_hash: string;
  user_id: number;
  created_at: number;
  expires_at: number;
}

export interface DeviceFoldersTable {
  id: Generated<number>;
  name: string;
  parent_id: number | null;
  created_at: number;
}

/** Online state of a device, apart from the wide device row (one per device, made by a trigger on insert). */
export interface DevicePresenceTable {
  device_id: number;
  online: number;
  /** The server process holding the device's channel (null: none). */
  connected_server: string | null;
  /** 0 = never; not NULL so keyset pagination can sort on it. */
  last_contact: number;
  /** The system information (JSON) the device last reported, and when. */
  sysinfo: string | null;
  sysinfo_at: number | null;
}

export interface DevicesTable {
  id: Generated<number>;
  unit_id: string | null;
  mac: string;
  name: string;
  /** lower(name): the sort and prefix-search key. */
  name_lc: string;
  network_name: string | null;
  folder_id: number | null;
  site: string | null;
  department: string | null;
  cost_center: string | null;
  comment: string | null;
  asset_id: string | null;
  in_service_date: string | null;
  serial_number: string | null;
  serial_lc: string | null;
  product: string | null;
  version: string | null;
  last_ip: string | null;
  last_boot: number | null;
  registered_at: number;
  cert_serial: string | null;
  cert_expires_at: number | null;
  /** SHA-256 (hex) of the public key of the current certificate; null if issued before it was kept. */
  cert_key_sha256: string | null;
  config_state: 'PENDING' | 'APPLIED' | null;
  config_revision: number;
  config_apply: 'now' | 'next-reboot';
  config_changed_at: number | null;
  config_applied_revision: number | null;
  config_applied_hash: string | null;
  config_applied_at: number | null;
  config_error: string | null;
  /** The structure tag the device reports (null: none reported). */
  structure_tag: string | null;
}

export interface EnrollmentKeysTable {
  id: Generated<number>;
  type: 'one-time' | 'mass';
  lookup: string;
  secret_hash: string;
  unit_id: string | null;
  folder_id: number | null;
  max_uses: number | null;
  uses: number;
  expires_at: number | null;
  disabled: number;
  comment: string | null;
  created_at: number;
  last_used_at: number | null;
}

export interface CommandsTable {
  id: Generated<number>;
  device_id: number;
  command: string;
  text: string | null;
  state: string;
  message: string | null;
  created_at: number;
  sent_at: number | null;
  acknowledged_at: number | null;
  finished_at: number | null;
  expires_at: number;
  created_by: string | null;
}

export interface ProfilesTable {
  id: Generated<number>;
  name: string;
  type: 'standard' | 'priority';
  based_on: string;
  folder_id: number | null;
  name_lc: string;
  /** JSON object: activated parameter key → value. */
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface ProfileAssignmentsTable {
  id: Generated<number>;
  profile_id: number;
  target_type: 'device' | 'folder';
  target_id: number;
  created_at: number;
}

export interface ProfileFoldersTable {
  id: Generated<number>;
  name: string;
  parent_id: number | null;
  created_at: number;
}

export interface ViewFoldersTable {
  id: Generated<number>;
  name: string;
  parent_id: number | null;
  created_at: number;
}

export interface ViewsTable {
  id: Generated<number>;
  name: string;
  description: string;
  folder_id: number | null;
  criteria_json: string;
  created_at: number;
  updated_at: number;
}

export interface DeviceSettingsTable {
  device_id: number;
  settings: string;
  updated_at: number;
}

/** Per-administrator web app preferences (migration 20261211T1500). */
export interface AdminPreferencesTable {
  admin_id: number;
  key: string;
  /** JSON text. */
  value: string;
  updated_at: number;
}

export interface Database {
  settings: SettingsTable;
  admin_preferences: AdminPreferencesTable;
  notifications: NotificationsTable;
  notification_reads: NotificationReadsTable;
  admin_tasks: AdminTasksTable;
  admin_task_runs: AdminTaskRunsTable;
  users: UsersTable;
  sessions: SessionsTable;
  admin_password_history: AdminPasswordHistoryTable;
  admin_groups: AdminGroupsTable;
  admin_group_members: AdminGroupMembersTable;
  access_entries: AccessEntriesTable;
  api_tokens: ApiTokensTable;
  device_folders: DeviceFoldersTable;
  devices: DevicesTable;
  device_presence: DevicePresenceTable;
  enrollment_keys: EnrollmentKeysTable;
  commands: CommandsTable;
  profiles: ProfilesTable;
  profile_assignments: ProfileAssignmentsTable;
  device_settings: DeviceSettingsTable;
  profile_folders: ProfileFoldersTable;
  idempotency_keys: IdempotencyKeysTable;
  servers: ServersTable;
  leases: LeasesTable;
  rate_limits: RateLimitsTable;
  ldap_domains: LdapDomainsTable;
  audit_log: AuditLogTable;
  device_attributes: DeviceAttributesTable;
  device_attribute_values: DeviceAttributeValuesTable;
  view_folders: ViewFoldersTable;
  views: ViewsTable;
  default_folder_rules: DefaultFolderRulesTable;
  device_folder_rules: DeviceFolderRulesTable;
}

export interface IdempotencyKeysTable {
  id: Generated<number>;
  principal: string;
  idempotency_key: string;
  route: string;
  request_hash: string;
  status: number;
  response: string;
  created_at: number;
}

export interface ServersTable {
  /** `<host id>.<worker>` */
  id: string;
  host: string;
  pid: number;
  worker: number;
  version: string;
  database: string;
  /** JSON array of addresses. */
  addresses: string;
  port: number;
  started_at: number;
  last_beat: number;
  status: string;
  devices_connected: number;
  clock_offset_ms: number;
  /** JSON array of the names this process wants in the shared web certificate. */
  tls_names: string;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

export interface RateLimitsTable {
  /** 'login' or 'enroll' */
  scope: string;
  /** e.g. `ip:10.0.0.1`, `user:alice` */
  key: string;
  failures: number;
  window_start: number;
  blocked_until: number;
  blocks: number;
}

export interface LdapDomainsTable {
  id: Generated<number>;
  name: string;
  /** The name lower-cased (unique). */
  name_key: string;
  /** 'ad' | 'ldap' */
  kind: string;
  /** JSON array of hosts. */
  hosts: string;
  port: number;
  /** 'none' | 'ldaps' | 'starttls' */
  security: string;
  ca_pem: string | null;
  verify_host_name: number;
  base_dn: string;
  bind_dn: string | null;
  /** SecretBox-sealed; never leaves the server. */
  bind_password_sealed: string | null;
  naming_attribute: string;
  group_attribute: string;
  member_attribute: string | null;
  user_filter: string | null;
  page_size: number;
  /** JSON array. */
  upn_suffixes: string;
  created_at: number;
  updated_at: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  /** Epoch ms, from the writing server's clock. */
  at: number;
  actor_id: number | null;
  /** The actor's user name at the time (kept after a rename or deletion). */
  actor_name: string | null;
  /** 'session' | 'token' */
  via: string | null;
  token_id: number | null;
  address: string | null;
  /** Dotted action name, e.g. `device.update`. */
  action: string;
  object_type: string | null;
  object_id: number | null;
  object_name: string | null;
  /** JSON with secrets masked. */
  before_json: string | null;
  after_json: string | null;
  /** 'success' | 'failure' */
  result: string;
}

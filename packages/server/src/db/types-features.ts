import type { Generated } from 'kysely';

// Tables of the features added since issue 12 (attributes, default folder rules, notifications,
// administrative tasks); `Database` in types.ts lists them with the others.

export interface DeviceAttributesTable {
  id: Generated<number>;
  identifier: string;
  name: string;
  type: string;
  /** JSON array (range attributes only). */
  range_json: string | null;
  overwrite: string;
  created_at: number;
  updated_at: number;
}

export interface DeviceAttributeValuesTable {
  device_id: number;
  attribute_id: number;
  value: string;
  updated_at: number;
  /** 'server' | 'device' */
  set_by: string;
}

export interface DefaultFolderRulesTable {
  id: Generated<number>;
  parent_id: number | null;
  position: number;
  name: string;
  criteria_json: string;
  /** 'none' | 'folder' | 'perSubnet' */
  target_mode: string;
  target_folder_id: number | null;
  prefix_length: number | null;
  overrides_existing: number;
  apply_at_boot: number;
  leave_in_subfolder: number;
  created_at: number;
  updated_at: number;
}

/** What the default folder rules still owe a device (migration 20261211T1300). */
export interface DeviceFolderRulesTable {
  device_id: number;
  /** 0 nothing; 1 (or no row) first contact completes registration (folder free); 2 the same, folder is a membership. */
  pending: number;
  /** Server time the rules last ran for the device. */
  applied_at: number;
}

export interface NotificationsTable {
  id: Generated<number>;
  /** The condition's name across checks and restarts, unique. */
  key: string;
  kind: string;
  severity: string;
  title: string;
  message: string;
  object_type: string | null;
  object_id: string | null;
  created_at: number;
  updated_at: number;
  resolved_at: number | null;
}

export interface NotificationReadsTable {
  notification_id: number;
  admin_id: number;
  read_at: number;
}

export interface AdminTasksTable {
  id: Generated<number>;
  name: string;
  type: string;
  options_json: string;
  schedule_json: string;
  enabled: number;
  next_run_at: number | null;
  last_run_at: number | null;
  last_state: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface AdminTaskRunsTable {
  id: Generated<number>;
  task_id: number;
  started_at: number;
  finished_at: number | null;
  state: string;
  message: string | null;
}

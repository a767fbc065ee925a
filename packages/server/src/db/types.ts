import type { Generated } from 'kysely';

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
}

export interface SessionsTable {
  id: Generated<number>;
  token_hash: string;
  csrf_token: string;
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
  /** 0 = never; not NULL so keyset pagination can sort on it. */
  last_contact: number;
  last_boot: number | null;
  registered_at: number;
  online: number;
}

export interface Database {
  settings: SettingsTable;
  users: UsersTable;
  sessions: SessionsTable;
  device_folders: DeviceFoldersTable;
  devices: DevicesTable;
}

import type { Generated, Kysely } from 'kysely';
import type { Database } from '../../db/types.js';

// The module's tables (migration 20261213T1200-device-comm-log), typed here: the module owns them.

/** A row per device whose communication log is on. */
export interface DeviceCommLogSwitchesTable {
  device_id: number;
  /** 1: keep payloads. */
  payload: number;
  since: number;
}

export interface DeviceCommLogTable {
  id: Generated<number>;
  device_id: number;
  at: number;
  /** 'in' | 'out' */
  direction: string;
  type: string;
  size: number;
  payload: string | null;
  truncated: number;
}

export interface CommLogTables {
  device_comm_log_switches: DeviceCommLogSwitchesTable;
  device_comm_log: DeviceCommLogTable;
}

export type CommLogDb = Kysely<Database & CommLogTables>;

/** An entry as the recorder hands it to the writer. */
export type CommLogInsert = Omit<DeviceCommLogTable, 'id'>;

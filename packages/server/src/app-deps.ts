import type { ClusterBus } from './cluster/bus.js';
import type { Config } from './config/schema.js';
import type { DatabaseHandle } from './db/database.js';
import type { Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import type { Metrics } from './lib/metrics.js';
import type { DecisionObserver } from './modules/auth/access.js';

/** What buildApp is built from (server.ts in production, helpers in tests). */
export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  /** This process: `<host id>.<worker>` (presence, leases and the server registry are keyed on it). */
  serverId: string;
  /** Worker index on this host (0 when there is one process). */
  worker?: number;
  /** Wake-ups between the processes of the cluster; one process alone when absent. */
  bus?: ClusterBus;
  clock?: Clock;
  /** The machine's clock as compared with the database's (tests skew it); the system clock when absent. */
  wallClock?: Clock;
  logger?: Logger;
  metrics?: Metrics;
  /** TLS for the HTTPS port; absent in in-process tests that use `inject`. */
  https?: {
    key: string;
    cert: string;
    ca: string;
    minVersion: 'TLSv1.2' | 'TLSv1.3';
    ticketKeys?: Buffer;
    /** The web CA's key: with it, the process shares the installation's web certificate (tls/shared-web-cert.ts). */
    caKey?: string;
  };
  webCaPem?: string | null;
  /** Sees every administrator request's access decision (the route-walking test). */
  onAccessDecision?: DecisionObserver;
  /** Password for the first administrator; generated when absent. */
  adminPassword?: string | undefined;
}

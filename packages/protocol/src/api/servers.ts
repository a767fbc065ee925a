import { Type, type Static } from 'typebox';

/** A server process of the cluster, as registered in the database (`GET /api/v1/servers`). */
export const ServerProcess = Type.Object({
  /** `<host id>.<worker>`: stable across restarts of the same worker on the same data directory. */
  id: Type.String(),
  host: Type.String({ description: 'Host name of the machine the process runs on' }),
  pid: Type.Integer(),
  /** Worker index on its host (0 … workers-1). */
  worker: Type.Integer(),
  version: Type.String(),
  database: Type.String({ description: 'Database the process uses, without credentials' }),
  addresses: Type.Array(Type.String(), { description: 'Addresses of the host (non-internal interfaces)' }),
  port: Type.Integer(),
  startedAt: Type.String({ format: 'date-time' }),
  lastBeat: Type.String({ format: 'date-time' }),
  /** dead: no beat for three beat intervals; its devices were marked offline and its leases released. */
  status: Type.Union([Type.Literal('running'), Type.Literal('dead')]),
  devicesConnected: Type.Integer(),
  /** This process's clock minus the database's clock at the last beat (ms). */
  clockOffsetMs: Type.Integer(),
  /** True for the process that answered this request. */
  self: Type.Boolean(),
});
export type ServerProcess = Static<typeof ServerProcess>;

export const ServerListResponse = Type.Object({ items: Type.Array(ServerProcess) });
export type ServerListResponse = Static<typeof ServerListResponse>;

/** Version or clock differences between running servers beyond this are reported as `warn`. */
export const MAX_CLOCK_SKEW_MS = 60_000;

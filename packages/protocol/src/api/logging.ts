import { Type, type Static, type TOptional } from 'typebox';

/**
 * `GET`/`PUT /api/v1/settings/logging`: how much each server process logs, changed at run time
 * (every process applies a change within seconds, no restart). `level` is the default; `areas`
 * overrides it for one part of the server.
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];
export const LogLevelName = Type.Unsafe<LogLevelName>(Type.Union(LOG_LEVELS.map((l) => Type.Literal(l))));

/** The parts of the server with a level of their own. */
export const LOG_AREAS = ['gateway', 'commands', 'delivery', 'operations'] as const;
export type LogArea = (typeof LOG_AREAS)[number];

export const LoggingSettings = Type.Object(
  {
    level: LogLevelName,
    areas: Type.Object(
      Object.fromEntries(LOG_AREAS.map((a) => [a, Type.Optional(LogLevelName)])) as Record<LogArea, TOptional<typeof LogLevelName>>,
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type LoggingSettings = Static<typeof LoggingSettings>;

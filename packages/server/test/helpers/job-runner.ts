import type { Kysely } from 'kysely';
import type { DialectName } from '../../src/db/dialect.js';
import type { Clock } from '../../src/lib/clock.js';
import { JobRunner } from '../../src/modules/jobs/job-runner.js';
import { JobsRepository } from '../../src/modules/jobs/jobs.repository.js';

/** What a bare job runner's commands do: nothing, unless a test passes the app's own. */
const idleCommands = { sendCommand: async () => ({ commands: [] }), flush: async () => undefined };

/**
 * A job runner outside an app, to step runs by hand (`advance`, `advanceAll`): settings changes
 * do nothing, and no administrator's rights are checked (runs started by the system).
 */
export function bareJobRunner(opts: {
  db: Kysely<any>;
  dialect: DialectName;
  clock: Clock;
  repo?: JobsRepository;
  commands?: ConstructorParameters<typeof JobRunner>[3];
}): JobRunner {
  return new JobRunner(
    opts.repo ?? new JobsRepository(opts.db as never),
    opts.db as never,
    opts.dialect,
    opts.commands ?? (idleCommands as never),
    { change: async () => undefined } as never,
    async () => ({ allowed: [], refused: [], unknown: [] }),
    opts.clock,
    null,
  );
}

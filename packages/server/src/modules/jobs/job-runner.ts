import { sql } from 'kysely';
import {
  COMMAND_RIGHT,
  type CommandName,
  type JobCommand,
  type JobOptions,
  type JobTarget,
  type ObjectRight,
  type ViewCriteria,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { DialectName } from '../../db/dialect.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { CommandsService } from '../commands/commands.service.js';
import type { ConfigurationChanges } from '../configuration-delivery/configuration-changes.js';
import { folderSubtreeIds } from '../device-folders/device-folders.repository.js';
import { criteriaSql } from '../views/criteria-sql.js';
import { loadViewAttributes } from '../views/view-attributes.js';
import { SavedViewsRepository } from '../views/saved-views.repository.js';
import type { Partitioned } from '../access/request-rights.js';
import type { JobRow, JobRunRow, JobsRepository } from './jobs.repository.js';
import { clusterScope, type RunnerScope } from './job-hosts.js';
import { JobHostsRepository } from './job-hosts.repository.js';
import { occurrenceFrom } from './schedule.js';
import { withDefaults } from './job-options.js';

/** The right a job's command needs on each device (COMMAND_RIGHT; settings-to-device: editConfiguration). */
export const jobCommandRight = (command: string): ObjectRight =>
  command === 'settings-to-device' ? 'editConfiguration' : COMMAND_RIGHT[command as CommandName];

/** What a run executes, copied from the job when the run starts. */
export interface RunSpec {
  options: Required<JobOptions>;
  targets: JobTarget[];
  createdById: number | null;
}

/** Sorts device ids by the rights of an administrator (the job's creator) at run time. */
export type RightsFor = (actor: { userId: number; superuser: boolean }, ids: number[], right: ObjectRight) => Promise<Partitioned>;

const DUE_BATCH = 100;
const ACTIVE_RUNS = 50;
/** A device claimed for a start whose command never committed (crash in between) is queued again after this. */
const ORPHAN_MS = 30_000;
const ORPHAN_CHECK_MS = 5_000;
const CANCELLED = 'the run was cancelled before the device was reached';

/**
 * The scheduler and executor of job runs, all state in the database. `tick()` runs under one
 * cluster lease (SingletonTasks): it claims due jobs (compare-and-set on `next_run_at`, run
 * inserted in the same transaction) and moves every active run one step — resolve targets,
 * follow command results back, time out, expire, start the next devices within `maxThreads`.
 * Whichever process holds the lease continues a run another process started (kill -9 safe).
 */
export class JobRunner {
  private stopped = false;
  /** When each active run was last checked for orphans (this process). */
  private readonly orphanCheck = new Map<number, number>();

  constructor(
    private readonly repo: JobsRepository,
    private readonly db: Db,
    private readonly dialect: DialectName,
    private readonly commands: Pick<CommandsService, 'sendCommand' | 'flush'>,
    private readonly configuration: Pick<ConfigurationChanges, 'change'>,
    private readonly rightsFor: RightsFor,
    private readonly clock: Clock,
    private readonly log: Logger | null,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  /**
   * Work for about `budgetMs`, a step every `stepMs` (the lease's tick is a few seconds), on the
   * jobs and runs of `scope`: cluster-wide, or those pinned to one host (job-hosts.ts).
   */
  async tick(budgetMs = 0, stepMs = 250, scope: RunnerScope = clusterScope()): Promise<void> {
    const end = Date.now() + budgetMs;
    for (;;) {
      await this.claimDue(scope);
      const busy = await this.advanceAll(scope);
      if (this.stopped || Date.now() + stepMs > end) return;
      await new Promise((r) => setTimeout(r, busy ? 50 : stepMs));
    }
  }

  /**
   * Claims the due jobs. Missed-run policy: a run due less than the job's expiry ago runs now
   * (once, however many occurrences were missed); one due longer ago is recorded as `missed`.
   * Either way the next occurrence is the first after now. Returns the runs created. Only jobs
   * of `scope` (host assignment); the run records the host it was pinned to and the one running it.
   */
  async claimDue(scope: RunnerScope = clusterScope()): Promise<number[]> {
    const now = this.clock.now();
    const created: number[] = [];
    for (const job of await new JobHostsRepository(this.db).listDue(now, DUE_BATCH, scope)) {
      const due = job.next_run_at!;
      const repeat = job.repeat_json ? JSON.parse(job.repeat_json) : null;
      let next: number | null = null;
      try {
        next = repeat ? occurrenceFrom(job.start_at, repeat, now + 1) : null;
      } catch (err) {
        this.log?.error({ err, jobId: job.id }, 'job schedule no longer valid; no next run');
      }
      const options = withDefaults(JSON.parse(job.options_json));
      const missed = now - due > options.expiryMinutes * 60_000;
      const run = { ...this.newRun(job, 'schedule', due, now, missed), host: job.host, server: scope.host };
      const id = await this.repo.claim(job.id, due, next, run);
      if (id !== null) created.push(id);
    }
    return created;
  }

  newRun(job: JobRow, trigger: 'schedule' | 'manual', planned: number, now: number, missed = false, createdBy: string | null = null) {
    const options = withDefaults(JSON.parse(job.options_json));
    const spec: RunSpec = { options, targets: JSON.parse(job.targets_json), createdById: job.created_by_id };
    return {
      job_id: job.id,
      trigger,
      state: missed ? 'missed' : 'running',
      message: missed
        ? `the server was not running at ${new Date(planned).toISOString()}; missed by more than the expiry (${options.expiryMinutes} min)`
        : null,
      command: job.command,
      text: job.text,
      options_json: JSON.stringify(spec),
      planned_at: planned,
      started_at: now,
      expires_at: now + options.expiryMinutes * 60_000,
      finished_at: missed ? now : null,
      last_start_at: null,
      resolved: missed ? 1 : 0,
      created_by: createdBy ?? job.created_by,
    };
  }

  /** One step of every active run of `scope`; true when a run still has devices to start or in flight. */
  async advanceAll(scope: RunnerScope = clusterScope()): Promise<boolean> {
    const hosts = new JobHostsRepository(this.db);
    const runs = await hosts.listActiveRuns(ACTIVE_RUNS, scope);
    for (const id of this.orphanCheck.keys()) if (!runs.some((r) => r.id === id)) this.orphanCheck.delete(id);
    if (!runs.length) return false;
    // The host executing: on runs started without a claim (run now) and on runs taken over from their pinned host.
    const adopted = runs.filter((r) => r.server === null || (r.server === r.host && r.host !== scope.host));
    if (adopted.length)
      await hosts.setServer(
        adopted.map((r) => r.id),
        scope.host,
      );
    // Results of devices held by this process are batched in memory: write them first.
    await this.commands.flush();
    let busy = false;
    for (const run of runs) {
      try {
        busy = (await this.advance(run)) || busy;
      } catch (err) {
        this.log?.error({ err, runId: run.id }, 'job run step failed; retried at the next step');
      }
    }
    return busy;
  }

  /** One step of one run; true while it has open devices. */
  async advance(run: JobRunRow): Promise<boolean> {
    const spec = JSON.parse(run.options_json) as RunSpec;
    const now = this.clock.now();
    if (!run.resolved && !(await this.resolve(run, spec))) return false;
    // Orphans are rare (a crash between claim and commit): looked for every few seconds, not every step.
    if (now - (this.orphanCheck.get(run.id) ?? 0) >= ORPHAN_CHECK_MS) {
      this.orphanCheck.set(run.id, now);
      await this.repo.requeueOrphans(run.id, now - ORPHAN_MS);
    }
    // A cancelled run starts nothing: devices requeued above are not reached either.
    if (run.state === 'cancelled') await this.repo.closeOpen(run.id, ['queued'], 'cancelled', now, CANCELLED);
    await this.followResults(run.id);
    if (run.state === 'running') {
      await this.repo.timeOut(run.id, now - spec.options.timeoutSeconds * 1000, now, `no result within ${spec.options.timeoutSeconds} s`);
    }
    if (now >= run.expires_at) {
      await this.repo.closeOpen(run.id, ['queued', 'sent'], 'expired', now, 'the run expired before the device finished');
      await this.repo.updateRun(run.id, { state: run.state === 'running' ? 'finished' : run.state, finished_at: now });
      if (spec.options.logResults) await this.logResult(run);
      return false;
    }
    if (run.state === 'running') await this.startDevices(run, spec, now);
    if ((await this.repo.countOpen(run.id)) === 0) {
      await this.repo.updateRun(run.id, { state: run.state === 'running' ? 'finished' : run.state, finished_at: this.clock.now() });
      if (spec.options.logResults) await this.logResult(run);
      return false;
    }
    return true;
  }

  /** "Log results": one log line per finished run with its counts per state. */
  private async logResult(run: JobRunRow): Promise<void> {
    const counts = (await this.repo.countsOf([run.id])).get(run.id) ?? {};
    this.log?.info({ jobId: run.job_id, runId: run.id, command: run.command, counts }, 'job run finished');
  }

  /** Targets → queued rows (set-based, one transaction). False when every target is gone. */
  private async resolve(run: JobRunRow, spec: RunSpec): Promise<boolean> {
    const gone: string[] = [];
    await this.repo.transaction(async (trx) => {
      for (const t of spec.targets) {
        if (t.type === 'device') {
          const exists = await sql`select id from devices where id = ${t.id}`.execute(trx);
          if (!exists.rows.length) gone.push(`device ${t.id}`);
          else await this.repo.addDevices(trx, run.id, sql<boolean>`id = ${t.id}`);
        } else if (t.type === 'folder') {
          if (!(await this.repo.folderExists2(trx, t.id))) gone.push(`folder ${t.id}`);
          else await this.repo.addDevices(trx, run.id, sql<boolean>`folder_id in ${folderSubtreeIds([t.id])}`);
        } else {
          const view = await new SavedViewsRepository(trx).findView(t.id, trx);
          if (!view) {
            gone.push(`view ${t.id}`);
            continue;
          }
          const criteria = JSON.parse(view.criteria_json) as ViewCriteria;
          const attributes = await loadViewAttributes(trx, criteria);
          await this.repo.addDevices(trx, run.id, criteriaSql(criteria, { dialect: this.dialect, now: this.clock.now(), attributes }));
        }
      }
      const message = gone.length ? `target gone: ${gone.join(', ')}` : null;
      if (gone.length === spec.targets.length) {
        await this.repo.updateRunIn(trx, run.id, { state: 'targetGone', message, resolved: 1, finished_at: this.clock.now() });
      } else {
        await this.repo.updateRunIn(trx, run.id, { resolved: 1, message });
      }
    });
    if (gone.length) this.log?.warn({ runId: run.id, gone }, 'job run: target gone');
    return gone.length < spec.targets.length;
  }

  /** Finished commands → the run's device rows (grouped writes, one transaction). */
  private async followResults(runId: number): Promise<void> {
    for (;;) {
      const done = await this.repo.finishedCommands(runId);
      if (!done.length) return;
      await this.repo.writeResults(
        runId,
        done.map((d) => ({ deviceId: d.deviceId, state: d.state, message: d.message, finishedAt: d.finishedAt ?? this.clock.now() })),
      );
      if (done.length < 5000) return;
    }
  }

  private async startDevices(run: JobRunRow, spec: RunSpec, now: number): Promise<void> {
    const { maxThreads, delaySeconds, retryNextBoot } = spec.options;
    let slots = maxThreads - (await this.repo.countInFlight(run.id));
    if (slots <= 0) return;
    if (delaySeconds > 0) {
      if (run.last_start_at !== null && now - run.last_start_at < delaySeconds * 1000) return;
      slots = 1;
    }
    const right = jobCommandRight(run.command);
    const creator = spec.createdById === null ? null : await this.repo.findCreator(spec.createdById);
    // Skipped devices take no slot: keep reading until the slots are used or nothing is queued.
    while (slots > 0 && !this.stopped) {
      const next = await this.repo.nextQueued(run.id, slots);
      if (!next.length) return;
      const skip = async (ids: number[], message: string) => {
        if (ids.length) await this.repo.moveQueued(run.id, ids, { state: 'skipped', message, finished_at: now });
      };
      await skip(
        next.filter((d) => !d.exists).map((d) => d.device_id),
        'the device no longer exists',
      );
      let candidates = next.filter((d) => d.exists);
      if (!creator) {
        await skip(
          candidates.map((d) => d.device_id),
          "the job's creator no longer exists or is disabled",
        );
        continue;
      }
      // A superuser may do everything to every device that exists (nextQueued read that): no query.
      const sorted = creator.superuser
        ? { allowed: candidates.map((d) => d.device_id), refused: [], unknown: [] }
        : await this.rightsFor(
            { userId: spec.createdById!, superuser: creator.superuser },
            candidates.map((d) => d.device_id),
            right,
          );
      const allowed = new Set(sorted.allowed);
      await skip([...sorted.refused, ...sorted.unknown], `the job's creator lacks the ${right} right on the device`);
      candidates = candidates.filter((d) => allowed.has(d.device_id));
      const offline = candidates.filter((d) => !d.online).map((d) => d.device_id);
      // Waking offline devices is what `wakeup` is for: they wait for their connection like retry
      // devices. Settings to device needs no connection: the configuration is marked and delivered
      // when the device next connects (and the run does not hinge on presence being written yet).
      const waitForOffline = retryNextBoot || run.command === 'wakeup' || run.command === 'settings-to-device';
      if (!waitForOffline) await skip(offline, 'offline at run time (retry at next boot is off)');
      const starting = waitForOffline ? candidates : candidates.filter((d) => d.online);
      if (starting.length) {
        await this.start(
          run,
          starting.map((d) => d.device_id),
          new Set(offline),
          now,
        );
        slots -= starting.filter((d) => d.online).length;
      }
      if (delaySeconds > 0 && starting.length) return;
    }
  }

  /** Claims the devices (queued → sent), then creates their commands; the command ids are written in the commands' transaction. */
  private async start(run: JobRunRow, deviceIds: number[], offline: Set<number>, now: number): Promise<void> {
    const online = deviceIds.filter((id) => !offline.has(id));
    const away = deviceIds.filter((id) => offline.has(id));
    const claimed = [
      ...(await this.repo.moveQueued(run.id, online, { state: 'sent', deferred: 0, started_at: now })),
      ...(await this.repo.moveQueued(run.id, away, {
        state: 'sent',
        deferred: 1,
        started_at: now,
        message:
          run.command === 'wakeup'
            ? 'offline: woken; succeeds when the device connects before the run expires'
            : 'offline: executes when the device next connects, until the run expires',
      })),
    ];
    await this.repo.updateRun(run.id, { last_start_at: now });
    if (!claimed.length) return;
    if ((run.command as JobCommand) === 'settings-to-device') {
      await this.configuration.change((trx, mark) => mark.devices(claimed, 'now'));
      await this.repo.setDevicesState(run.id, claimed, {
        state: 'succeeded',
        finished_at: this.clock.now(),
        message: 'configuration marked for delivery now (the device state shows when it is applied)',
      });
      return;
    }
    const expiresInSeconds = Math.max(10, Math.ceil((run.expires_at - now) / 1000));
    try {
      await this.commands.sendCommand(
        { command: run.command as CommandName, deviceIds: claimed, ...(run.text !== null ? { text: run.text } : {}), expiresInSeconds },
        run.created_by,
        async (trx, answer) => {
          const a = answer as { commands: Array<{ id: number; deviceId: number }> };
          await this.repo.setCommandIds(
            trx,
            run.id,
            a.commands.map((c) => ({ deviceId: c.deviceId, commandId: c.id })),
          );
        },
      );
    } catch (err) {
      this.log?.warn({ err, runId: run.id }, 'job run: commands not created');
      await this.repo.setDevicesState(run.id, claimed, {
        state: 'failed',
        finished_at: this.clock.now(),
        message: `the command was not created: ${(err as Error).message}`,
      });
    }
  }

  /** Cancel: devices not reached yet (queued, or waiting for their next boot) → cancelled. */
  async cancel(run: JobRunRow): Promise<void> {
    const now = this.clock.now();
    // Deliveries made on this process are written first (a device that just connected got its command).
    await this.commands.flush();
    await this.repo.updateRun(run.id, { state: 'cancelled' });
    await this.repo.closeOpen(run.id, ['queued'], 'cancelled', now, CANCELLED);
    const unreached = await this.repo.unreachedSent(run.id);
    await this.repo.cancelQueuedCommands(
      unreached.map((u) => u.command_id),
      now,
    );
    await this.repo.setDevicesState(
      run.id,
      unreached.map((u) => u.device_id),
      { state: 'cancelled', finished_at: now, message: CANCELLED },
    );
  }
}

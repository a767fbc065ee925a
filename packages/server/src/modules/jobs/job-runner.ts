import { sql } from 'kysely';
import {
  COMMAND_RIGHT,
  ErrorCode,
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
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { CommandsService } from '../commands/commands.service.js';
import type { ConfigurationChanges } from '../configuration-delivery/configuration-changes.js';
import { subtreeCondition } from '../device-folders/device-folders.repository.js';
import { criteriaCondition } from '../views/criteria-condition.js';
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
/** A device claimed without a command (settings-to-device, crash before the marking) is queued again after this. */
const ORPHAN_MS = 30_000;
const ORPHAN_CHECK_MS = 5_000;
const CANCELLED = 'the run was cancelled before the device was reached';

/** Another runner claimed devices of this start first: the commands' transaction rolls back. */
class ClaimLost extends Error {}

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
  /** Per scope, the last run stepped: the next step starts after it (round robin over open runs). */
  private readonly stepCursor = new Map<string, number>();

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
      // Every due job is claimed (a batch at a time) before runs are stepped: a thousand jobs due
      // in the same minute all start on time instead of a batch per step.
      for (let n = DUE_BATCH; n === DUE_BATCH && !this.stopped;) n = (await this.claimDue(scope)).length;
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
    const cursorKey = `${scope.pinned ? 'host' : 'cluster'}:${scope.host}`;
    const runs = await hosts.listActiveRuns(ACTIVE_RUNS, scope, this.stepCursor.get(cursorKey) ?? 0);
    if (!runs.length) {
      this.orphanCheck.clear();
      this.stepCursor.delete(cursorKey);
      return false;
    }
    this.stepCursor.set(cursorKey, runs[runs.length - 1]!.id);
    if (this.orphanCheck.size > 20 * ACTIVE_RUNS) this.orphanCheck.clear(); // finished runs' entries: an early check each
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
    // Orphans (settings-to-device rows claimed, then a crash before the marking) are rare:
    // looked for every few seconds, not every step. Command starts claim in the commands' transaction.
    if (now - (this.orphanCheck.get(run.id) ?? 0) >= ORPHAN_CHECK_MS) {
      this.orphanCheck.set(run.id, now);
      await this.repo.requeueOrphans(run.id, now - ORPHAN_MS);
    }
    // A cancelled run starts nothing: devices requeued above are not reached either.
    if (run.state === 'cancelled') await this.repo.closeOpen(run.id, ['queued'], 'cancelled', now, CANCELLED);
    await this.repo.copyResults(run.id, now);
    if (run.state === 'running') {
      await this.repo.timeOut(run.id, now - spec.options.timeoutSeconds * 1000, now, `no result within ${spec.options.timeoutSeconds} s`);
    }
    if (now >= run.expires_at) {
      await this.repo.closeOpen(run.id, ['queued', 'sent'], 'expired', now, 'the run expired before the device finished');
      await this.repo.updateRun(run.id, { state: run.state === 'running' ? 'finished' : run.state, finished_at: now });
      if (spec.options.logResults) await this.logResult(run);
      return false;
    }
    // Devices still queued after the starts: the run is open, no count needed.
    if (run.state === 'running' && (await this.startDevices(run, spec, now))) return true;
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
    const gone = await this.repo.transaction(async (trx) => {
      const missing: string[] = []; // inside: a run again after a deadlock starts afresh
      for (const t of spec.targets) {
        if (t.type === 'device') {
          const exists = await sql`select id from devices where id = ${t.id}`.execute(trx);
          if (!exists.rows.length) missing.push(`device ${t.id}`);
          else await this.repo.addDevices(trx, run.id, sql<boolean>`id = ${t.id}`);
        } else if (t.type === 'folder') {
          if (!(await this.repo.folderExists2(trx, t.id))) missing.push(`folder ${t.id}`);
          else await this.repo.addDevices(trx, run.id, await subtreeCondition(trx, 'folder_id', t.id));
        } else {
          const view = await new SavedViewsRepository(trx).findView(t.id, trx);
          if (!view) {
            missing.push(`view ${t.id}`);
            continue;
          }
          const criteria = JSON.parse(view.criteria_json) as ViewCriteria;
          await this.repo.addDevices(trx, run.id, await criteriaCondition(trx, criteria, { dialect: this.dialect, now: this.clock.now() }));
        }
      }
      const message = missing.length ? `target gone: ${missing.join(', ')}` : null;
      if (missing.length === spec.targets.length) {
        await this.repo.updateRunIn(trx, run.id, { state: 'targetGone', message, resolved: 1, finished_at: this.clock.now() });
      } else {
        await this.repo.updateRunIn(trx, run.id, { resolved: 1, message });
      }
      return missing;
    });
    if (gone.length) this.log?.warn({ runId: run.id, gone }, 'job run: target gone');
    return gone.length < spec.targets.length;
  }

  /**
   * Starts the next queued devices within `maxThreads` (one device per start with a delay).
   * True when queued devices are left or were started (the run is certainly open).
   */
  private async startDevices(run: JobRunRow, spec: RunSpec, now: number): Promise<boolean> {
    const { maxThreads, delaySeconds, retryNextBoot } = spec.options;
    if (delaySeconds > 0 && run.last_start_at !== null && now - run.last_start_at < delaySeconds * 1000) return false;
    const right = jobCommandRight(run.command);
    // Waking offline devices is what `wakeup` is for: they wait for their connection like retry
    // devices. Settings to device needs no connection: the configuration is marked and delivered
    // when the device next connects (and the run does not hinge on presence being written yet).
    const waitForOffline = retryNextBoot || run.command === 'wakeup' || run.command === 'settings-to-device';
    let open = false;
    // Skipped devices take no slot: keep reading until the slots are used or nothing is queued.
    // Each round is one read (queue, devices in flight, creator) and, for the starts, the
    // commands' transaction, which claims the rows too.
    for (let round = 0; round < 20 && !this.stopped; round++) {
      const step = await this.repo.nextStep(run.id, spec.createdById, maxThreads);
      if (!step.queued.length) return open;
      const slots = delaySeconds > 0 ? Math.min(1, maxThreads - step.inFlight) : maxThreads - step.inFlight;
      if (slots <= 0) return true;
      const next = step.queued.slice(0, slots);
      const skip = async (ids: number[], message: string) => {
        if (ids.length) await this.repo.moveQueued(run.id, ids, { state: 'skipped', message, finished_at: now });
      };
      await skip(
        next.filter((d) => !d.exists).map((d) => d.device_id),
        'the device no longer exists',
      );
      let candidates = next.filter((d) => d.exists);
      const creator = step.creator;
      if (!creator) {
        await skip(
          candidates.map((d) => d.device_id),
          "the job's creator no longer exists or is disabled",
        );
        continue;
      }
      // A superuser may do everything to every device that exists (the step read that): no query.
      const sorted = creator.superuser
        ? { allowed: candidates.map((d) => d.device_id), refused: [], unknown: [] }
        : await this.rightsFor(
            { userId: spec.createdById!, superuser: false },
            candidates.map((d) => d.device_id),
            right,
          );
      const allowed = new Set(sorted.allowed);
      await skip([...sorted.refused, ...sorted.unknown], `the job's creator lacks the ${right} right on the device`);
      candidates = candidates.filter((d) => allowed.has(d.device_id));
      const offline = candidates.filter((d) => !d.online).map((d) => d.device_id);
      const away = new Set(offline);
      if (!waitForOffline) await skip(offline, 'offline at run time (retry at next boot is off)');
      const starting = (waitForOffline ? candidates : candidates.filter((d) => d.online)).map((d) => d.device_id);
      if (starting.length) {
        if (!(await this.start(run, starting, away, now))) return true;
        if (delaySeconds > 0) await this.repo.updateRun(run.id, { last_start_at: now });
        open = true;
      }
      if (step.queued.length > next.length) open = true;
      // Every slot used (devices waiting for their next boot take none), or one start per delay.
      if (delaySeconds > 0 ? starting.length > 0 : starting.filter((id) => !away.has(id)).length >= slots) return open;
    }
    return open;
  }

  /**
   * Creates the devices' commands and, in the commands' own transaction, claims the devices
   * (queued → sent with their command ids, compare and set): a crash leaves either both or
   * neither. False when another runner claimed some of them first (nothing is created then).
   */
  private async start(run: JobRunRow, deviceIds: number[], offline: Set<number>, now: number): Promise<boolean> {
    const deferredMessage =
      run.command === 'wakeup'
        ? 'offline: woken; succeeds when the device connects before the run expires'
        : 'offline: executes when the device next connects, until the run expires';
    if ((run.command as JobCommand) === 'settings-to-device') {
      // No command: claimed first; a crash before the marking leaves rows `sent` without a
      // command, queued again after ORPHAN_MS (marking twice is harmless).
      const online = deviceIds.filter((id) => !offline.has(id));
      const away = deviceIds.filter((id) => offline.has(id));
      const claimed = [
        ...(await this.repo.moveQueued(run.id, online, { state: 'sent', deferred: 0, started_at: now })),
        ...(await this.repo.moveQueued(run.id, away, { state: 'sent', deferred: 1, started_at: now, message: deferredMessage })),
      ];
      if (!claimed.length) return false;
      await this.configuration.change((trx, mark) => mark.devices(claimed, 'now'));
      await this.repo.setDevicesState(run.id, claimed, {
        state: 'succeeded',
        finished_at: this.clock.now(),
        message: 'configuration marked for delivery now (the device state shows when it is applied)',
      });
      return true;
    }
    const expiresInSeconds = Math.max(10, Math.ceil((run.expires_at - now) / 1000));
    try {
      await this.commands.sendCommand(
        { command: run.command as CommandName, deviceIds, ...(run.text !== null ? { text: run.text } : {}), expiresInSeconds },
        run.created_by,
        async (trx, answer) => {
          const pairs = (answer as { commands: Array<{ id: number; deviceId: number }> }).commands.map((c) => ({
            deviceId: c.deviceId,
            commandId: c.id,
          }));
          const claimed = await this.repo.claimWithCommands(trx, run.id, pairs, offline, deferredMessage, now);
          if (claimed !== pairs.length) throw new ClaimLost();
        },
      );
      return true;
    } catch (err) {
      if (err instanceof ClaimLost) return false;
      if (!(err instanceof AppError)) throw err; // the database: the devices stay queued, retried at the next step
      // Refused before anything was written: a device deleted since the step's read is skipped
      // (the others start at the next step); any other refusal fails the devices.
      const missing = (err.details as { missing?: number[] } | undefined)?.missing;
      if (err.code === ErrorCode.DeviceNotFound && missing?.length) {
        await this.repo.moveQueued(run.id, missing, { state: 'skipped', message: 'the device no longer exists', finished_at: now });
        return true;
      }
      this.log?.warn({ err, runId: run.id }, 'job run: commands not created');
      await this.repo.moveQueued(run.id, deviceIds, {
        state: 'failed',
        finished_at: this.clock.now(),
        message: `the command was not created: ${err.message}`,
      });
      return true;
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

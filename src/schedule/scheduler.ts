import cron, { type ScheduledTask } from 'node-cron';
import { ConcurrencyError } from '../app/errors';
import type { JobRun, RolloutFailure } from '../app/schedule/each-rollout';
import { timeLimit } from '../app/deadline';
import type { Clock, JobState, JobStateStore, Log } from '../app/ports';
import { newJobState, slotKey, TableRunCoordinator } from './run-coordinator';

/**
 * A global tick: node-cron calls it on its expression (in UTC), once per slot across instances;
 * `run` only calls use cases, with the slot instant as their "now", so every decision is tested
 * with plain dates. A run must be idempotent by slot: it does what is due as of its slot and not
 * yet done, so a skipped slot is made up by the next one.
 */
export interface ScheduledJob {
  name: string;
  /** A five-field cron expression (minute granularity), evaluated in UTC. */
  cron: string;
  /** What the job does, and when, for the README and `/healthz`. */
  description: string;
  run(slot: Date): Promise<JobRun>;
}

/** A job's status as `/healthz` shows it. */
export interface JobStatus {
  name: string;
  lastSlot: string | null;
  lastRunAt: string | null;
  lastError: string | null;
  failures: number;
  nextRun: string | null;
}

/** Failed runs in a row after which the rollouts a job fails for are told (once per streak). */
export const FAILING_AFTER = 3;
/** A slot that starts this late still runs (node-cron skips later ones; the next slot catches up). */
export const MISSED_TOLERANCE_MS = 5 * 60_000;
/** How long one run may take before it counts as failed (its storage calls have their own deadlines). */
export const RUN_DEADLINE_MS = 15 * 60_000;
/** How far back the most recent due slot of a job is looked for (a daily job's slot is within a day). */
const LOOK_BACK_MINUTES = 8 * 24 * 60;

export interface SchedulerOptions {
  jobs: readonly ScheduledJob[];
  store: JobStateStore;
  clock: Clock;
  log: Log;
  /** Told when a job has failed FAILING_AFTER runs in a row (once per streak), with the rollouts it failed for. */
  onFailing?(job: ScheduledJob, failed: readonly RolloutFailure[], error: string | null): Promise<void>;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 500);

/**
 * The scheduler: one node-cron task per job, coordinated across instances by the job rows
 * (`TableRunCoordinator`), with a catch-up at start-up (node-cron neither catches up missed slots
 * nor runs a slot it is late for: a job whose last slot is older than its most recent due slot
 * runs that slot once, never once per missed slot).
 */
export class Scheduler {
  private readonly coordinator: TableRunCoordinator;
  private readonly tasks = new Map<string, ScheduledTask>();
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly options: SchedulerOptions) {
    this.coordinator = new TableRunCoordinator(options.store, options.clock);
    for (const job of options.jobs) {
      if (!cron.validate(job.cron)) throw new Error(`job ${job.name}: not a cron expression: ${job.cron}`);
    }
  }

  /** Starts the node-cron tasks and catches up what is due (the returned promise: the catch-up). */
  start(): Promise<void> {
    for (const job of this.options.jobs) {
      const task = cron.schedule(job.cron, (context) => this.track(this.execute(job, context.date)), {
        name: job.name,
        timezone: 'Etc/UTC',
        noOverlap: true,
        distributed: true,
        runCoordinator: this.coordinator,
        missedExecutionTolerance: MISSED_TOLERANCE_MS,
        unref: true,
        logger: this.cronLogger(),
      });
      this.tasks.set(job.name, task);
    }
    return this.track(this.catchUp());
  }

  /** Runs, for every job whose last slot is older than its most recent due slot, that slot once. */
  async catchUp(): Promise<void> {
    const now = this.options.clock.now();
    for (const job of this.options.jobs) {
      const due = previousSlot(job.cron, now);
      if (!due) continue;
      try {
        const last = (await this.options.store.job(job.name))?.value.lastSlot ?? null;
        if (last !== null && last >= due.toISOString()) continue;
        await this.runSlot(job.name, due);
      } catch (err) {
        this.options.log.warn(
          { err, job: job.name },
          'scheduler catch-up failed; the next slot runs the job',
        );
      }
    }
  }

  /**
   * Runs one slot of a job if no instance has claimed it yet (node-cron does this on every tick;
   * tests and the catch-up call it with the slot). Returns whether this instance ran it.
   */
  async runSlot(name: string, slot: Date): Promise<boolean> {
    const job = this.options.jobs.find((j) => j.name === name);
    if (!job) throw new Error(`no job ${name}`);
    if (!(await this.coordinator.shouldRun(slotKey(name, slot)))) return false;
    await this.execute(job, slot);
    return true;
  }

  /** The job's most recent due slot now (its cron's latest slot, else now to the minute). */
  dueSlot(name: string): Date {
    const job = this.options.jobs.find((j) => j.name === name);
    const now = this.options.clock.now();
    return (job && previousSlot(job.cron, now)) || new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  }

  /** Every job's state and next run (for `/healthz`). */
  async status(): Promise<JobStatus[]> {
    const states = new Map((await this.options.store.jobs()).map((state) => [state.name, state]));
    return this.options.jobs.map((job) => {
      const state = states.get(job.name) ?? newJobState(job.name);
      return {
        name: job.name,
        lastSlot: state.lastSlot,
        lastRunAt: state.lastRunAt,
        lastError: state.lastError,
        failures: state.failures,
        nextRun: this.tasks.get(job.name)?.getNextRun()?.toISOString() ?? null,
      };
    });
  }

  /** Stops the tasks and waits for runs under way (up to `graceMs`). */
  async stop(graceMs = 10_000): Promise<void> {
    for (const task of this.tasks.values()) await task.destroy();
    this.tasks.clear();
    await timeLimit(
      Promise.allSettled([...this.running]),
      graceMs,
      () => new Error('runs still under way'),
    ).catch(() =>
      this.options.log.warn({ running: this.running.size }, 'scheduled runs still under way at shutdown'),
    );
  }

  /** Resolves when the runs under way are done (tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    void work.finally(() => this.running.delete(work)).catch(() => undefined);
    return work;
  }

  /** Runs a claimed slot and records how it went on the job's row. */
  private async execute(job: ScheduledJob, slot: Date): Promise<void> {
    const { log } = this.options;
    let run: JobRun | null = null;
    let error: string | null = null;
    try {
      run = await timeLimit(
        job.run(slot),
        RUN_DEADLINE_MS,
        () => new Error(`run took over ${RUN_DEADLINE_MS} ms`),
      );
      if (run.failed.length > 0)
        error = `${run.failed.length} rollout(s) failed: ${run.failed[0]?.error ?? ''}`;
    } catch (err) {
      error = errorText(err);
    }
    if (error) log.warn({ job: job.name, slot: slot.toISOString(), error }, 'scheduled job failed');
    else
      log.info(
        { job: job.name, slot: slot.toISOString(), rollouts: run?.rollouts ?? 0 },
        'scheduled job ran',
      );
    try {
      const state = await this.record(job.name, error);
      if (error && state.failures >= FAILING_AFTER && state.reportedAt === null) {
        await this.options.onFailing?.(job, run?.failed ?? [], error);
        await this.record(job.name, error, true);
      }
    } catch (err) {
      log.warn({ err, job: job.name }, 'could not record a scheduled run');
    }
  }

  /** Writes a run's outcome on the job's row (ETag-guarded, read again on a conflict). */
  private async record(name: string, error: string | null, reported = false): Promise<JobState> {
    for (let attempt = 0; ; attempt++) {
      const stored = await this.options.store.job(name);
      const state = stored?.value ?? newJobState(name);
      const now = this.options.clock.now().toISOString();
      const next: JobState = reported
        ? { ...state, reportedAt: now }
        : {
            ...state,
            lastRunAt: now,
            lastError: error,
            failures: error ? state.failures + 1 : 0,
            reportedAt: error ? state.reportedAt : null,
          };
      try {
        await this.options.store.saveJob(next, stored?.etag ?? null);
        return next;
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || attempt >= 4) throw err;
      }
    }
  }

  private cronLogger() {
    const { log } = this.options;
    return {
      info: (message: string) => log.info({}, `node-cron: ${message}`),
      warn: (message: string) => log.warn({}, `node-cron: ${message}`),
      error: (message: string | Error, err?: Error) =>
        log.error(
          { err: err ?? message },
          `node-cron: ${String(message instanceof Error ? message.message : message)}`,
        ),
      debug: () => undefined,
    };
  }
}

/**
 * The most recent slot of `expression` (in UTC) at or before `now`, to the minute; null when there
 * is none within LOOK_BACK_MINUTES. Uses node-cron's own matcher (a task that is never started).
 */
export const previousSlot = (expression: string, now: Date): Date | null => {
  const task = cron.createTask(expression, () => undefined, { timezone: 'Etc/UTC' });
  try {
    const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    for (let i = 0; i <= LOOK_BACK_MINUTES; i++) {
      const candidate = new Date(minute.getTime() - i * 60_000);
      if (task.match(candidate)) return candidate;
    }
    return null;
  } finally {
    void task.destroy();
  }
};

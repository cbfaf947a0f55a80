/**
 * Intune app assignment per rollout stage (INTUNE_ASSIGN=true and the rollout's `app.intuneAppId`
 * set): entering a stage whose audience has groups assigns the app to those groups with the
 * stage's intent (`required` unless the plan says `available`).
 *
 * Order of operations
 *
 * 1. `advance phase` (forced or not: the same path) decides the advance and, with it, the
 *    assignment the stage entered owes (`pendingAssignmentFor`: app, groups, intent, warnings).
 *    The advance, its audit, the activity's marker and the assignment (an outbox row in the
 *    rollout's partition) commit in ONE transaction: either the stage was entered and its
 *    assignment is owed, or neither happened.
 * 2. The person is answered (the reply says the assignment follows).
 * 3. After the reply (`turn.defer`), the assigner runs it (one at a time):
 *    a. reads the app's assignments (GET /deviceAppManagement/mobileApps/{id}/assignments);
 *    b. per group: included with the stage's intent → left alone; included with the other intent,
 *       or excluded → left as it is, reported as a conflict; else one POST …/assignments (never
 *       the `assign` action, which replaces them all). No existing assignment is changed;
 *    c. stores the outcome (the assignments as read plus those made, and the run's result) and
 *       deletes the outbox row, in one transaction;
 *    d. tells the coordination conversation (assigned, left alone, conflicts, warnings, failure),
 *       and, from the stage's fresh audience snapshot, which groups hold devices or other members
 *       that are not users (assigned to them all the same; not counted as users).
 * 4. Failures: a throttled or unavailable Graph is tried again with back-off, the whole run from
 *    3a, at most `maxAttempts` times (within a call the Graph adapter honours Retry-After); a
 *    refusal (403: the permission, 404: the app) is not. Then the failure is stored as 3c (with
 *    its job), reported once as 3d and shown by `status`; `intune retry` queues the job again (its
 *    outbox row and the state `pending`, one transaction) and runs it after its reply. A group
 *    Entra does not know fails that group only: the others are assigned.
 * 5. Crashes:
 *    - between 1 and 3 (committed, not run): the outbox row survives; `recover()` at start-up and
 *      the sweep run it;
 *    - in 3b after a POST, or before 3c: the row survives; the rerun re-reads first (3a), finds the
 *      group assigned with the intent and posts nothing for it: every group is assigned once;
 *    - between 3c and 3d: the report is lost (reports are at most once); `status` shows it.
 *    Storage failing in 3c leaves the row for the next sweep, as a crash does.
 *
 * `status` shows the app's assignments as last read: refreshed by every run (advance, retry) and
 * by `refresh` (`audience refresh`). Runs are serial within one instance; two instances running
 * the same row at once could both POST for a group (the Graph adapter re-reads right before each
 * POST, which narrows that window).
 */
import { stageLabel } from '../domain/feedback-access';
import { findStage } from '../domain/feedback-goals';
import type { Rollout } from '../domain/rollout';
import { freshSnapshot } from './resolve-audience';
import { timeLimit } from './deadline';
import { DirectoryError } from './errors';
import { refusalMessage } from './intune-status';
import { RECOVERY_BATCH, retryDelay } from './notice-dispatcher';
import type {
  AppAssignment,
  AssignmentResult,
  AssignmentSink,
  AssignmentState,
  AudienceRepository,
  Clock,
  Directory,
  Log,
  Messenger,
  PendingAssignment,
  RolloutRepository,
} from './ports';
import { SerialQueue } from './serial-queue';

export const DEFAULT_ASSIGNMENT_ATTEMPTS = 5;
/** How long the report to the coordination conversation may take. */
export const REPORT_MS = 30_000;

const lower = (id: string): string => id.toLowerCase();

const transient = (err: DirectoryError): boolean => err.kind === 'throttled' || err.kind === 'unavailable';

/** What a run found and did (a later attempt of the run goes on with the same `made`). */
interface Findings {
  read: AppAssignment[];
  made: AppAssignment[];
  leftAlone: string[];
  conflicts: AssignmentResult['conflicts'];
  /** Groups Entra does not know (each a message). */
  missing: string[];
}

export interface AssignerOptions {
  rollouts: RolloutRepository;
  /** The stages' audience snapshots: which groups hold devices (reported, not counted as users). */
  audiences: AudienceRepository;
  directory: Directory;
  messenger: Messenger;
  clock: Clock;
  log: Log;
  /** Waits between attempts (injected so tests do not sleep). */
  wait: (ms: number) => Promise<void>;
  /** Runs of a job before it is stored as failed (default DEFAULT_ASSIGNMENT_ATTEMPTS). */
  maxAttempts?: number;
  /** For the back-off's jitter (tests pass a fixed one). */
  random?: () => number;
}

/** Runs committed assignments after the reply, one at a time; see the order of operations above. */
export class IntuneAssigner implements AssignmentSink {
  private readonly queue: SerialQueue<PendingAssignment>;
  private readonly maxAttempts: number;

  constructor(private readonly options: AssignerOptions) {
    this.maxAttempts = options.maxAttempts ?? DEFAULT_ASSIGNMENT_ATTEMPTS;
    this.queue = new SerialQueue(
      (job) => this.run(job),
      (err, job) =>
        options.log.error(
          { err, assignmentId: job.id, rolloutId: job.rolloutId },
          'Intune assignment failed; it stays in the outbox for the next sweep',
        ),
    );
  }

  enqueue(job: PendingAssignment): void {
    this.queue.add(job);
  }

  /** Queues what a previous run (or a crash) left in the outbox; returns how many. */
  async recover(): Promise<number> {
    const pending = await this.options.rollouts.pendingAssignments(RECOVERY_BATCH);
    for (const job of pending) this.enqueue(job);
    return pending.length;
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** The latest run is kept. */
  async refresh(tenantId: string, rolloutId: string): Promise<AssignmentState | null> {
    const { rollouts, directory, clock } = this.options;
    const appId = (await rollouts.get(tenantId, rolloutId))?.value.app.intuneAppId?.trim();
    if (!appId) return null;
    const read = await directory.appAssignments(tenantId, appId);
    const previous = await rollouts.assignmentState(tenantId, rolloutId);
    const kept = previous?.appId === appId ? previous : null;
    const state: AssignmentState = {
      tenantId,
      rolloutId,
      appId,
      assignments: read,
      assignmentCount: read.length,
      readAt: clock.now().toISOString(),
      latest: kept?.latest ?? null,
      job: kept?.job ?? null,
    };
    await rollouts.saveAssignmentState(state);
    return state;
  }

  private async run(job: PendingAssignment): Promise<void> {
    const { rollouts, clock } = this.options;
    const rollout = (await rollouts.get(job.tenantId, job.rolloutId))?.value;
    if (!rollout) throw new Error(`rollout ${job.rolloutId} of assignment ${job.id} does not exist`);
    const made: AppAssignment[] = [];
    const { findings, error } = await this.attempts(job, made);
    const nonUserGroups = await this.nonUserGroups(rollout, job);
    const result: AssignmentResult = {
      jobId: job.id,
      stageId: job.stageId,
      appId: job.appId,
      intent: job.intent,
      state: error || findings?.missing.length ? 'failed' : 'ok',
      assigned: made.flatMap((a) => (a.groupId ? [lower(a.groupId)] : [])),
      leftAlone: findings?.leftAlone ?? [],
      conflicts: findings?.conflicts ?? [],
      warnings: job.warnings,
      ...(nonUserGroups ? { nonUserGroups } : {}),
      error: [...(error ? [error] : []), ...(findings?.missing ?? [])].join(' ') || null,
      attempt: job.attempt,
      at: clock.now().toISOString(),
    };
    const previous = await rollouts.assignmentState(job.tenantId, job.rolloutId);
    const stale = previous?.appId === job.appId ? previous : null;
    const read = findings ? [...findings.read, ...made] : (stale?.assignments ?? null);
    await rollouts.saveAssignmentState(
      {
        tenantId: job.tenantId,
        rolloutId: job.rolloutId,
        appId: job.appId,
        assignments: read,
        assignmentCount: findings ? (read?.length ?? 0) : (stale?.assignmentCount ?? 0),
        readAt: findings ? result.at : (stale?.readAt ?? null),
        latest: result,
        job,
      },
      { clear: job },
    );
    this.options.log.info(
      {
        assignmentId: job.id,
        rolloutId: job.rolloutId,
        state: result.state,
        assigned: result.assigned.length,
      },
      'Intune assignment run',
    );
    await this.report(rollout, result);
  }

  /**
   * The run from the read on, again after a throttled or unavailable Graph; `made` collects the
   * assignments this run made (a later attempt re-reads them as existing).
   */
  private async attempts(
    job: PendingAssignment,
    made: AppAssignment[],
  ): Promise<{ findings: Findings | null; error: string | null }> {
    const { log, wait, random } = this.options;
    for (let attempt = 0; ; attempt++) {
      try {
        return { findings: await this.assign(job, made), error: null };
      } catch (err) {
        if (!(err instanceof DirectoryError)) throw err;
        if (!transient(err) || attempt + 1 >= this.maxAttempts) {
          const tries = transient(err) ? ` after ${attempt + 1} attempts` : '';
          return { findings: null, error: `${refusalMessage(job.appId, err)}${tries}` };
        }
        const delay = retryDelay(attempt, null, random);
        log.warn(
          { err, assignmentId: job.id, attempt: attempt + 1, retryInMs: delay },
          'Intune assignment did not get through; retrying',
        );
        await wait(delay);
      }
    }
  }

  private async assign(job: PendingAssignment, made: AppAssignment[]): Promise<Findings> {
    const { directory } = this.options;
    const ours = new Set(made.map((a) => a.id));
    const read = (await directory.appAssignments(job.tenantId, job.appId)).filter((a) => !ours.has(a.id));
    const findings: Findings = { read, made, leftAlone: [], conflicts: [], missing: [] };
    const current = [...read, ...made];
    for (const groupId of job.groups) {
      const same = current.filter((a) => a.groupId !== null && lower(a.groupId) === groupId);
      const excluded = same.find((a) => a.target === 'exclude');
      const included = same.find((a) => a.target === 'include');
      if (excluded) findings.conflicts.push({ groupId, found: 'excluded' });
      else if (included && included.intent !== job.intent)
        findings.conflicts.push({ groupId, found: `assigned as ${included.intent}` });
      else if (included) {
        if (!made.includes(included)) findings.leftAlone.push(groupId);
      } else await this.assignGroup(job, groupId, findings);
    }
    return findings;
  }

  /** One POST; a group Entra does not know is noted and the others go on. */
  private async assignGroup(job: PendingAssignment, groupId: string, findings: Findings): Promise<void> {
    const { directory } = this.options;
    try {
      findings.made.push(await directory.assignApp(job.tenantId, job.appId, groupId, job.intent));
    } catch (err) {
      if (!(err instanceof DirectoryError && err.kind === 'not-found')) throw err;
      // A 404 names the app or the group: the group's own read says which.
      const group = await directory.group(job.tenantId, groupId).catch(() => undefined);
      if (group !== null) throw err;
      findings.missing.push(`Entra ID has no group ${groupId}: fix the audience of ${job.stageId}.`);
    }
  }

  /**
   * The job's groups with members that are not users, from the stage's fresh audience snapshot;
   * null without one (or when it cannot be read: the report just says less).
   */
  private async nonUserGroups(
    rollout: Rollout,
    job: PendingAssignment,
  ): Promise<NonNullable<AssignmentResult['nonUserGroups']> | null> {
    const snapshot = await freshSnapshot(this.options, rollout, job.stageId).catch((err: unknown) => {
      this.options.log.warn(
        { err, rolloutId: job.rolloutId, assignmentId: job.id },
        'audience snapshot not read; the Intune report leaves out device groups',
      );
      return null;
    });
    const groups = snapshot?.counts.groups;
    if (!groups) return null;
    return job.groups.flatMap((groupId) => {
      const counts = groups[groupId];
      return counts && counts.nonUsers > 0 ? [{ groupId, ...counts }] : [];
    });
  }

  /** Tells the coordination conversation (at most once: a failed report is logged). */
  private async report(rollout: Rollout, result: AssignmentResult): Promise<void> {
    const found = findStage(rollout, result.stageId);
    const content = {
      kind: 'intune-assignment' as const,
      rollout,
      result,
      stageLabel: found ? stageLabel(rollout, found) : result.stageId,
    };
    try {
      await timeLimit(
        this.options.messenger.notify(rollout.tenantId, rollout.coordination, content),
        REPORT_MS,
        () => new Error(`the report took longer than ${REPORT_MS} ms`),
      );
    } catch (err) {
      this.options.log.warn(
        { err, rolloutId: rollout.id, assignmentId: result.jobId },
        'could not report the Intune assignment; status shows it',
      );
    }
  }
}

import { evaluateExitCriteria } from './criteria';
import { accept, refuse, type Decision } from './decision';
import type { AudienceSizes, FeedbackMeasurements } from './feedback-goals';
import type { ReadinessState } from './signoff';
import { nextPosition } from './positions';
import { currentPhase, positionLabel, positionRef, type Rollout } from './rollout';
import type { Person } from './roles';

export const MAX_REASON_LENGTH = 500;

/** Refuses changes to a rollout that is completed or paused. */
const guardActive = (rollout: Rollout): Decision<Rollout> | null => {
  if (rollout.status === 'completed') {
    return refuse('completed', `“${rollout.name}” is completed; it can no longer change.`);
  }
  if (rollout.status === 'paused') {
    return refuse('paused', `“${rollout.name}” is paused. Resume it first with \`resume\`.`);
  }
  return null;
};

export { nextPosition } from './positions';

export interface AdvanceOptions {
  by: Person;
  /** Advance although criteria are unmet; the reason is mandatory and recorded. */
  force?: { reason: string };
  /** Feedback measured per stage, for the feedback goals among the exit criteria. */
  measured: FeedbackMeasurements;
  /** The readiness request for the stage entered next, for the help-desk sign-off criterion. */
  readiness: ReadinessState | null;
  /** Resolved audience sizes per stage, for the responses goal; absent: sized by the plan. */
  audienceSizes?: AudienceSizes;
}

export const advance = (rollout: Rollout, options: AdvanceOptions, now: Date): Decision<Rollout> => {
  const blocked = guardActive(rollout);
  if (blocked) return blocked;
  const to = nextPosition(rollout);
  if (!to) {
    return refuse(
      'last-phase',
      `${currentPhase(rollout).title} is the last phase; use \`rollout close\` to complete the rollout.`,
    );
  }
  const reason = options.force ? options.force.reason.trim() : null;
  if (options.force && !reason) {
    return refuse('reason-required', 'A forced advance needs a reason: `advance phase --force "reason"`.');
  }
  if (reason && reason.length > MAX_REASON_LENGTH) {
    return refuse('reason-required', `A reason has at most ${MAX_REASON_LENGTH} characters.`);
  }
  const unmet = evaluateExitCriteria(
    rollout,
    options.measured,
    options.readiness,
    options.audienceSizes,
  ).filter((c) => !c.met);
  if (unmet.length > 0 && !options.force) {
    return refuse(
      'gate-unmet',
      `“${rollout.name}” cannot leave ${positionLabel(rollout, rollout.position)} yet: ${unmet.length} exit ${unmet.length === 1 ? 'criterion is' : 'criteria are'} unmet.`,
      unmet,
    );
  }
  const at = now.toISOString();
  const from = positionRef(rollout, rollout.position);
  const toRef = positionRef(rollout, to);
  const forced = unmet.length > 0;
  const next: Rollout = {
    ...rollout,
    position: to,
    enteredAt: at,
    history: [...rollout.history, { from, to: toRef, by: options.by, at, forced, reason }],
  };
  return accept(next, [
    {
      type: 'phase-advanced',
      from,
      to: toRef,
      by: options.by,
      at,
      forced,
      reason,
      unmet: unmet.map((c) => c.label),
    },
  ]);
};

export interface TickOptions {
  by: Person;
  phase: string;
  /** The wave's id when the item belongs to a wave's checklist. */
  waveId: string | null;
  itemId: string;
  done: boolean;
}

export const tickChecklist = (rollout: Rollout, options: TickOptions, now: Date): Decision<Rollout> => {
  const blocked = guardActive(rollout);
  if (blocked) return blocked;
  const phase = currentPhase(rollout);
  const waveIndex = rollout.position.wave;
  const wave = waveIndex === null ? null : phase.waves[waveIndex];
  const onStage =
    options.phase === phase.key &&
    (options.waveId === null || (wave !== null && wave !== undefined && wave.id === options.waveId));
  if (!onStage) {
    return refuse(
      'stage-not-current',
      `That checklist is no longer current: “${rollout.name}” is in ${positionLabel(rollout, rollout.position)}.`,
    );
  }
  const stage = options.waveId === null ? phase : wave;
  const item = stage?.checklist.find((i) => i.id === options.itemId);
  if (!stage || !item) {
    return refuse('unknown-item', 'That checklist item does not exist in this rollout.');
  }
  if (item.done === options.done) return accept(rollout, []);
  const at = now.toISOString();
  const checklist = stage.checklist.map((i) =>
    i.id === item.id ? { ...i, done: options.done, by: options.by, at } : i,
  );
  const phases = rollout.phases.map((p) => {
    if (p.key !== phase.key) return p;
    if (options.waveId === null) return { ...p, checklist };
    return { ...p, waves: p.waves.map((w) => (w.id === options.waveId ? { ...w, checklist } : w)) };
  });
  const stageRef = positionRef(rollout, {
    phase: phase.key,
    wave: options.waveId === null ? null : waveIndex,
  });
  return accept({ ...rollout, phases }, [
    {
      type: 'checklist-ticked',
      stage: stageRef,
      itemId: item.id,
      item: item.text,
      done: options.done,
      by: options.by,
      at,
    },
  ]);
};

export const pause = (
  rollout: Rollout,
  options: { by: Person; reason?: string },
  now: Date,
): Decision<Rollout> => {
  if (rollout.status === 'paused') return refuse('already-paused', `“${rollout.name}” is already paused.`);
  const blocked = guardActive(rollout);
  if (blocked) return blocked;
  const reason = options.reason?.trim() || null;
  return accept({ ...rollout, status: 'paused' }, [
    { type: 'rollout-paused', by: options.by, at: now.toISOString(), reason },
  ]);
};

export const resume = (rollout: Rollout, options: { by: Person }, now: Date): Decision<Rollout> => {
  if (rollout.status !== 'paused') {
    return refuse('not-paused', `“${rollout.name}” is not paused.`);
  }
  return accept({ ...rollout, status: 'active' }, [
    { type: 'rollout-resumed', by: options.by, at: now.toISOString() },
  ]);
};

export const close = (rollout: Rollout, options: { by: Person }, now: Date): Decision<Rollout> => {
  const blocked = guardActive(rollout);
  if (blocked) return blocked;
  if (rollout.position.phase !== 'operations') {
    return refuse(
      'not-in-operations',
      `“${rollout.name}” is in ${positionLabel(rollout, rollout.position)}; a rollout closes from operations and maintenance. Advance it there first.`,
    );
  }
  return accept({ ...rollout, status: 'completed' }, [
    { type: 'rollout-closed', by: options.by, at: now.toISOString() },
  ]);
};

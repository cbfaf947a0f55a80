import { announceModeOf, DEFAULT_ANNOUNCE_MODE, type AnnounceMode } from '../../domain/announcement';
import {
  DEFAULT_FEEDBACK_GOALS,
  feedbackPlanOf,
  type AudienceSizes,
  type FeedbackPlan,
} from '../../domain/feedback-goals';
import { phasePassed, waveState } from '../../domain/plan';
import { defaultReadinessFor, sameReadiness } from '../../domain/plan-feedback-readiness';
import { PHASE_KEYS } from '../../domain/phases';
import {
  waveWord,
  type Phase,
  type Rollout,
  type Stage,
  type TimeFrame,
  type Wave,
} from '../../domain/rollout';
import {
  DEFAULT_NUDGES,
  rolloutScheduleOf,
  stageScheduleOf,
  type RolloutSchedule,
} from '../../domain/schedule-plan';
import { readinessPlanOf, type ReadinessPlan } from '../../domain/signoff';
import { suggestWaveOrder } from '../../domain/wave-order';
import { defineCard } from '../render-card';

/** What every plan card's buttons carry: the rollout and the plan revision the card shows. */
export interface PlanRef {
  rolloutId: string;
  revision: number;
}

export interface PlanWaveRow extends PlanRef {
  phase: string;
  waveId: string;
  name: string;
  detail: string;
  /** The feedback goals, `≥10 responses and 30%, …`, or `none`. */
  feedback: string;
  /**
   * The help desk's sign-off to enter it: `everyone · deadline 2026-05-01 17:00`, `none`; on a card
   * with many waves, `''` (not shown) when it is the wave's default.
   */
  signoff: string;
  /**
   * What entering it announces when not the default (prompt): `auto`, `off`; else `''` (not
   * shown), and always `''` on a card with many waves (the wave's form shows it).
   */
  announce: string;
  /**
   * What the scheduler does for it when not the default (`no feedback nudges · advances by itself
   * when its gate passes`), else `''` (not shown), and always `''` on a card with many waves.
   */
  scheduler: string;
  state: string;
  editable: boolean;
}

export interface PlanPhaseRow extends PlanRef {
  phase: string;
  title: string;
  state: string;
  timeFrame: string;
  targetGroups: string;
  goals: string;
  /** The feedback goals, `≥10 responses and 30%, …`, or `none`. */
  feedback: string;
  /** The help desk's sign-off to enter it: `quorum 2 (not-ready allowed)`, `none`. */
  signoff: string;
  /** What entering it announces: `preview first (prompt)`, `sent at once (auto)`, `not announced (off)`. */
  announce: string;
  /** What the scheduler does for it: `2 feedback nudges · Got it reminder · advances by itself …`. */
  scheduler: string;
  communication: string;
  editable: boolean;
  canAddWave: boolean;
  waveWord: string;
  waves: PlanWaveRow[];
  hasWaves: boolean;
  suggestion: string;
  canReorder: boolean;
  suggestedOrder: string;
}

export interface PlanCardData extends PlanRef {
  name: string;
  notice: string;
  hasNotice: boolean;
  template: string;
  timeZone: string;
  app: string;
  businessPurpose: string;
  /** Quiet hours and the digest's time: `Quiet hours 19:00–08:00 and weekends · digest 09:00 (Europe/Berlin)`. */
  schedule: string;
  editable: boolean;
  phases: PlanPhaseRow[];
}

export const planCard = defineCard<PlanCardData>()('plan');

export const timeFrameText = (frame: TimeFrame): string => {
  const show = (v: string | null) => (v ? v.replace('T', ' ') : '…');
  return frame.start || frame.end ? `${show(frame.start)} → ${show(frame.end)}` : 'not planned yet';
};

const MAX_LIST_CHARS = 240;
const shorten = (text: string): string =>
  text.length > MAX_LIST_CHARS ? `${text.slice(0, MAX_LIST_CHARS)}…` : text;

/** A list on one line, shortened on the overview (the section's form shows all of it). */
const listOrDash = (items: readonly string[]): string => {
  if (items.length === 0) return '—';
  const text = items.join(', ');
  if (text.length <= MAX_LIST_CHARS) return text;
  const shown = text.slice(0, MAX_LIST_CHARS).replace(/,[^,]*$/, '');
  const count = shown.split(', ').length;
  return `${shown} … (+${items.length - count} more)`;
};

/** The planned number of users, with the resolved audience's beside it where there is one. */
const usersText = (planned: number | null, resolved: number | undefined): string | null => {
  if (resolved === undefined) return planned === null ? null : `${planned} users`;
  const people = `${resolved.toLocaleString('en-US')} ${resolved === 1 ? 'person' : 'people'} in Entra ID`;
  return planned === null ? people : `${planned} users planned, ${people}`;
};

const waveDetail = (wave: Wave, resolved: number | undefined): string =>
  [
    wave.kind,
    wave.enrollment ?? 'enrollment approach not chosen',
    timeFrameText(wave.timeFrame),
    wave.businessRisk ? `risk ${wave.businessRisk}` : null,
    wave.willingness ? `willingness ${wave.willingness}` : null,
    usersText(wave.users, resolved),
    wave.devices !== null ? `${wave.devices} devices` : null,
  ]
    .filter(Boolean)
    .join(' · ');

/** A goal as the card shows it: at most two decimals. */
const goalText = (value: number): string => String(Number(value.toFixed(2)));

/** A stage's feedback goals in short: `≥10 responses and 30%, rating ≥3.5, install ≥90%, ≤0 open blockers`. */
export const feedbackText = (plan: FeedbackPlan | null): string => {
  if (!plan) return 'none';
  const { minResponses, minResponsePercent, minAverageRating, minInstallSuccess, maxOpenBlockers } =
    plan.goals;
  const count = minResponses === null ? null : `≥${minResponses} responses`;
  const share = minResponsePercent === null ? null : `${goalText(minResponsePercent)}%`;
  const parts = [
    count && share ? `${count} and ${share}` : (count ?? (share && `≥${share} responses`)),
    minAverageRating === null ? null : `rating ≥${goalText(minAverageRating)}`,
    minInstallSuccess === null ? null : `install ≥${goalText(minInstallSuccess)}%`,
    maxOpenBlockers === null ? null : `≤${maxOpenBlockers} open blockers`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'collected, no goals';
};

/**
 * Beyond this many waves in the plan, wave rows name their feedback briefly (`default goals`, `own
 * goals`, `none`) and their sign-off to enter only when it is not the default, briefly, so the card
 * stays under its size limit; the wave's form shows its goals and sign-off settings.
 */
export const MAX_WAVES_WITH_FEEDBACK_GOALS = 60;

const briefFeedbackText = (plan: FeedbackPlan | null): string => {
  if (!plan) return 'none';
  const g = plan.goals;
  const d = DEFAULT_FEEDBACK_GOALS;
  const isDefault =
    g.minResponses === d.minResponses &&
    g.minResponsePercent === d.minResponsePercent &&
    g.minAverageRating === d.minAverageRating &&
    g.minInstallSuccess === d.minInstallSuccess &&
    g.maxOpenBlockers === d.maxOpenBlockers;
  return isDefault ? 'default goals' : 'own goals';
};

/**
 * The help desk's sign-off to enter a stage, in short: `everyone · deadline 2026-05-01 17:00`,
 * `quorum 2 (not-ready allowed)`, `first answer`, or `none`.
 */
export const signoffText = (plan: ReadinessPlan | null): string => {
  if (!plan) return 'none';
  const { policy } = plan;
  const rule =
    policy.kind === 'quorum'
      ? `quorum ${policy.n}${plan.allowNotReady ? ' (not-ready allowed)' : ''}`
      : policy.kind === 'first'
        ? 'first answer'
        : 'everyone';
  return plan.deadline ? `${rule} · deadline ${plan.deadline.replace('T', ' ')}` : rule;
};

/**
 * A stage's sign-off to enter it as in effect (`readinessPlanOf`), marked `(default)` when the
 * stage has no setting of its own and gets the default for its place (which moves with the place).
 */
const stageSignoffText = (rollout: Rollout, stage: Stage, stageId: string): string => {
  const text = signoffText(readinessPlanOf(rollout, stageId));
  return stage.readiness === undefined ? `${text} (default)` : text;
};

/**
 * A wave's sign-off on a card with many waves (see MAX_WAVES_WITH_FEEDBACK_GOALS): nothing (`''`,
 * the card then says nothing) when it is the default for the wave's place (its own setting the
 * same, or none of its own), else its policy alone (`none`, `everyone`, `quorum 2`, `first
 * answer`); the wave's form shows the rest.
 */
const briefSignoffText = (plan: ReadinessPlan | null, byDefault: ReadinessPlan | null): string => {
  if (sameReadiness(plan, byDefault)) return '';
  if (!plan) return 'none';
  const { policy } = plan;
  return policy.kind === 'quorum'
    ? `quorum ${policy.n}`
    : policy.kind === 'first'
      ? 'first answer'
      : 'everyone';
};

/**
 * A phase's sign-off to enter it: its own, or with waves its first wave's (entering the phase is
 * entering that wave), said so: `as its first wave: everyone (default)`.
 */
const phaseSignoffText = (rollout: Rollout, phase: Phase): string => {
  const [first] = phase.waves;
  if (!first) return stageSignoffText(rollout, phase, phase.key);
  return `as its first ${waveWord(phase)}: ${stageSignoffText(rollout, first, `${phase.key}/${first.id}`)}`;
};

const ANNOUNCE_TEXT: Record<AnnounceMode, string> = {
  prompt: 'preview first (prompt)',
  auto: 'sent at once (auto)',
  off: 'not announced (off)',
};

/** What entering a stage announces, as the plan card says it (its form has the choice). */
export const announceText = (stage: Stage): string => ANNOUNCE_TEXT[announceModeOf(stage)];

/**
 * A wave's on the plan card: nothing (`''`) for the default, else the mode alone (`auto`, `off`);
 * on a card with many waves (MAX_WAVES_WITH_FEEDBACK_GOALS) nothing, to stay under the card's size
 * limit: the wave's form shows it.
 */
const waveAnnounceText = (stage: Stage, briefWaves: boolean): string => {
  const mode = announceModeOf(stage);
  return briefWaves || mode === DEFAULT_ANNOUNCE_MODE ? '' : mode;
};

/**
 * The rollout's quiet hours and digest time, in its own time zone: `Quiet hours 19:00–08:00 and
 * weekends · digest 09:00 (Europe/Berlin)`, `No quiet hours · no digest (UTC)`.
 */
export const scheduleText = (schedule: RolloutSchedule, timeZone: string): string => {
  const q = schedule.quietHours;
  const quiet = q ? `Quiet hours ${q.start}–${q.end}${q.weekends ? ' and weekends' : ''}` : 'No quiet hours';
  const digest = schedule.digestTime ? `digest ${schedule.digestTime}` : 'no digest';
  return `${quiet} · ${digest} (${timeZone})`;
};

/**
 * What the scheduler does for a stage, as applicable: its feedback nudges (only when it takes
 * feedback), the "Got it" reminder, auto-advance; `''` when none of them applies.
 */
export const stageSchedulerText = (stage: Stage, takesFeedback: boolean): string => {
  const { nudges, gotItReminder, autoAdvance } = stageScheduleOf(stage);
  return [
    takesFeedback ? `${nudges === 0 ? 'no' : nudges} feedback nudge${nudges === 1 ? '' : 's'}` : null,
    gotItReminder ? 'Got it reminder' : null,
    autoAdvance ? 'advances by itself when its gate passes' : null,
  ]
    .filter(Boolean)
    .join(' · ');
};

/** What the scheduler does for a stage when it is not the default, else `''`. */
const changedSchedulerText = (stage: Stage, takesFeedback: boolean): string => {
  const { nudges, gotItReminder, autoAdvance } = stageScheduleOf(stage);
  const isDefault = (nudges === DEFAULT_NUDGES || !takesFeedback) && !gotItReminder && !autoAdvance;
  return isDefault ? '' : stageSchedulerText(stage, takesFeedback);
};

/** A wave's on the plan card: only when not the default, never on a card with many waves. */
const waveSchedulerText = (wave: Wave, takesFeedback: boolean, briefWaves: boolean): string =>
  briefWaves ? '' : changedSchedulerText(wave, takesFeedback);

/**
 * A phase's on the plan card (`—` when none applies); on a card with many waves only when not the
 * default (`''`: the card leaves the line out), to stay under the card's size limit.
 */
const phaseSchedulerText = (phase: Phase, takesFeedback: boolean, briefWaves: boolean): string =>
  briefWaves ? changedSchedulerText(phase, takesFeedback) : stageSchedulerText(phase, takesFeedback) || '—';

const STATE_LABEL = { passed: '✅ passed', current: '▶️ current', planned: '⚪ planned' } as const;

const phaseRow = (
  rollout: Rollout,
  phase: Phase,
  editable: boolean,
  briefWaves: boolean,
  resolved: AudienceSizes,
): PlanPhaseRow => {
  const ref = { rolloutId: rollout.id, revision: rollout.planRevision };
  const index = PHASE_KEYS.indexOf(phase.key);
  const current = PHASE_KEYS.indexOf(rollout.position.phase);
  const passed = phasePassed(rollout, phase.key);
  const state = index < current ? 'passed' : index === current ? 'current' : 'planned';
  const waves: PlanWaveRow[] = phase.waves.map((wave, i) => {
    const ws = waveState(rollout, phase.key, i);
    return {
      ...ref,
      phase: phase.key,
      waveId: wave.id,
      name: `${i + 1}. ${wave.name}`,
      detail: waveDetail(wave, resolved.get(`${phase.key}/${wave.id}`)),
      feedback: (briefWaves ? briefFeedbackText : feedbackText)(
        feedbackPlanOf(wave, `${phase.key}/${wave.id}`),
      ),
      signoff: briefWaves
        ? briefSignoffText(
            readinessPlanOf(rollout, `${phase.key}/${wave.id}`),
            defaultReadinessFor(phase.key, phase.waves.length, i),
          )
        : stageSignoffText(rollout, wave, `${phase.key}/${wave.id}`),
      announce: waveAnnounceText(wave, briefWaves),
      scheduler: waveSchedulerText(
        wave,
        feedbackPlanOf(wave, `${phase.key}/${wave.id}`) !== null,
        briefWaves,
      ),
      state: STATE_LABEL[ws],
      editable: editable && ws !== 'passed',
    };
  });
  const fixed = rollout.position.phase === phase.key ? (rollout.position.wave ?? -1) + 1 : 0;
  const suggestion = suggestWaveOrder(phase.waves, passed ? phase.waves.length : fixed);
  const goals = phase.criteria.map((c) => (c.kind === 'manual' ? c.goal : 'checklist complete'));
  const comms = phase.communication;
  return {
    ...ref,
    phase: phase.key,
    title: phase.title,
    state: STATE_LABEL[state],
    timeFrame: timeFrameText(phase.timeFrame),
    targetGroups: [listOrDash(phase.targetGroups), usersText(null, resolved.get(phase.key))]
      .filter(Boolean)
      .join(' · audience: '),
    goals: listOrDash(goals),
    feedback: feedbackText(feedbackPlanOf(phase, phase.key)),
    signoff: phaseSignoffText(rollout, phase),
    announce: announceText(phase),
    scheduler: phaseSchedulerText(phase, feedbackPlanOf(phase, phase.key) !== null, briefWaves),
    communication:
      shorten([comms.whatIsDeployed, comms.howAndWhen].filter(Boolean).join(' · ')) || 'not written yet',
    editable: editable && !passed,
    canAddWave: editable && !passed && !(state === 'current' && phase.waves.length === 0),
    waveWord: waveWord(phase),
    waves,
    hasWaves: waves.length > 0,
    suggestion: suggestion.changed ? `Suggested order: ${suggestion.why}` : '',
    canReorder: editable && !passed && suggestion.changed,
    suggestedOrder: suggestion.order.join(','),
  };
};

/**
 * The plan overview: phases, dates, waves, goals, feedback goals, the help desk's sign-off to
 * enter each stage, what entering it announces and what the scheduler does for it (and the
 * rollout's quiet hours and digest time), with an Edit button per editable section.
 */
export const planCardData = (
  rollout: Rollout,
  notice = '',
  /** Resolved audience sizes by stage id, shown beside the planned ones. */
  resolved: AudienceSizes = new Map(),
): PlanCardData => {
  const editable = rollout.status !== 'completed';
  const waves = rollout.phases.reduce((n, p) => n + p.waves.length, 0);
  const briefWaves = waves > MAX_WAVES_WITH_FEEDBACK_GOALS;
  return {
    rolloutId: rollout.id,
    revision: rollout.planRevision,
    name: rollout.name,
    notice,
    hasNotice: notice.length > 0,
    template: rollout.template === 'enrollment' ? 'Endpoint Manager enrollment' : 'App rollout',
    timeZone: rollout.timeZone,
    app: [rollout.app.name, rollout.app.intuneAppId, rollout.app.platforms.join(', ')]
      .filter(Boolean)
      .join(' · '),
    businessPurpose: rollout.businessPurpose || '—',
    schedule: scheduleText(rolloutScheduleOf(rollout), rollout.timeZone),
    editable,
    phases: rollout.phases.map((p) => phaseRow(rollout, p, editable, briefWaves, resolved)),
  };
};

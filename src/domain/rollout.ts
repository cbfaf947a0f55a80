import { accept, refuse, type Decision } from './decision';
import type { PositionRef } from './events';
import type { PhaseKey } from './phases';
import type { FeedbackPlan } from './feedback-goals';
import type { Person } from './roles';
import type { AnnounceMode } from './announcement';
import type { AssignmentIntent, AudienceSpec } from './audience';
import type { ReadinessPlan } from './signoff';
import type { RolloutSchedule } from './schedule-plan';
import { templatePhases } from './templates';

export type RolloutStatus = 'active' | 'paused' | 'completed';
export const PLATFORMS = ['windows', 'macos', 'ios', 'android', 'linux', 'web'] as const;
export type Platform = (typeof PLATFORMS)[number];
export const WAVE_KINDS = ['department', 'geography', 'platform', 'it', 'custom'] as const;
export type WaveKind = (typeof WAVE_KINDS)[number];
export const ENROLLMENT_APPROACHES = ['self-service', 'assisted', 'tech-fair'] as const;
export type EnrollmentApproach = (typeof ENROLLMENT_APPROACHES)[number];
export const LEVELS = ['low', 'medium', 'high'] as const;
export type Level = (typeof LEVELS)[number];
export const TEMPLATES = ['app', 'enrollment'] as const;
export type TemplateName = (typeof TEMPLATES)[number];

export interface TimeFrame {
  /** Local date (YYYY-MM-DD) or date and time (YYYY-MM-DDTHH:mm) in the rollout's time zone. */
  start: string | null;
  end: string | null;
}

export interface ChecklistItem {
  id: string;
  text: string;
  done: boolean;
  /** Who ticked or unticked it last, and when (ISO instant). */
  by: Person | null;
  at: string | null;
}

/** A SMART goal no data measures yet: an admin marks it met, with a note. */
export interface ManualCriterion {
  id: string;
  kind: 'manual';
  goal: string;
  met: boolean;
  note: string | null;
  by: Person | null;
  at: string | null;
}

/** An exit criterion as planned. Later features add measured kinds (feedback, sign-off). */
export type CriterionSpec = { id: string; kind: 'checklist-complete' } | ManualCriterion;

/** What users are told, per phase: the source guide's communication plan. */
export interface CommunicationPlan {
  whatIsDeployed: string;
  howAndWhen: string;
  businessPurpose: string;
  selfHelpUrl: string;
  helpDeskContact: string;
}

/** What phases and waves have in common: a stage of the rollout with its own gate. */
export interface Stage {
  title: string;
  timeFrame: TimeFrame;
  targetGroups: string[];
  criteria: CriterionSpec[];
  checklist: ChecklistItem[];
  /**
   * Whether the stage takes feedback, with its goals (exit criteria); null: it takes none.
   * Absent in rollouts stored before feedback existed: the default applies (`feedbackPlanOf`).
   */
  feedback?: FeedbackPlan | null;
  /**
   * Whether entering this stage needs the help desk's readiness sign-off (an exit criterion of
   * the stage before it); null: it does not. Absent: the default applies (`readinessPlanOf`).
   */
  readiness?: ReadinessPlan | null;
  /**
   * Who the stage is for (Entra groups narrowed by filters, plus listed members). Absent: a wave's
   * `groupId` and `members` only, a phase nobody in particular (`stageAudienceSpec`).
   */
  audience?: AudienceSpec;
  /** The Intune assignment intent for the audience's groups (INTUNE_ASSIGN); absent: required. */
  intent?: AssignmentIntent;
  /**
   * What entering the stage does about its announcement (`announceModeOf`): absent, the default
   * (`prompt`: a preview to confirm), as every rollout stored before announcements has it.
   */
  announce?: AnnounceMode;
  /** Feedback nudges at most for the stage (absent: DEFAULT_NUDGES; `stageScheduleOf`). */
  nudges?: number;
  /** One reminder to those who have not clicked "Got it" on the stage's announcement (absent: no). */
  gotItReminder?: boolean;
  /** Advance by itself once the stage's end has passed and its gate passes (absent: no; never forced). */
  autoAdvance?: boolean;
}

/** The source guide's discussion points for choosing and ordering target groups. */
export interface WaveProfile {
  willingness: Level | null;
  users: number | null;
  devices: number | null;
  platforms: Platform[];
  requirements: string;
  geography: string;
  businessRisk: Level | null;
}

export interface Wave extends Stage, WaveProfile {
  id: string;
  name: string;
  /** Entra group id (resolved through Graph by a later feature). */
  groupId: string | null;
  /** Explicit Entra object ids of the wave's members. */
  members: string[];
  kind: WaveKind;
  enrollment: EnrollmentApproach | null;
}

export interface Phase extends Stage {
  key: PhaseKey;
  /** Waves (stages) run one after another inside the phase; empty means the phase is one step. */
  waves: Wave[];
  communication: CommunicationPlan;
}

export interface Position {
  phase: PhaseKey;
  /** Index into the phase's waves, or null when the phase has none. */
  wave: number | null;
}

export interface Transition {
  from: PositionRef;
  to: PositionRef;
  by: Person;
  at: string;
  forced: boolean;
  reason: string | null;
}

/** Where the rollout is coordinated: the conversation it was created in. */
export interface Coordination {
  conversationId: string;
  conversationType: string;
  serviceUrl: string;
}

export interface Rollout {
  id: string;
  tenantId: string;
  name: string;
  template: TemplateName;
  /** IANA time zone the plan's dates and times are in. */
  timeZone: string;
  /** Increases with every plan change; edit forms carry the revision they were made on. */
  planRevision: number;
  app: { name: string; intuneAppId: string | null; platforms: Platform[] };
  businessPurpose: string;
  status: RolloutStatus;
  phases: Phase[];
  position: Position;
  createdBy: Person;
  createdAt: string;
  coordination: Coordination;
  history: Transition[];
  /** When the rollout entered its current phase (or wave). */
  enteredAt: string;
  /** Where the help desk answers readiness requests (`rollout bind helpdesk`); absent: not bound. */
  helpdesk?: Coordination | null;
  /** The latest readiness request per stage to be entered (stage id → request id). */
  signoffs?: Record<string, string>;
  /** Quiet hours and the digest's time (`rolloutScheduleOf`); absent: the defaults. */
  schedule?: RolloutSchedule;
}

export const MAX_NAME_LENGTH = 80;

export interface NewRollout {
  id: string;
  tenantId: string;
  name: string;
  by: Person;
  coordination: Coordination;
  template: TemplateName;
  timeZone: string;
}

/** Tidies a name typed in Teams: quotes and surrounding space removed, inner space folded. */
export const normaliseName = (raw: string): string =>
  raw
    .trim()
    .replace(/^["'“”‘’]+|["'“”‘’]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();

export const createRollout = (input: NewRollout, now: Date): Decision<Rollout> => {
  const name = normaliseName(input.name);
  if (!name) {
    return refuse('invalid-name', 'A rollout needs a name: `rollout new {name}`.');
  }
  if (name.length > MAX_NAME_LENGTH) {
    return refuse('invalid-name', `A rollout name has at most ${MAX_NAME_LENGTH} characters.`);
  }
  const at = now.toISOString();
  const rollout: Rollout = {
    id: input.id,
    tenantId: input.tenantId,
    name,
    template: input.template,
    timeZone: input.timeZone,
    planRevision: 1,
    app: { name, intuneAppId: null, platforms: [] },
    businessPurpose: '',
    status: 'active',
    phases: templatePhases(input.template),
    position: { phase: 'scope', wave: null },
    createdBy: input.by,
    createdAt: at,
    coordination: input.coordination,
    history: [],
    enteredAt: at,
  };
  return accept(rollout, [{ type: 'rollout-created', name, by: input.by, at }]);
};

export const phaseOf = (rollout: Rollout, key: PhaseKey): Phase => {
  const phase = rollout.phases.find((p) => p.key === key);
  if (!phase) throw new Error(`rollout ${rollout.id} has no phase ${key}`);
  return phase;
};

export const currentPhase = (rollout: Rollout): Phase => phaseOf(rollout, rollout.position.phase);

export const positionLabel = (rollout: Rollout, position: Position): string => {
  const phase = phaseOf(rollout, position.phase);
  if (position.wave === null) return phase.title;
  const wave = phase.waves[position.wave];
  const name = wave ? `: ${wave.name}` : '';
  return `${phase.title} — ${waveWord(phase)} ${position.wave + 1} of ${phase.waves.length}${name}`;
};

/** Enterprise rollouts go in waves; other phases widen in stages. */
export const waveWord = (phase: Phase): string => (phase.key === 'enterprise' ? 'wave' : 'stage');

export const positionRef = (rollout: Rollout, position: Position): PositionRef => ({
  phase: position.phase,
  wave: position.wave,
  label: positionLabel(rollout, position),
});

export const samePosition = (a: Position, b: Position): boolean => a.phase === b.phase && a.wave === b.wave;

/** The data each template in `cards/` is expanded with. Template and type change together. */
import type {
  FeedbackExportCardData,
  FeedbackFormCardData,
  FeedbackIssueCardData,
  FeedbackSummaryCardData,
  FeedbackThanksCardData,
} from './card-data-feedback';
import type { SignoffCardData } from './card-data-signoff';

export type * from './card-data-feedback';
export type * from './card-data-signoff';

export interface StatusCardData {
  rolloutId: string;
  name: string;
  status: string;
  currentPhase: string;
  createdBy: string;
  createdAt: string;
  enteredAt: string;
  timeline: { title: string; state: string; when: string }[];
  criteria: { icon: string; label: string; measured: string; target: string; reason: string }[];
  allMet: boolean;
  recent: { when: string; who: string; summary: string }[];
  hasRecent: boolean;
  canAdvance: boolean;
}

export interface ChecklistItemData {
  rolloutId: string;
  phase: string;
  waveId: string;
  itemId: string;
  text: string;
  state: string;
  actionTitle: string;
  nextDone: boolean;
}

export interface GoalData {
  rolloutId: string;
  stageId: string;
  criterionId: string;
  goal: string;
  state: string;
  noteInput: string;
  note: string;
  met: boolean;
}

export interface ChecklistCardData {
  goals: GoalData[];
  hasGoals: boolean;
  rolloutId: string;
  name: string;
  stage: string;
  notice: string;
  hasNotice: boolean;
  editable: boolean;
  progress: string;
  sections: { title: string; progress: string; items: ChecklistItemData[] }[];
}

export interface ChooseRolloutCardData {
  prompt: string;
  choices: { name: string; id: string; detail: string; command: string; rolloutId: string; args: string }[];
}

export interface RolloutListCardData {
  title: string;
  empty: boolean;
  rollouts: { name: string; id: string; detail: string }[];
}

export interface NoticeCardData {
  title: string;
  text: string;
}

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
  /** The feedback goals, `≥10 responses or 30%, …`, or `none`. */
  feedback: string;
  /**
   * The help desk's sign-off to enter it: `everyone · deadline 2026-05-01 17:00`, `none`; on a card
   * with many waves, `''` (not shown) when it is the wave's default.
   */
  signoff: string;
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
  /** The feedback goals, `≥10 responses or 30%, …`, or `none`. */
  feedback: string;
  /** The help desk's sign-off to enter it: `quorum 2 (not-ready allowed)`, `none`. */
  signoff: string;
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
  editable: boolean;
  phases: PlanPhaseRow[];
}

/** A section form: its inputs' values and an error per field ('' when none). */
export interface FormData<F extends string> extends PlanRef {
  title: string;
  rolloutName: string;
  formError: string;
  hasFormError: boolean;
  values: Record<F, string>;
  errors: Record<F, string>;
}

export const SETTINGS_FIELDS = [
  'name',
  'timeZone',
  'appName',
  'intuneAppId',
  'platforms',
  'businessPurpose',
] as const;
export type SettingsField = (typeof SETTINGS_FIELDS)[number];

/** The fields phase and wave forms share: whether the stage takes feedback and needs sign-off. */
const STAGE_SETTING_FIELDS = [
  'feedbackEnabled',
  'minResponses',
  'minResponsePercent',
  'minAverageRating',
  'minInstallSuccess',
  'maxOpenBlockers',
  'signoffEnabled',
  'signoffPolicy',
  'signoffQuorum',
  'signoffAllowNotReady',
  'signoffMembers',
  'signoffDeadlineDate',
  'signoffDeadlineTime',
] as const;

export const PHASE_FIELDS = [
  'startDate',
  'startTime',
  'endDate',
  'endTime',
  'targetGroups',
  'goals',
  'extraItems',
  ...STAGE_SETTING_FIELDS,
  'whatIsDeployed',
  'howAndWhen',
  'businessPurpose',
  'selfHelpUrl',
  'helpDeskContact',
] as const;
export type PhaseField = (typeof PHASE_FIELDS)[number];

export const WAVE_FIELDS = [
  'name',
  'kind',
  'enrollment',
  'groupId',
  'members',
  'startDate',
  'startTime',
  'endDate',
  'endTime',
  'targetGroups',
  'willingness',
  'users',
  'devices',
  'platforms',
  'requirements',
  'geography',
  'businessRisk',
  ...STAGE_SETTING_FIELDS,
] as const;
export type WaveField = (typeof WAVE_FIELDS)[number];

export interface PhaseFormData extends FormData<PhaseField> {
  phase: string;
}

export interface WaveFormData extends FormData<WaveField> {
  phase: string;
  waveId: string;
  isNew: boolean;
  canMove: boolean;
}

export interface PlanExportCardData {
  name: string;
  yaml: string;
  revision: number;
}

export interface PlanImportCardData extends PlanRef {
  name: string;
  yaml: string;
  errors: string;
  hasErrors: boolean;
}

export interface CardDataMap {
  status: StatusCardData;
  checklist: ChecklistCardData;
  'choose-rollout': ChooseRolloutCardData;
  'rollout-list': RolloutListCardData;
  notice: NoticeCardData;
  plan: PlanCardData;
  'plan-settings-form': FormData<SettingsField>;
  'plan-phase-form': PhaseFormData;
  'plan-wave-form': WaveFormData;
  'plan-export': PlanExportCardData;
  'plan-import': PlanImportCardData;
  'feedback-form': FeedbackFormCardData;
  'feedback-thanks': FeedbackThanksCardData;
  'feedback-summary': FeedbackSummaryCardData;
  'feedback-issue': FeedbackIssueCardData;
  'feedback-export': FeedbackExportCardData;
  'signoff-request': SignoffCardData;
}

export type CardName = keyof CardDataMap;

export const CARD_NAMES: readonly CardName[] = [
  'status',
  'checklist',
  'choose-rollout',
  'rollout-list',
  'notice',
  'plan',
  'plan-settings-form',
  'plan-phase-form',
  'plan-wave-form',
  'plan-export',
  'plan-import',
  'feedback-form',
  'feedback-thanks',
  'feedback-summary',
  'feedback-issue',
  'feedback-export',
  'signoff-request',
];

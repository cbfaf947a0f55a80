import { accept, refuse, type Decision } from './decision';
import type { PositionRef } from './events';
import {
  DEFAULT_CHECKLISTS,
  DEFAULT_WAVE_CHECKLIST,
  PHASE_KEYS,
  PHASE_TITLES,
  type PhaseKey,
} from './phases';
import type { Person } from './roles';

export type RolloutStatus = 'active' | 'paused' | 'completed';
export type Platform = 'windows' | 'macos' | 'ios' | 'android' | 'linux' | 'web';
export type WaveKind = 'department' | 'geography' | 'platform';
export type EnrollmentApproach = 'self-service' | 'assisted' | 'tech-fair';

export interface TimeFrame {
  /** ISO date (YYYY-MM-DD) or null when not planned yet. */
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

/** An exit criterion as planned. Later features add measured kinds (feedback, sign-off). */
export type CriterionSpec = { kind: 'checklist-complete' };

/** What phases and waves have in common: a stage of the rollout with its own gate. */
export interface Stage {
  title: string;
  timeFrame: TimeFrame;
  targetGroups: string[];
  criteria: CriterionSpec[];
  checklist: ChecklistItem[];
}

export interface Wave extends Stage {
  id: string;
  name: string;
  targetGroup: string;
  kind: WaveKind;
  enrollment: EnrollmentApproach;
}

export interface Phase extends Stage {
  key: PhaseKey;
  /** Waves run one after another inside the phase; empty means the phase is one step. */
  waves: Wave[];
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
}

export const MAX_NAME_LENGTH = 80;

const seedChecklist = (items: readonly (readonly [string, string])[]): ChecklistItem[] =>
  items.map(([id, text]) => ({ id, text, done: false, by: null, at: null }));

const emptyTimeFrame = (): TimeFrame => ({ start: null, end: null });

/** A wave with the default checklist; the plan feature fills in the rest. */
export const newWave = (
  fields: Omit<Wave, 'checklist' | 'criteria' | 'title' | 'targetGroups' | 'timeFrame'> &
    Partial<Pick<Wave, 'timeFrame'>>,
): Wave => ({
  ...fields,
  title: fields.name,
  timeFrame: fields.timeFrame ?? emptyTimeFrame(),
  targetGroups: fields.targetGroup ? [fields.targetGroup] : [],
  criteria: [{ kind: 'checklist-complete' }],
  checklist: seedChecklist(DEFAULT_WAVE_CHECKLIST),
});

/** The default plan: five phases with their checklists, no waves until an admin adds them. */
export const defaultPhases = (): Phase[] =>
  PHASE_KEYS.map((key) => ({
    key,
    title: PHASE_TITLES[key],
    timeFrame: emptyTimeFrame(),
    targetGroups: [],
    criteria: [{ kind: 'checklist-complete' }],
    checklist: seedChecklist(DEFAULT_CHECKLISTS[key]),
    waves: [],
  }));

export interface NewRollout {
  id: string;
  tenantId: string;
  name: string;
  by: Person;
  coordination: Coordination;
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
    return refuse('invalid-name', 'A rollout needs a name: `rollout new <name>`.');
  }
  if (name.length > MAX_NAME_LENGTH) {
    return refuse('invalid-name', `A rollout name has at most ${MAX_NAME_LENGTH} characters.`);
  }
  const at = now.toISOString();
  const rollout: Rollout = {
    id: input.id,
    tenantId: input.tenantId,
    name,
    app: { name, intuneAppId: null, platforms: [] },
    businessPurpose: '',
    status: 'active',
    phases: defaultPhases(),
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

export const currentWave = (rollout: Rollout): Wave | null => {
  const { wave } = rollout.position;
  return wave === null ? null : (currentPhase(rollout).waves[wave] ?? null);
};

export const positionLabel = (rollout: Rollout, position: Position): string => {
  const phase = phaseOf(rollout, position.phase);
  if (position.wave === null) return phase.title;
  const wave = phase.waves[position.wave];
  const name = wave ? `: ${wave.name}` : '';
  return `${phase.title} — wave ${position.wave + 1} of ${phase.waves.length}${name}`;
};

export const positionRef = (rollout: Rollout, position: Position): PositionRef => ({
  phase: position.phase,
  wave: position.wave,
  label: positionLabel(rollout, position),
});

export const samePosition = (a: Position, b: Position): boolean => a.phase === b.phase && a.wave === b.wave;

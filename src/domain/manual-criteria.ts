import { gatingStages } from './criteria';
import { accept, refuse, type Decision } from './decision';
import { positionRef, type Rollout, type Stage } from './rollout';
import type { Person } from './roles';

export const MAX_NOTE_LENGTH = 500;

export interface MarkOptions {
  by: Person;
  /** `<phase>` or `<phase>/<wave id>`: the stage whose goal is marked. */
  stageId: string;
  criterionId: string;
  met: boolean;
  note: string;
}

const replaceStage = (rollout: Rollout, stageId: string, update: (stage: Stage) => Stage): Rollout => {
  const [phaseKey, waveId] = stageId.split('/');
  return {
    ...rollout,
    phases: rollout.phases.map((p) => {
      if (p.key !== phaseKey) return p;
      if (!waveId) return { ...p, ...update(p) };
      return { ...p, waves: p.waves.map((w) => (w.id === waveId ? { ...w, ...update(w) } : w)) };
    }),
  };
};

/** An admin marks a manual (SMART) goal of the current position met, or not met, with a note. */
export const markCriterion = (rollout: Rollout, options: MarkOptions, now: Date): Decision<Rollout> => {
  if (rollout.status !== 'active') {
    return refuse(rollout.status, `“${rollout.name}” is ${rollout.status}; its goals cannot be marked now.`);
  }
  const ref = gatingStages(rollout).find((s) => s.id === options.stageId);
  const criterion = ref?.stage.criteria.find((c) => c.id === options.criterionId);
  if (!ref || !criterion || criterion.kind !== 'manual') {
    return refuse('stage-not-current', 'That goal is not an exit criterion of where the rollout is now.');
  }
  const note = options.note.trim();
  if (options.met && !note)
    return refuse('note-required', 'Marking a goal met needs a note: what shows it is met?');
  if (note.length > MAX_NOTE_LENGTH)
    return refuse('note-required', `A note has at most ${MAX_NOTE_LENGTH} characters.`);
  if (criterion.met === options.met && (criterion.note ?? '') === note) return accept(rollout, []);
  const at = now.toISOString();
  const next = replaceStage(rollout, options.stageId, (stage) => ({
    ...stage,
    criteria: stage.criteria.map((c) =>
      c.id === criterion.id && c.kind === 'manual'
        ? { ...c, met: options.met, note: note || null, by: options.by, at }
        : c,
    ),
  }));
  const [, waveId] = options.stageId.split('/');
  const wave = waveId ? rollout.position.wave : null;
  return accept(next, [
    {
      type: 'criterion-marked',
      by: options.by,
      at,
      stage: positionRef(rollout, { phase: rollout.position.phase, wave }),
      criterionId: criterion.id,
      goal: criterion.goal,
      met: options.met,
      note: note || null,
    },
  ]);
};

import { addDays, wallClock } from '../../domain/quiet-hours';
import { currentStageId, findStage, type StageLookup } from '../../domain/feedback-goals';
import { stageLabel } from '../../domain/feedback-access';
import { nextPosition } from '../../domain/positions';
import type { Position, Rollout } from '../../domain/rollout';

/**
 * When a rollout's stages start and end, as instants: a plan's time frame is local to the
 * rollout's zone, a date alone (`2026-12-10`) or a date and time (`2026-12-10T17:00`).
 */

const split = (local: string): { date: string; time: string | null } => {
  const [date = '', time] = local.split('T');
  return { date, time: time ?? null };
};

/** The instant a stage's end names: a date alone ends with that day (the next day's 00:00). */
export const endInstant = (end: string, timeZone: string): Date => {
  const { date, time } = split(end);
  return time ? wallClock(date, time, timeZone) : wallClock(addDays(date, 1), '00:00', timeZone);
};

/** The instant a stage's start names: a date alone starts at its 00:00. */
export const startInstant = (start: string, timeZone: string): Date => {
  const { date, time } = split(start);
  return wallClock(date, time ?? '00:00', timeZone);
};

/** The local date a stage's start is on (`YYYY-MM-DD`). */
export const startDate = (start: string): string => split(start).date;

/** The stage id of a position (`<phase>` or `<phase>/<wave id>`); null when the wave is gone. */
export const stageIdOf = (
  rollout: Rollout,
  position: { phase: string; wave: number | null },
): string | null => {
  if (position.wave === null) return position.phase;
  const wave = rollout.phases.find((p) => p.key === position.phase)?.waves[position.wave];
  return wave ? `${position.phase}/${wave.id}` : null;
};

/** The current stage (the current wave, else the phase), with its label and end (null: none set). */
export const currentStage = (
  rollout: Rollout,
): { found: StageLookup; label: string; end: Date | null } | null => {
  const found = findStage(rollout, currentStageId(rollout));
  if (!found) return null;
  const end = found.stage.timeFrame.end;
  return { found, label: stageLabel(rollout, found), end: end ? endInstant(end, rollout.timeZone) : null };
};

/** The stage the rollout enters next, with its label and start (null: none set); null at the end. */
export const nextStage = (
  rollout: Rollout,
): { found: StageLookup; position: Position; label: string; start: Date | null } | null => {
  const position = nextPosition(rollout);
  const id = position ? stageIdOf(rollout, position) : null;
  const found = id ? findStage(rollout, id) : null;
  if (!position || !found) return null;
  const start = found.stage.timeFrame.start;
  return {
    found,
    position,
    label: stageLabel(rollout, found),
    start: start ? startInstant(start, rollout.timeZone) : null,
  };
};

/**
 * Every stage the rollout has entered (its first phase, and each transition's destination) as
 * stage ids: each wave entered and its phase, in the order entered, no repeats.
 */
export const enteredStageIds = (rollout: Rollout): string[] => {
  const first = rollout.phases[0]?.key;
  const positions = [
    ...(first ? [{ phase: first, wave: rollout.phases[0]?.waves.length ? 0 : null }] : []),
    ...rollout.history.map((t) => t.to),
    rollout.position,
  ];
  const ids = positions.flatMap((p) => {
    const id = stageIdOf(rollout, p);
    return id && id !== p.phase ? [p.phase, id] : [p.phase];
  });
  return [...new Set(ids)].filter((id) => findStage(rollout, id) !== null);
};

/** An instant as a notice's text says it, in the rollout's zone: "10 Dec 2026, 00:00 (Europe/Berlin)". */
export const localText = (at: Date, timeZone: string): string =>
  `${new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(at)} (${timeZone})`;

import { currentPhase, positionLabel, type ChecklistItem, type Rollout } from '../../domain/rollout';
import { gatingStages } from '../../domain/criteria';
import { defineCard } from '../render-card';
import { formatInstant } from './format';

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

export const checklistCard = defineCard<ChecklistCardData>()('checklist');

const progress = (items: ChecklistItem[]): string =>
  `${items.filter((i) => i.done).length} of ${items.length} done`;

const itemData = (
  rollout: Rollout,
  phase: string,
  waveId: string,
  item: ChecklistItem,
): ChecklistItemData => ({
  rolloutId: rollout.id,
  phase,
  waveId,
  itemId: item.id,
  text: item.text,
  state: item.done
    ? `✅ Done by ${item.by?.name || item.by?.id || 'someone'}, ${formatInstant(item.at, rollout.timeZone)}`
    : item.at
      ? `⚪ Open (unticked by ${item.by?.name || item.by?.id || 'someone'}, ${formatInstant(item.at, rollout.timeZone)})`
      : '⚪ Open',
  actionTitle: item.done ? 'Untick' : 'Tick',
  nextDone: !item.done,
});

/**
 * The checklist of the current phase, and of the current wave when the phase has waves; who ticked
 * or marked what, and when, in the rollout's time zone.
 */
export const checklistCardData = (rollout: Rollout, notice = ''): ChecklistCardData => {
  const phase = currentPhase(rollout);
  const index = rollout.position.wave;
  const wave = index === null ? null : phase.waves[index];
  const sections: ChecklistCardData['sections'] = [];
  if (wave) {
    sections.push({
      title: `Wave ${(index ?? 0) + 1}: ${wave.name}`,
      progress: progress(wave.checklist),
      items: wave.checklist.map((item) => itemData(rollout, phase.key, wave.id, item)),
    });
  }
  sections.push({
    title: phase.title,
    progress: progress(phase.checklist),
    items: phase.checklist.map((item) => itemData(rollout, phase.key, '', item)),
  });
  const all = [...phase.checklist, ...(wave?.checklist ?? [])];
  const goals: GoalData[] = gatingStages(rollout).flatMap(({ id: stageId, stage }) =>
    stage.criteria.flatMap((c) =>
      c.kind !== 'manual'
        ? []
        : [
            {
              rolloutId: rollout.id,
              stageId,
              criterionId: c.id,
              goal: c.goal,
              state: c.met
                ? `✅ Met, marked by ${c.by?.name || c.by?.id || 'an admin'}, ${formatInstant(c.at, rollout.timeZone)}${c.note ? `: ${c.note}` : ''}`
                : '⚪ Not met yet',
              noteInput: `note|${stageId}|${c.id}`,
              note: c.note ?? '',
              met: !c.met,
            },
          ],
    ),
  );
  const paused = rollout.status === 'paused' ? 'This rollout is paused: ticking resumes when it does.' : '';
  const text = notice || paused;
  return {
    rolloutId: rollout.id,
    name: rollout.name,
    stage: positionLabel(rollout, rollout.position),
    notice: text,
    hasNotice: text.length > 0,
    editable: rollout.status === 'active',
    progress: progress(all),
    sections,
    goals,
    hasGoals: goals.length > 0,
  };
};

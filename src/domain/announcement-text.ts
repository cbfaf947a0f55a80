import type { AnnouncementText } from './announcement';
import { feedbackPlanOf, findStage, type StageLookup } from './feedback-goals';
import type { Rollout, TimeFrame } from './rollout';

/** A stage's name as an announcement shows it: `Pilot`, or `Enterprise rollout · Sales` for a wave. */
export const announcementStageLabel = (found: Pick<StageLookup, 'phase' | 'wave'>): string =>
  found.wave ? `${found.phase.title} · ${found.wave.name}` : found.phase.title;

/** A wave's own time frame; the phase's when the wave has neither a start nor an end. */
const timeFrameOf = (found: StageLookup): TimeFrame => {
  const own = found.stage.timeFrame;
  const frame = found.wave && own.start === null && own.end === null ? found.phase.timeFrame : own;
  return { start: frame.start, end: frame.end };
};

/**
 * What announcing the stage says, copied from the plan now (an announcement keeps it however the
 * plan changes later): the phase's communication plan (a wave's: its phase's, with the wave's own
 * name, time frame and enrollment approach); the business purpose falls back to the rollout's when
 * the phase's is empty. It takes feedback when the stage's feedback plan says so; a phase that runs
 * in waves never does as a whole (feedback is given per wave). Null for an unknown stage id.
 */
export const announcementText = (rollout: Rollout, stageId: string): AnnouncementText | null => {
  const found = findStage(rollout, stageId);
  if (!found) return null;
  const { phase, wave } = found;
  const c = phase.communication;
  const takesFeedback =
    (wave !== null || phase.waves.length === 0) && feedbackPlanOf(found.stage, found.id) !== null;
  return {
    rolloutName: rollout.name,
    stageId: found.id,
    stageLabel: announcementStageLabel(found),
    timeFrame: timeFrameOf(found),
    timeZone: rollout.timeZone,
    enrollment: wave ? wave.enrollment : null,
    whatIsDeployed: c.whatIsDeployed,
    howAndWhen: c.howAndWhen,
    businessPurpose: c.businessPurpose.trim() ? c.businessPurpose : rollout.businessPurpose,
    selfHelpUrl: c.selfHelpUrl,
    helpDeskContact: c.helpDeskContact,
    takesFeedback,
  };
};

/**
 * The "what is coming" part of the readiness request: the stage's time frame, groups and profile,
 * its phase's communication plan, and what the help desk should know from the feedback.
 */
import type { AudienceSnapshot, SignoffView } from '../../app/ports';
import { findStage } from '../../domain/feedback-goals';
import { CATEGORY_LABELS, PLATFORM_LABELS } from '../../domain/feedback-labels';
import type { EnrollmentApproach, Platform, Rollout, Wave } from '../../domain/rollout';
import type { SignoffRequest } from '../../domain/signoff';
import { formatInstant, type Fact } from './format';
import { timeFrameText } from './plan-view';
import type { SignoffCardData } from './signoff-view';

/** A group the stage is for, with what the plan knows of it (users, devices, platforms, enrollment). */
export interface SignoffGroupRow {
  name: string;
  /** "1,200 users · 1,500 devices · Windows, iOS/iPadOS · Self-service enrollment", or "". */
  detail: string;
}

/** Each text of the communication plan is cut to this many characters on the card. */
export const COMMUNICATION_CHARS = 300;

export const ENROLLMENT_LABELS: Readonly<Record<EnrollmentApproach, string>> = {
  'self-service': 'Self-service: users enroll on their own',
  assisted: 'Assisted: IT helps each user enroll',
  'tech-fair': 'Tech fair: users enroll at an event with IT on hand',
};

const count = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string): string => `${count(n)} ${n === 1 ? one : many}`;

/** The text trimmed and cut to `max` characters (code points), with an ellipsis when cut. */
export const cut = (text: string, max: number): string => {
  const chars = [...text.trim()];
  return chars.length > max ? `${chars.slice(0, max).join('').trimEnd()}…` : chars.join('');
};

/** The platforms people have managed devices of, largest first (from a snapshot). */
const resolvedPlatforms = (byPlatform: Record<string, number>): string =>
  Object.entries(byPlatform)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([p]) => PLATFORM_LABELS[p as Platform] ?? p)
    .join(', ');

/**
 * A group's users, devices and platforms: from its resolved audience where there is one (the
 * people and managed devices Entra ID and Intune count), else as the plan says.
 */
const groupDetail = (wave: Wave, snapshot: AudienceSnapshot | undefined, timeZone: string): string => {
  const counts = snapshot?.counts;
  const devices = counts ? Object.values(counts.devicesByOs).reduce((a, n) => a + n, 0) : null;
  const platforms = counts ? resolvedPlatforms(counts.byPlatform) : '';
  return [
    counts
      ? plural(counts.people, 'user', 'users')
      : wave.users !== null
        ? plural(wave.users, 'user', 'users')
        : null,
    counts && counts.withoutDevice !== null && devices !== null
      ? plural(devices, 'managed device', 'managed devices')
      : !counts && wave.devices !== null
        ? plural(wave.devices, 'device', 'devices')
        : null,
    platforms ||
      (wave.platforms.length > 0 ? wave.platforms.map((p) => PLATFORM_LABELS[p]).join(', ') : null),
    wave.enrollment ? ENROLLMENT_LABELS[wave.enrollment] : null,
    snapshot ? `resolved from Entra ID ${formatInstant(snapshot.resolvedAt, timeZone)}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
};

/** What is coming: the stage's time frame, groups and profile, and its phase's communication plan. */
export const whatIsComing = (
  rollout: Rollout,
  request: SignoffRequest,
  audiences: ReadonlyMap<string, AudienceSnapshot>,
): Pick<
  SignoffCardData,
  | 'coming'
  | 'groups'
  | 'hasGroups'
  | 'communication'
  | 'hasCommunication'
  | 'helpDeskContact'
  | 'hasHelpDeskContact'
  | 'selfHelpUrl'
  | 'hasSelfHelp'
> => {
  const found = findStage(rollout, request.stageId);
  const coming: Fact[] = [];
  const groups: SignoffGroupRow[] = [];
  if (found) {
    const { stage, wave, phase } = found;
    const frame = timeFrameText(stage.timeFrame);
    coming.push({
      title: 'When',
      value: stage.timeFrame.start || stage.timeFrame.end ? `${frame} (${rollout.timeZone})` : frame,
    });
    if (stage.targetGroups.length > 0) {
      coming.push({ title: 'Target groups', value: stage.targetGroups.join(', ') });
    }
    if (!wave && rollout.app.platforms.length > 0) {
      const platforms = rollout.app.platforms.map((p) => PLATFORM_LABELS[p]).join(', ');
      coming.push({ title: 'App platforms', value: platforms });
    }
    for (const w of wave ? [wave] : phase.waves) {
      groups.push({
        name: w.name,
        detail:
          groupDetail(w, audiences.get(`${phase.key}/${w.id}`), rollout.timeZone) ||
          'No users, devices or platforms in the plan yet',
      });
    }
  } else {
    coming.push({ title: 'When', value: 'not in the plan any more' });
  }
  const comms = found?.phase.communication;
  const communication: Fact[] = [
    { title: 'What is deployed', value: comms?.whatIsDeployed ?? '' },
    { title: 'How and when', value: comms?.howAndWhen ?? '' },
    { title: 'Why', value: comms?.businessPurpose || rollout.businessPurpose },
  ]
    .filter((f) => f.value.trim())
    .map((f) => ({ ...f, value: cut(f.value, COMMUNICATION_CHARS) }));
  const helpDeskContact = cut(comms?.helpDeskContact ?? '', COMMUNICATION_CHARS);
  const selfHelpUrl = comms?.selfHelpUrl.trim() ?? '';
  const hasSelfHelp = /^https:\/\/\S+$/i.test(selfHelpUrl);
  return {
    coming,
    groups,
    hasGroups: groups.length > 0,
    communication,
    hasCommunication: communication.length > 0,
    helpDeskContact,
    hasHelpDeskContact: helpDeskContact.length > 0,
    selfHelpUrl: hasSelfHelp ? selfHelpUrl : '',
    hasSelfHelp,
  };
};

const categoryLabel = (category: string): string =>
  (CATEGORY_LABELS as Readonly<Record<string, string>>)[category] ?? category;

/** "What the help desk should know": open blockers, open major issues, top feedback categories. */
export const whatToKnow = (
  feedback: SignoffView['feedback'],
): Pick<SignoffCardData, 'know' | 'hasOpenIssues'> => {
  const { openBlockers, openMajors, topCategories } = feedback;
  return {
    know: [
      { title: 'Open blockers', value: count(openBlockers) },
      { title: 'Open major issues', value: count(openMajors) },
      {
        title: 'Top feedback categories',
        value:
          topCategories.length > 0
            ? topCategories.map((c) => `${categoryLabel(c.category)} (${count(c.count)})`).join(', ')
            : 'No feedback yet',
      },
    ],
    hasOpenIssues: openBlockers > 0 || openMajors > 0,
  };
};

import type { AnnouncementStatus } from '../../app/announce/announce-report';
import type { IntuneView } from '../../app/intune-status';
import type { RolloutStatusView } from '../../app/queries';
import { PHASE_KEYS } from '../../domain/phases';
import { positionLabel, type Rollout } from '../../domain/rollout';
import { defineCard } from '../render-card';
import { formatInstant, STATUS_LABELS } from './format';
import { announcementStatusLine } from './announce-status';
import { intuneStatus } from './intune-view';

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
  /** "Intune: <app> — assigned to N groups (required) · last read …"; '' when not shown. */
  intune: string;
  /** "failed: <message> — `intune retry`"; '' when the latest run did not fail. */
  intuneFailure: string;
  hasIntune: boolean;
  hasIntuneFailure: boolean;
  /** The latest announcement's counts, or that announcements are paused; '' when none. */
  announcement: string;
  hasAnnouncement: boolean;
  announcementUnavailable: boolean;
  /** "Open dashboard" goes here (the dashboard tab at this rollout); '' when there is no dashboard. */
  dashboardUrl: string;
  hasDashboard: boolean;
}

export const statusCard = defineCard<StatusCardData>()('status');

const timeline = (rollout: Rollout): StatusCardData['timeline'] => {
  const currentIndex = PHASE_KEYS.indexOf(rollout.position.phase);
  return rollout.phases.map((phase, index) => {
    const entered = rollout.history.filter(
      (t) => t.to.phase === phase.key && t.to.wave === (phase.waves.length ? 0 : null),
    );
    const enteredAt = index === 0 ? rollout.createdAt : (entered[entered.length - 1]?.at ?? null);
    const done = index < currentIndex || rollout.status === 'completed';
    const waves = phase.waves.length ? ` (${phase.waves.length} waves)` : '';
    return {
      title: `${phase.title}${waves}`,
      state: done ? '✅' : index === currentIndex ? '▶️' : '⚪',
      when: index <= currentIndex ? `since ${formatInstant(enteredAt, rollout.timeZone)}` : '',
    };
  });
};

/**
 * The status card's data; every time on it is in the rollout's time zone ("10 Feb 2026, 18:30 CET").
 * `intune`: what there is of Intune when INTUNE_ASSIGN is on; absent: off. `announcement`: the
 * latest announcement's counts (or that its store could not be read); absent or null: none.
 * `dashboardUrl`: the dashboard's address at a rollout (settings.dashboardUrl); absent: no
 * "Open dashboard" button.
 */
export const statusCardData = (
  view: RolloutStatusView,
  intune?: IntuneView,
  announcement?: AnnouncementStatus | null,
  dashboardUrl?: (rolloutId: string) => string,
): StatusCardData => {
  const { rollout } = view;
  const dashboard = dashboardUrl?.(rollout.id) ?? '';
  const announcementLine = announcementStatusLine(announcement);
  const section = intune ? intuneStatus(rollout, intune) : null;
  return {
    rolloutId: rollout.id,
    name: rollout.name,
    status: STATUS_LABELS[rollout.status] ?? rollout.status,
    currentPhase: positionLabel(rollout, rollout.position),
    createdBy: rollout.createdBy.name || rollout.createdBy.id,
    createdAt: formatInstant(rollout.createdAt, rollout.timeZone),
    enteredAt: formatInstant(rollout.enteredAt, rollout.timeZone),
    timeline: timeline(rollout),
    criteria: view.criteria.map((c) => ({
      icon: c.met ? '✅' : '❌',
      label: c.label,
      measured: c.measured,
      target: c.target,
      reason: c.reason,
    })),
    allMet: view.criteria.every((c) => c.met),
    recent: view.recent.map((entry) => ({
      when: formatInstant(entry.at, rollout.timeZone),
      who: entry.by.name || entry.by.id,
      summary: entry.summary,
    })),
    hasRecent: view.recent.length > 0,
    canAdvance: rollout.status === 'active' && rollout.position.phase !== 'operations',
    intune: section?.summary ?? '',
    intuneFailure: section?.failure ?? '',
    hasIntune: section !== null,
    hasIntuneFailure: Boolean(section?.failure),
    announcement: announcementLine,
    hasAnnouncement: announcementLine !== '',
    announcementUnavailable: announcement?.kind === 'unavailable',
    dashboardUrl: dashboard,
    hasDashboard: dashboard !== '',
  };
};

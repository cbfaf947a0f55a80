import type { DigestFacts } from '../../src/app/schedule/daily-digest';
import { digestCardData, type DigestCardData } from '../../src/teams/views/digest-view';

const long = (n: number, c = 'x') => c.repeat(n);

/**
 * The largest digest a rollout can make: the longest name, the most criteria a digest carries
 * (30) with reasons at their cut (400 characters), feedback for a wave and its phase, an open
 * readiness request with a deadline, an announcement, an overdue stage, both due dates; paused.
 */
export const largestDigestFacts = (): DigestFacts => ({
  rolloutId: 'ro-1',
  name: long(80, 'N'),
  timeZone: 'Europe/Berlin',
  date: '2026-10-25',
  at: '2026-10-25T08:00:00.000Z',
  paused: true,
  position: `Enterprise rollout — wave 20 of 20: ${long(80, 'W')}`,
  feedback: [
    {
      stageId: 'enterprise/w20',
      label: long(120, 'L'),
      responses: 1_000_000,
      since: 12_345,
      sinceAt: '2026-10-24T07:00:00.000Z',
    },
    { stageId: 'enterprise', label: 'Enterprise rollout', responses: 2_000_000, since: null, sinceAt: null },
  ],
  openBlockers: 99_999,
  openMajors: 99_999,
  signoff: {
    stageLabel: long(120, 'S'),
    ready: 100,
    notReady: 100,
    pending: 0,
    met: false,
    reason: long(2000, 'R'),
    deadline: '2026-10-26T16:00:00.000Z',
  },
  announcement: {
    kind: 'counts',
    stageLabel: long(120, 'A'),
    state: 'sending',
    scheduledAt: null,
    timeZone: 'Europe/Berlin',
    counts: {
      recipients: 100_000,
      pending: 10,
      sent: 99_000,
      failed: 900,
      blocked: 50,
      notInstalled: 30,
      cancelled: 10,
      gotIt: 50_000,
      possibleDuplicates: 3,
    },
    pausedSince: '2026-10-25T07:00:00.000Z',
  },
  due: [
    { what: 'stage-end', label: long(120, 'E'), at: '2026-10-24T22:00:00.000Z' },
    { what: 'stage-start', label: long(120, 'F'), at: '2026-11-01T23:00:00.000Z' },
  ],
  overdue: {
    label: long(120, 'O'),
    since: '2026-10-24T22:00:00.000Z',
    missing: Array.from({ length: 30 }, (_, i) => `${i}${long(299, 'M')}`),
  },
  criteria: Array.from({ length: 30 }, (_, i) => ({
    id: `c${i}`,
    label: `${i}${long(299, 'G')}`,
    met: i % 2 === 0,
    measured: long(60, '9'),
    target: long(60, '8'),
    reason: `${long(399, 'Z')}…`,
  })),
  gatePasses: false,
  canAdvance: true,
});

export const DIGEST_FIXTURES: { digest: DigestCardData } = {
  digest: digestCardData(largestDigestFacts()),
};

import type { CardDataMap } from '../../src/teams/card-data';
import { checklistCardData } from '../../src/teams/views/checklist-view';
import { statusCardData } from '../../src/teams/views/status-view';
import { evaluateExitCriteria } from '../../src/domain/criteria';
import { aRollout, ADMIN, withWaves } from '../domain/fixtures';

const rollout = withWaves(aRollout({ position: { phase: 'enterprise', wave: 1 } }), [
  'HR',
  'Sales "EMEA" & <APAC>',
]);

/** Representative data for every card, produced by the same view functions the bot uses. */
export const CARD_FIXTURES: { [N in keyof CardDataMap]: CardDataMap[N] } = {
  status: statusCardData({
    rollout,
    criteria: evaluateExitCriteria(rollout),
    recent: [
      {
        rolloutId: rollout.id,
        type: 'phase-advanced',
        by: ADMIN,
        at: '2026-02-10T17:30:00.000Z',
        summary: 'Advanced Pilot → Enterprise rollout (forced: vendor sign-off)',
        from: 'Pilot',
        to: 'Enterprise rollout',
        reason: 'vendor sign-off',
        before: null,
        after: null,
      },
    ],
  }),
  checklist: checklistCardData(rollout, 'That checklist is no longer current.'),
  'choose-rollout': {
    prompt: 'Several rollouts match. Choose one to run `advance phase --force x` on.',
    choices: [
      {
        name: 'Alpha',
        id: 'ro-1',
        detail: 'Pilot · Active',
        command: 'advance phase',
        rolloutId: 'ro-1',
        args: '--force x',
      },
      {
        name: 'Beta',
        id: 'ro-2',
        detail: 'Project scope · Paused',
        command: 'advance phase',
        rolloutId: 'ro-2',
        args: '--force x',
      },
    ],
  },
  'rollout-list': {
    title: 'Rollouts in this conversation',
    empty: false,
    rollouts: [{ name: 'Alpha', id: 'ro-1', detail: 'Pilot · Active' }],
  },
  notice: { title: 'advance phase ro-1', text: 'Done.' },
};

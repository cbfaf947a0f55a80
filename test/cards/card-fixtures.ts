import type { CardDataMap } from '../../src/teams/card-data';
import { checklistCardData } from '../../src/teams/views/checklist-view';
import { statusCardData } from '../../src/teams/views/status-view';
import { planCardData } from '../../src/teams/views/plan-view';
import { phaseFormData, settingsFormData, waveFormData } from '../../src/teams/views/plan-form-view';
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
  plan: planCardData(rollout, 'Saved.'),
  'plan-settings-form': settingsFormData(rollout, {
    errors: { timeZone: 'must be an IANA time zone' },
    formError: 'Nothing was saved.',
  }),
  'plan-phase-form': phaseFormData(rollout, 'enterprise'),
  'plan-wave-form': waveFormData(rollout, 'enterprise', 'w3'),
  'plan-export': { name: rollout.name, yaml: 'version: 1\nname: Teams Premium\n', revision: 3 },
  'plan-import': {
    rolloutId: rollout.id,
    revision: 3,
    name: rollout.name,
    yaml: '',
    errors: 'line 2: name: too long',
    hasErrors: true,
  },
};

import { PLAN_LIMITS } from '../../src/plan/plan-file-rules';
import { planCard, planCardData } from '../../src/teams/views/plan-view';
import { checklistCard, checklistCardData } from '../../src/teams/views/checklist-view';
import { newWave } from '../../src/domain/templates';
import { aRollout } from '../domain/fixtures';

const MAX_CARD_BYTES = 80 * 1024;

/** The largest plan the plan file's rules allow, with every text at its longest. */
const largestPlan = () => {
  const base = aRollout({ position: { phase: 'scope', wave: null } });
  const long = (n: number, c = 'x') => c.repeat(n);
  return {
    ...base,
    name: long(80, 'N'),
    phases: base.phases.map((p) => ({
      ...p,
      announce: 'auto' as const,
      communication: {
        whatIsDeployed: long(2000),
        howAndWhen: long(2000),
        businessPurpose: long(2000),
        selfHelpUrl: `https://${long(100)}`,
        helpDeskContact: long(2000),
      },
      criteria: [
        ...p.criteria,
        ...Array.from({ length: 20 }, (_, i) => ({
          id: `g${i}`,
          kind: 'manual' as const,
          goal: long(300),
          met: false,
          note: null,
          by: null,
          at: null,
        })),
      ],
      targetGroups: Array.from({ length: PLAN_LIMITS.targetGroups }, (_, i) => `${i}${long(99)}`),
      checklist: Array.from({ length: PLAN_LIMITS.checklistItems }, (_, i) => ({
        id: `i${i}`,
        text: long(200),
        done: false,
        by: null,
        at: null,
      })),
      waves: Array.from({ length: PLAN_LIMITS.wavesPerPhase }, (_, i) => ({
        ...newWave({ id: `${p.key}-${i}`, name: long(80, 'W'), kind: 'department', enrollment: 'tech-fair' }),
        timeFrame: { start: '2026-01-01T09:00', end: '2026-12-31T17:00' },
        users: 1_000_000,
        devices: 1_000_000,
        businessRisk: 'medium' as const,
        willingness: 'medium' as const,
        announce: 'off' as const,
      })),
    })),
  };
};

describe('card sizes stay under 80 KB for the largest plan', () => {
  it.each([
    ['plan', () => planCard.render(planCardData(largestPlan(), 'Saved.'))],
    ['checklist', () => checklistCard.render(checklistCardData(largestPlan()))],
  ])('%s', (_name, render) => {
    const bytes = Buffer.byteLength(JSON.stringify(render().content));
    expect(bytes).toBeLessThan(MAX_CARD_BYTES);
  });
});

import { announcementStageLabel, announcementText } from '../../src/domain/announcement-text';
import { defaultFeedbackPlan } from '../../src/domain/feedback-goals';
import type { Rollout } from '../../src/domain/rollout';
import { aRollout, withWaves } from './fixtures';

const COMMUNICATION = {
  whatIsDeployed: 'Teams Premium licences',
  howAndWhen: 'Assigned overnight, no action needed',
  businessPurpose: 'Better meetings',
  selfHelpUrl: 'https://help.example/teams',
  helpDeskContact: 'Call 1234',
};

/** A rollout with two enterprise waves and a communication plan for every phase. */
const planned = (changes: (r: Rollout) => Rollout = (r) => r): Rollout => {
  const base = withWaves(aRollout({ businessPurpose: 'Rollout purpose', timeZone: 'Europe/Berlin' }), [
    'Sales',
    'Finance',
  ]);
  return changes({
    ...base,
    phases: base.phases.map((p) => ({
      ...p,
      communication: { ...COMMUNICATION, whatIsDeployed: `${p.key}: ${COMMUNICATION.whatIsDeployed}` },
      timeFrame: { start: `2026-0${base.phases.indexOf(p) + 3}-01`, end: null },
      waves: p.waves.map((w, i) => ({
        ...w,
        timeFrame: i === 0 ? { start: '2026-06-01T09:00', end: '2026-06-05' } : { start: null, end: null },
        enrollment: i === 0 ? 'assisted' : null,
      })),
    })),
  });
};

const phaseOf = (r: Rollout, key: string) => r.phases.find((p) => p.key === key)!;

describe('announcementText', () => {
  it("a phase: its communication plan, time frame and the rollout's zone", () => {
    const r = planned();
    expect(announcementText(r, 'pilot')).toEqual({
      rolloutName: 'Teams Premium',
      stageId: 'pilot',
      stageLabel: phaseOf(r, 'pilot').title,
      timeFrame: phaseOf(r, 'pilot').timeFrame,
      timeZone: 'Europe/Berlin',
      enrollment: null,
      whatIsDeployed: 'pilot: Teams Premium licences',
      howAndWhen: COMMUNICATION.howAndWhen,
      businessPurpose: 'Better meetings',
      selfHelpUrl: COMMUNICATION.selfHelpUrl,
      helpDeskContact: COMMUNICATION.helpDeskContact,
      takesFeedback: true,
    });
  });

  it("a wave: its phase's plan with the wave's own name, time frame and enrollment", () => {
    const r = planned();
    const enterprise = phaseOf(r, 'enterprise');
    const text = announcementText(r, 'enterprise/w1');
    expect(text).toMatchObject({
      stageId: 'enterprise/w1',
      stageLabel: `${enterprise.title} · Sales`,
      timeFrame: { start: '2026-06-01T09:00', end: '2026-06-05' },
      enrollment: 'assisted',
      whatIsDeployed: 'enterprise: Teams Premium licences',
      helpDeskContact: 'Call 1234',
    });
    expect(text?.stageLabel).toBe('Enterprise rollout · Sales');
  });

  it("a wave without dates of its own shows its phase's time frame", () => {
    const r = planned();
    expect(announcementText(r, 'enterprise/w2')?.timeFrame).toEqual(phaseOf(r, 'enterprise').timeFrame);
    expect(announcementText(r, 'enterprise/w2')?.enrollment).toBeNull();
  });

  it("the business purpose falls back to the rollout's when the phase's is empty (or blank)", () => {
    const r = planned((r) => ({
      ...r,
      phases: r.phases.map((p) =>
        p.key === 'pilot' || p.key === 'enterprise'
          ? { ...p, communication: { ...p.communication, businessPurpose: p.key === 'pilot' ? '' : '  ' } }
          : p,
      ),
    }));
    expect(announcementText(r, 'pilot')?.businessPurpose).toBe('Rollout purpose');
    expect(announcementText(r, 'enterprise/w1')?.businessPurpose).toBe('Rollout purpose');
    expect(announcementText(r, 'poc')?.businessPurpose).toBe('Better meetings');
  });

  it("takes feedback as the stage's feedback plan says (defaults: pilot and waves yes, other phases no)", () => {
    const r = planned();
    expect(announcementText(r, 'pilot')?.takesFeedback).toBe(true);
    expect(announcementText(r, 'enterprise/w1')?.takesFeedback).toBe(true);
    expect(announcementText(r, 'poc')?.takesFeedback).toBe(false);
    expect(announcementText(r, 'scope')?.takesFeedback).toBe(false);
    const changed = planned((r) => ({
      ...r,
      phases: r.phases.map((p) =>
        p.key === 'pilot'
          ? { ...p, feedback: null }
          : p.key === 'poc'
            ? { ...p, feedback: defaultFeedbackPlan() }
            : p.key === 'enterprise'
              ? { ...p, waves: p.waves.map((w) => (w.id === 'w2' ? { ...w, feedback: null } : w)) }
              : p,
      ),
    }));
    expect(announcementText(changed, 'pilot')?.takesFeedback).toBe(false);
    expect(announcementText(changed, 'poc')?.takesFeedback).toBe(true);
    expect(announcementText(changed, 'enterprise/w1')?.takesFeedback).toBe(true);
    expect(announcementText(changed, 'enterprise/w2')?.takesFeedback).toBe(false);
  });

  it('a phase that runs in waves takes no feedback as a whole (it is given per wave)', () => {
    const r = planned((r) => ({
      ...r,
      phases: r.phases.map((p) => (p.key === 'enterprise' ? { ...p, feedback: undefined } : p)),
    }));
    expect(announcementText(r, 'enterprise')?.takesFeedback).toBe(false);
    expect(announcementText(r, 'enterprise')?.stageLabel).toBe('Enterprise rollout');
  });

  it('null for an unknown stage id, a wave id of another phase, or a malformed id', () => {
    const r = planned();
    for (const id of ['nope', 'pilot/w1', 'enterprise/w9', 'enterprise/', '/w1', 'enterprise/w1/x', '']) {
      expect(announcementText(r, id)).toBeNull();
    }
  });

  it('is a copy: changing the plan afterwards changes no text made', () => {
    const r = planned();
    const text = announcementText(r, 'enterprise/w1')!;
    const wave = phaseOf(r, 'enterprise').waves[0]!;
    wave.timeFrame.start = '2030-01-01';
    expect(text.timeFrame.start).toBe('2026-06-01T09:00');
  });

  it('announcementStageLabel names a phase by its title, a wave as phase · wave', () => {
    const r = planned();
    const enterprise = phaseOf(r, 'enterprise');
    expect(announcementStageLabel({ phase: enterprise, wave: null })).toBe('Enterprise rollout');
    expect(announcementStageLabel({ phase: enterprise, wave: enterprise.waves[1]! })).toBe(
      'Enterprise rollout · Finance',
    );
  });
});

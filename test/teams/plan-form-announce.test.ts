import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANNOUNCE_MODES } from '../../src/domain/announcement';
import { applyPlan, planOf } from '../../src/domain/plan';
import type { Rollout } from '../../src/domain/rollout';
import { validatePlan } from '../../src/teams/plan-cards';
import { fieldForPath } from '../../src/teams/plan-form';
import { announceFrom, announceValues } from '../../src/teams/plan-form-announce';
import { phaseFrom, phaseValues, waveFrom, waveValues } from '../../src/teams/plan-form-sections';
import { PHASE_FIELDS, WAVE_FIELDS } from '../../src/teams/views/plan-form-fields';
import { phaseFormData, waveFormData } from '../../src/teams/views/plan-form-view';
import { announceText, MAX_WAVES_WITH_FEEDBACK_GOALS, planCardData } from '../../src/teams/views/plan-view';
import { ADMIN, aRollout, NOW, withWaves } from '../domain/fixtures';

const save = (rollout: Rollout, next: ReturnType<typeof planOf>) =>
  applyPlan(rollout, next, { by: ADMIN, revision: rollout.planRevision, section: 'test' }, NOW);

describe('the announcement setting on the plan forms', () => {
  const rollout = withWaves(aRollout(), ['HR', 'Sales']);
  const plan = planOf(rollout);
  const enterprise = { key: 'enterprise' as const, waves: plan.phases.enterprise.waves };

  const phase = (values: Record<string, string>, r: Rollout = rollout, key: 'poc' | 'scope' = 'poc') => {
    const errors: Record<string, string> = {};
    const spec = planOf(r);
    const next = phaseFrom(r, spec, key, { ...phaseValues(r, key, spec.phases[key]), ...values }, errors);
    return { next, errors, checked: validatePlan(next, (path) => path[1] === key) };
  };

  it('is a field of both forms, after the intent', () => {
    for (const fields of [PHASE_FIELDS, WAVE_FIELDS] as readonly (readonly string[])[]) {
      expect(fields.indexOf('announce')).toBe(fields.indexOf('intent') + 1);
    }
  });

  it('opens with prompt for a stage without the setting, else its own', () => {
    expect(phaseValues(rollout, 'poc', plan.phases.poc).announce).toBe('prompt');
    expect(waveValues(plan.phases.enterprise.waves[0]!, enterprise).announce).toBe('prompt');
    expect(waveValues(null, enterprise).announce).toBe('prompt');
    expect(announceValues('off')).toEqual({ announce: 'off' });
    expect(phaseFormData(rollout, 'poc').values.announce).toBe('prompt');
    expect(waveFormData(rollout, 'enterprise', 'w1').errors.announce).toBe('');
  });

  it('a phase form edit sets it; saved, the plan opens with it again', () => {
    const { next, errors, checked } = phase({ announce: 'auto' });
    expect(errors).toEqual({});
    expect(checked).toEqual({ errors: {}, formError: '' });
    expect(next.phases.poc.announce).toBe('auto');
    const saved = save(rollout, next);
    if (!saved.ok) throw new Error(saved.error.message);
    expect(saved.value.phases[1]?.announce).toBe('auto');
    expect(JSON.stringify(planOf(saved.value))).toBe(JSON.stringify(next));
    expect(phaseValues(saved.value, 'poc', planOf(saved.value).phases.poc).announce).toBe('auto');
    // Back to prompt: the key goes, the plan says what it said before.
    const back = phase({ announce: 'prompt' }, saved.value);
    expect(back.next.phases.poc).not.toHaveProperty('announce');
    expect(JSON.stringify(back.next)).toBe(JSON.stringify(plan));
  });

  it('a wave form edit sets it, for an existing and a new wave', () => {
    const errors: Record<string, string> = {};
    const { plan: next } = waveFrom(
      plan,
      'enterprise',
      'w2',
      { ...waveValues(plan.phases.enterprise.waves[1]!, enterprise), announce: 'off' },
      errors,
    );
    expect(errors).toEqual({});
    expect(next.phases.enterprise.waves.map((w) => w.announce)).toEqual([undefined, 'off']);
    const added = waveFrom(
      plan,
      'enterprise',
      '',
      { ...waveValues(null, enterprise), name: 'IT', announce: 'auto' },
      errors,
    );
    expect(added.plan.phases.enterprise.waves[2]).toMatchObject({ id: 'it', announce: 'auto' });
    const saved = save(rollout, next);
    expect(saved.ok && saved.value.phases[3]?.waves[1]?.announce).toBe('off');
  });

  it('an unchanged save changes nothing; a form made before the field (none sent) means prompt', () => {
    expect(JSON.stringify(phase({}).next)).toBe(JSON.stringify(plan));
    expect(JSON.stringify(phase({ announce: '' }).next)).toBe(JSON.stringify(plan));
    const errors = {};
    expect(announceFrom({ announce: undefined as unknown as string }, errors)).toEqual({});
    expect(errors).toEqual({});
  });

  it('an unknown value comes back on its field, nothing saved', () => {
    const { errors } = phase({ announce: 'loud' });
    expect(errors).toEqual({ announce: 'Choose auto, prompt, off.' });
    expect(fieldForPath(['phases', 'poc', 'announce'])).toBe('announce');
    expect(fieldForPath(['phases', 'enterprise', 'waves', 1, 'announce'])).toBe('announce');
  });

  it('a passed phase or wave cannot change it', () => {
    const inPilot = { ...rollout, position: { phase: 'pilot' as const, wave: null } };
    const { next } = phase({ announce: 'off' }, inPilot, 'scope');
    const refused = save(inPilot, next);
    expect(refused.ok ? null : refused.error.code).toBe('phase-passed');

    const atSecond = { ...rollout, position: { phase: 'enterprise' as const, wave: 1 } };
    const spec = planOf(atSecond);
    const { plan: wave } = waveFrom(
      spec,
      'enterprise',
      'w1',
      { ...waveValues(spec.phases.enterprise.waves[0]!, enterpriseOf(spec)), announce: 'auto' },
      {},
    );
    const passedWave = save(atSecond, wave);
    expect(passedWave.ok ? null : passedWave.error.code).toBe('phase-passed');
    // The current wave still can.
    const { plan: current } = waveFrom(
      spec,
      'enterprise',
      'w2',
      { ...waveValues(spec.phases.enterprise.waves[1]!, enterpriseOf(spec)), announce: 'auto' },
      {},
    );
    expect(save(atSecond, current).ok).toBe(true);
  });

  it('each card has the choice: prompt, auto, off, with its error line', () => {
    for (const name of ['plan-phase-form', 'plan-wave-form']) {
      const card = readFileSync(join(__dirname, '..', '..', 'cards', `${name}.json`), 'utf8');
      const json = JSON.parse(card) as { body: Record<string, unknown>[] };
      const choice = json.body.find((e) => e.id === 'f_announce') as
        | { type: string; label: string; value: string; choices: { title: string; value: string }[] }
        | undefined;
      expect(choice).toMatchObject({
        type: 'Input.ChoiceSet',
        label: 'Announcement on entering',
        value: '${values.announce}',
      });
      expect(choice?.choices).toEqual([
        { title: 'Preview first (prompt)', value: 'prompt' },
        { title: 'Send at once (auto)', value: 'auto' },
        { title: 'Do not announce (off)', value: 'off' },
      ]);
      expect(new Set(choice?.choices.map((c) => c.value))).toEqual(new Set(ANNOUNCE_MODES));
      expect(card).toContain("${errors.announce != ''}");
    }
  });
});

const enterpriseOf = (spec: ReturnType<typeof planOf>) => ({
  key: 'enterprise' as const,
  waves: spec.phases.enterprise.waves,
});

describe('the plan card shows the setting per stage', () => {
  it('every phase says it; a wave only when it is not prompt', () => {
    const base = withWaves(aRollout(), ['HR', 'Sales']);
    const rollout: Rollout = {
      ...base,
      phases: base.phases.map((p) =>
        p.key === 'pilot'
          ? { ...p, announce: 'auto' }
          : p.key === 'poc'
            ? { ...p, announce: 'off' }
            : p.key === 'enterprise'
              ? { ...p, waves: p.waves.map((w, i) => (i === 1 ? { ...w, announce: 'off' } : w)) }
              : p,
      ),
    };
    const card = planCardData(rollout);
    expect(card.phases.map((p) => [p.phase, p.announce])).toEqual([
      ['scope', 'preview first (prompt)'],
      ['poc', 'not announced (off)'],
      ['pilot', 'sent at once (auto)'],
      ['enterprise', 'preview first (prompt)'],
      ['operations', 'preview first (prompt)'],
    ]);
    expect(card.phases[3]?.waves.map((w) => w.announce)).toEqual(['', 'off']);
    expect(announceText({ announce: 'auto' } as never)).toBe('sent at once (auto)');
  });

  it('on a card with many waves, waves leave it out (the card stays under its size limit)', () => {
    const many = withWaves(
      aRollout(),
      Array.from({ length: MAX_WAVES_WITH_FEEDBACK_GOALS + 1 }, (_, i) => `Wave ${i}`),
    );
    const rollout: Rollout = {
      ...many,
      phases: many.phases.map((p) => ({
        ...p,
        waves: p.waves.map((w) => ({ ...w, announce: 'off' as const })),
      })),
    };
    const enterprise = planCardData(rollout).phases[3]!;
    expect(enterprise.waves.every((w) => w.announce === '')).toBe(true);
    expect(enterprise.announce).toBe('preview first (prompt)');
  });
});

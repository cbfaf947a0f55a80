import { phasePassed, waveState } from '../../domain/plan';
import { PHASE_KEYS } from '../../domain/phases';
import { waveWord, type Phase, type Rollout, type TimeFrame, type Wave } from '../../domain/rollout';
import { suggestWaveOrder } from '../../domain/wave-order';
import type { PlanCardData, PlanPhaseRow, PlanWaveRow } from '../card-data';

export const timeFrameText = (frame: TimeFrame): string => {
  const show = (v: string | null) => (v ? v.replace('T', ' ') : '…');
  return frame.start || frame.end ? `${show(frame.start)} → ${show(frame.end)}` : 'not planned yet';
};

const MAX_LIST_CHARS = 240;
const shorten = (text: string): string =>
  text.length > MAX_LIST_CHARS ? `${text.slice(0, MAX_LIST_CHARS)}…` : text;

/** A list on one line, shortened on the overview (the section's form shows all of it). */
const listOrDash = (items: readonly string[]): string => {
  if (items.length === 0) return '—';
  const text = items.join(', ');
  if (text.length <= MAX_LIST_CHARS) return text;
  const shown = text.slice(0, MAX_LIST_CHARS).replace(/,[^,]*$/, '');
  const count = shown.split(', ').length;
  return `${shown} … (+${items.length - count} more)`;
};

const waveDetail = (wave: Wave): string =>
  [
    wave.kind,
    wave.enrollment ?? 'enrollment approach not chosen',
    timeFrameText(wave.timeFrame),
    wave.businessRisk ? `risk ${wave.businessRisk}` : null,
    wave.willingness ? `willingness ${wave.willingness}` : null,
    wave.users !== null ? `${wave.users} users` : null,
    wave.devices !== null ? `${wave.devices} devices` : null,
  ]
    .filter(Boolean)
    .join(' · ');

const STATE_LABEL = { passed: '✅ passed', current: '▶️ current', planned: '⚪ planned' } as const;

const phaseRow = (rollout: Rollout, phase: Phase, editable: boolean): PlanPhaseRow => {
  const ref = { rolloutId: rollout.id, revision: rollout.planRevision };
  const index = PHASE_KEYS.indexOf(phase.key);
  const current = PHASE_KEYS.indexOf(rollout.position.phase);
  const passed = phasePassed(rollout, phase.key);
  const state = index < current ? 'passed' : index === current ? 'current' : 'planned';
  const waves: PlanWaveRow[] = phase.waves.map((wave, i) => {
    const ws = waveState(rollout, phase.key, i);
    return {
      ...ref,
      phase: phase.key,
      waveId: wave.id,
      name: `${i + 1}. ${wave.name}`,
      detail: waveDetail(wave),
      state: STATE_LABEL[ws],
      editable: editable && ws !== 'passed',
    };
  });
  const fixed = rollout.position.phase === phase.key ? (rollout.position.wave ?? -1) + 1 : 0;
  const suggestion = suggestWaveOrder(phase.waves, passed ? phase.waves.length : fixed);
  const goals = phase.criteria.map((c) => (c.kind === 'manual' ? c.goal : 'checklist complete'));
  const comms = phase.communication;
  return {
    ...ref,
    phase: phase.key,
    title: phase.title,
    state: STATE_LABEL[state],
    timeFrame: timeFrameText(phase.timeFrame),
    targetGroups: listOrDash(phase.targetGroups),
    goals: listOrDash(goals),
    communication:
      shorten([comms.whatIsDeployed, comms.howAndWhen].filter(Boolean).join(' · ')) || 'not written yet',
    editable: editable && !passed,
    canAddWave: editable && !passed && !(state === 'current' && phase.waves.length === 0),
    waveWord: waveWord(phase),
    waves,
    hasWaves: waves.length > 0,
    suggestion: suggestion.changed ? `Suggested order: ${suggestion.why}` : '',
    canReorder: editable && !passed && suggestion.changed,
    suggestedOrder: suggestion.order.join(','),
  };
};

/** The plan overview: phases, dates, waves and goals, with an Edit button per editable section. */
export const planCardData = (rollout: Rollout, notice = ''): PlanCardData => {
  const editable = rollout.status !== 'completed';
  return {
    rolloutId: rollout.id,
    revision: rollout.planRevision,
    name: rollout.name,
    notice,
    hasNotice: notice.length > 0,
    template: rollout.template === 'enrollment' ? 'Endpoint Manager enrollment' : 'App rollout',
    timeZone: rollout.timeZone,
    app: [rollout.app.name, rollout.app.intuneAppId, rollout.app.platforms.join(', ')]
      .filter(Boolean)
      .join(' · '),
    businessPurpose: rollout.businessPurpose || '—',
    editable,
    phases: rollout.phases.map((p) => phaseRow(rollout, p, editable)),
  };
};

/**
 * A plan FILE: the editable plan of a rollout (`PlanSpec`) plus a version, as written by
 * `plan export` and read by `plan import` and `npm run plan -- apply`. Optional fields may be
 * left out and get their defaults; `toPlanFile` writes every field so export → import is lossless.
 * The same rules check the plan cards' edit forms. Its parts: `plan-file-rules.ts` (the limits and
 * the rules the README lists), `plan-file-fields.ts` (the kinds of value, with their messages) and
 * `plan-file-schema.ts` (the file's shape, `planFileSchema`); here, the file to and from a plan.
 */
import { planOf, type CriterionPlan, type PlanSpec, type WaveSpec } from '../domain/plan';
import { PHASE_KEYS, type PhaseKey } from '../domain/phases';
import type { Rollout } from '../domain/rollout';
import { PLAN_FILE_VERSION } from './plan-file-rules';
import type { PlanFile } from './plan-file-schema';

/** The rollout's plan as a file: every field written, in a stable order. */
export const toPlanFile = (rollout: Rollout): PlanFile => ({
  version: PLAN_FILE_VERSION,
  ...planOf(rollout),
});

const waveSpecFrom = (w: PlanFile['phases'][PhaseKey]['waves'][number]): WaveSpec => ({
  id: w.id,
  name: w.name,
  kind: w.kind,
  enrollment: w.enrollment,
  groupId: w.groupId,
  members: [...w.members],
  timeFrame: { start: w.timeFrame.start, end: w.timeFrame.end },
  targetGroups: [...w.targetGroups],
  checklist: w.checklist.map(({ id, text }) => ({ id, text })),
  criteria: w.criteria.map(criterionFrom),
  willingness: w.willingness,
  users: w.users,
  devices: w.devices,
  platforms: [...w.platforms],
  requirements: w.requirements,
  geography: w.geography,
  businessRisk: w.businessRisk,
});

const criterionFrom = (c: CriterionPlan): CriterionPlan =>
  c.kind === 'manual' ? { id: c.id, kind: 'manual', goal: c.goal } : { id: c.id, kind: c.kind };

/**
 * The plan a (validated) file asks for. Keys come in the same order as `planOf` writes them:
 * the domain compares plans as JSON, so an unchanged passed phase must serialise identically.
 */
export const fromPlanFile = (file: PlanFile): PlanSpec => ({
  name: file.name,
  timeZone: file.timeZone,
  app: { name: file.app.name, intuneAppId: file.app.intuneAppId, platforms: [...file.app.platforms] },
  businessPurpose: file.businessPurpose,
  phases: Object.fromEntries(
    PHASE_KEYS.map((key) => {
      const p = file.phases[key];
      return [
        key,
        {
          timeFrame: { start: p.timeFrame.start, end: p.timeFrame.end },
          targetGroups: [...p.targetGroups],
          checklist: p.checklist.map(({ id, text }) => ({ id, text })),
          criteria: p.criteria.map(criterionFrom),
          communication: {
            whatIsDeployed: p.communication.whatIsDeployed,
            howAndWhen: p.communication.howAndWhen,
            businessPurpose: p.communication.businessPurpose,
            selfHelpUrl: p.communication.selfHelpUrl,
            helpDeskContact: p.communication.helpDeskContact,
          },
          waves: p.waves.map(waveSpecFrom),
        },
      ];
    }),
  ) as PlanSpec['phases'],
});

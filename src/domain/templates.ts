import { defaultFeedbackPlan } from './feedback-goals';
import { PHASE_KEYS, PHASE_TITLES, type PhaseKey } from './phases';
import type {
  ChecklistItem,
  CommunicationPlan,
  EnrollmentApproach,
  Phase,
  TemplateName,
  Wave,
  WaveKind,
} from './rollout';

type Items = readonly (readonly [id: string, text: string])[];

/**
 * App rollout: checklist items seeded from the source recommendations for deploying an app with
 * Intune (ids are stable: plan files and checklist ticks refer to them).
 */
const APP_CHECKLISTS: Readonly<Record<PhaseKey, Items>> = {
  scope: [
    ['user-task', 'The user task the app enables is written down'],
    ['suitability', 'The app suits its users and all their device platforms'],
    ['installer', 'The installer is supported by Intune app distribution'],
    ['prerequisites', 'Distribution prerequisites are installed'],
    ['app-type', 'The app type is supported'],
    ['cloud-storage', 'There is enough cloud storage to upload the app'],
  ],
  poc: [
    ['lab-only', 'Deployed to lab devices and test users only'],
    ['helpdesk-involved', 'The help desk took part and learned what can go wrong'],
    ['comms-pilot', 'Communication plan for pilot users is written'],
    ['comms-production', 'Communication plan for production users is written'],
    ['comms-content', 'Both plans say what is deployed, how and when, why, and what to do on problems'],
  ],
  pilot: [
    ['pilot-group', 'Pilot group is small and representative of production users and devices'],
    ['no-vip', 'No executives or VIPs in the pilot group'],
    ['willing', 'Pilot users are willing to report issues'],
    ['helpdesk-ready', 'The help desk is educated and ready'],
    ['comms-pilot-active', 'The pilot communication plan is activated'],
  ],
  enterprise: [
    ['pilot-results', 'Pilot results are used to adjust the rollout'],
    ['helpdesk-schedule', 'The help desk is notified of the schedule'],
    ['troubleshoot', 'The team is ready to troubleshoot'],
    ['comms-production-active', 'The production communication plan is activated'],
  ],
  operations: [
    ['monitoring', 'Alerts and user or device issues are monitored'],
    ['helpdesk-aware', 'The help desk is kept aware of changes in app availability'],
  ],
};

/**
 * Endpoint Manager enrollment rollout, after the enrollment deployment guidance: a pilot that
 * starts with IT users and widens in stages (never executives or VIPs), then a production
 * rollout to the rest of the organisation in groups, each with its enrollment approach.
 */
const ENROLLMENT_CHECKLISTS: Readonly<Record<PhaseKey, Items>> = {
  scope: [
    ['smart-goals', 'SMART goals are written for each phase'],
    ['groups-agreed', 'Target groups and time frames are agreed with each group'],
    ['platforms', 'Device platforms and enrollment scenarios are decided'],
    ['licenses', 'Users to enroll have Intune licenses'],
  ],
  poc: [
    ['lab-enrollment', 'Enrollment is tested on lab devices with test users'],
    ['helpdesk-involved', 'The help desk took part and learned what can go wrong'],
    ['comms-written', 'Communication plans for pilot and production users are written'],
  ],
  pilot: [
    ['it-first', 'The pilot starts with IT users'],
    ['no-vip', 'No executives or VIPs in the pilot'],
    ['willing-feedback', 'Pilot users are willing to give feedback'],
    ['helpdesk-ready', 'The help desk is educated and ready'],
  ],
  enterprise: [
    ['approach-per-group', 'An enrollment approach is chosen for each group'],
    ['helpdesk-schedule', 'The help desk is notified of the schedule'],
    ['comms-production-active', 'The production communication plan is activated'],
  ],
  operations: [
    ['monitoring', 'Alerts and user or device issues are monitored'],
    ['helpdesk-aware', 'The help desk is kept aware of changes in availability'],
  ],
};

const ENROLLMENT_TITLES: Partial<Record<PhaseKey, string>> = { enterprise: 'Production rollout' };

/** Checklist items every wave or stage starts with. */
export const DEFAULT_WAVE_CHECKLIST: Items = [
  ['wave-helpdesk', "The help desk knows this wave's schedule"],
  ['wave-comms', "This wave's users are told what is coming, when and how"],
  ['wave-assigned', 'The deployment is assigned to this wave’s group'],
];

export const CHECKLISTS: Readonly<Record<TemplateName, Readonly<Record<PhaseKey, Items>>>> = {
  app: APP_CHECKLISTS,
  enrollment: ENROLLMENT_CHECKLISTS,
};

export const seedChecklist = (items: Items): ChecklistItem[] =>
  items.map(([id, text]) => ({ id, text, done: false, by: null, at: null }));

export const emptyCommunication = (): CommunicationPlan => ({
  whatIsDeployed: '',
  howAndWhen: '',
  businessPurpose: '',
  selfHelpUrl: '',
  helpDeskContact: '',
});

export interface NewWave {
  id: string;
  name: string;
  kind: WaveKind;
  enrollment?: EnrollmentApproach | null;
  groupId?: string | null;
}

/**
 * A wave with defaults for everything the plan has not said yet (it takes feedback, default goals).
 * Its readiness sign-off is left out: its default depends on its phase and place (`readinessPlanOf`).
 */
export const newWave = (fields: NewWave): Wave => ({
  id: fields.id,
  name: fields.name,
  title: fields.name,
  kind: fields.kind,
  enrollment: fields.enrollment ?? null,
  groupId: fields.groupId ?? null,
  members: [],
  timeFrame: { start: null, end: null },
  targetGroups: [],
  criteria: [{ id: 'checklist', kind: 'checklist-complete' }],
  checklist: seedChecklist(DEFAULT_WAVE_CHECKLIST),
  feedback: defaultFeedbackPlan(),
  willingness: null,
  users: null,
  devices: null,
  platforms: [],
  requirements: '',
  geography: '',
  businessRisk: null,
});

/**
 * The enrollment pilot widens in stages: IT users first, then more IT users, then others. Entering
 * the pilot is entering its first stage: that one needs the help desk's sign-off, the others not —
 * by default (`readinessPlanOf`), so the sign-off stays with the first stage when stages move.
 */
const enrollmentPilotStages = (): Wave[] => [
  {
    ...newWave({ id: 'it-users', name: 'IT users', kind: 'it' }),
    willingness: 'high',
    businessRisk: 'low',
  },
  {
    ...newWave({ id: 'more-it-users', name: 'More IT users', kind: 'it' }),
    willingness: 'high',
    businessRisk: 'low',
  },
  newWave({ id: 'other-groups', name: 'Other groups (no executives or VIPs)', kind: 'custom' }),
];

/**
 * The phases a new rollout starts with: checklists from its template, no dates yet; the pilot
 * takes feedback with the default goals, the other phases none. Their readiness sign-off is left
 * out everywhere: by default (`readinessPlanOf`) entering the pilot and the enterprise rollout (a
 * phase with waves: its first wave) and each enterprise wave needs the help desk's sign-off.
 */
export const templatePhases = (template: TemplateName): Phase[] =>
  PHASE_KEYS.map((key) => {
    const waves = template === 'enrollment' && key === 'pilot' ? enrollmentPilotStages() : [];
    return {
      key,
      title: (template === 'enrollment' ? ENROLLMENT_TITLES[key] : undefined) ?? PHASE_TITLES[key],
      timeFrame: { start: null, end: null },
      targetGroups: [],
      criteria: [{ id: 'checklist', kind: 'checklist-complete' }],
      checklist: seedChecklist(CHECKLISTS[template][key]),
      feedback: key === 'pilot' ? defaultFeedbackPlan() : null,
      waves,
      communication: emptyCommunication(),
    };
  });

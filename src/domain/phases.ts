/** The rollout's phases, in order, as the source guidance names them. */
export const PHASE_KEYS = ['scope', 'poc', 'pilot', 'enterprise', 'operations'] as const;
export type PhaseKey = (typeof PHASE_KEYS)[number];

export const PHASE_TITLES: Readonly<Record<PhaseKey, string>> = {
  scope: 'Project scope',
  poc: 'Proof of concept',
  pilot: 'Pilot',
  enterprise: 'Enterprise rollout',
  operations: 'Operations and maintenance',
};

export const isPhaseKey = (value: string): value is PhaseKey =>
  (PHASE_KEYS as readonly string[]).includes(value);

/** Checklist items seeded from the source recommendations for each phase (ids are stable). */
export const DEFAULT_CHECKLISTS: Readonly<Record<PhaseKey, readonly (readonly [string, string])[]>> = {
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

/** Checklist items every enterprise wave starts with. */
export const DEFAULT_WAVE_CHECKLIST: readonly (readonly [string, string])[] = [
  ['wave-helpdesk', "The help desk knows this wave's schedule"],
  ['wave-comms', "This wave's users are told what is coming, when and how"],
  ['wave-assigned', 'The deployment is assigned to this wave’s group'],
];

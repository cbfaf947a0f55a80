/** A person as Teams identifies them: the Entra object id and a display name. */
export interface Person {
  id: string;
  name: string;
}

/** Who is an admin, as configured for the deployment. */
export interface AccessPolicy {
  /** Entra object ids from ROLLOUT_ADMINS. */
  admins: ReadonlySet<string>;
  /** Local anonymous mode with no admin configured: everyone may administer. */
  everyoneIsAdmin: boolean;
  /** Ids found, for this turn, to be members of an admin group (ADMIN_GROUP_IDS). */
  groupAdmins?: ReadonlySet<string>;
  /**
   * Set when group roles could not be checked for this turn (Graph did not answer): what to tell
   * a person refused a role they might have. Explicitly listed ids still work.
   */
  unavailable?: string | null;
}

export type Role = 'admin' | 'member';

/** Admins are the configured ids plus the rollout's creator. */
export const roleOf = (
  person: Person,
  policy: AccessPolicy,
  rollout?: { createdBy: Person } | null,
): Role => {
  if (policy.everyoneIsAdmin) return 'admin';
  if (person.id && policy.admins.has(person.id.toLowerCase())) return 'admin';
  if (person.id && policy.groupAdmins?.has(person.id.toLowerCase())) return 'admin';
  if (rollout && person.id && rollout.createdBy.id.toLowerCase() === person.id.toLowerCase()) {
    return 'admin';
  }
  return 'member';
};

export const isAdmin = (
  person: Person,
  policy: AccessPolicy,
  rollout?: { createdBy: Person } | null,
): boolean => roleOf(person, policy, rollout) === 'admin';

/**
 * The scheduler, as the actor of what it does by itself (an auto-advance is recorded as by it).
 * Its id is no Entra object id (those are GUIDs), and naming it grants nothing: only
 * `schedulerAccess`, which the scheduler's own use cases pass in-process, lets it act. A Teams
 * activity's roles always come from the deployment's policy, which never lists it.
 */
export const SCHEDULER: Person = Object.freeze({
  id: 'rollout-coordinator:scheduler',
  name: 'Rollout Coordinator (scheduler)',
});

/** The access policy the scheduler acts under: itself an admin, nobody else. */
export const schedulerAccess = (): AccessPolicy => ({
  admins: new Set([SCHEDULER.id]),
  everyoneIsAdmin: false,
});

/** Whether `person` is the scheduler (an entry recorded by it). */
export const isScheduler = (person: Person): boolean => person.id === SCHEDULER.id;

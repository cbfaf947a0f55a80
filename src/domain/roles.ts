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

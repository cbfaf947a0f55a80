/**
 * The ports of Microsoft Graph (Entra ID and Intune) and what is built from it: the directory,
 * resolved audiences and Intune assignments. `ports.ts` re-exports them.
 */
import type { AssignmentIntent, AudienceCounts, GroupMemberCounts } from '../domain/audience';

/** A user as the directory (Entra ID) has them: only the properties the bot uses. */
export interface DirectoryUser {
  id: string;
  displayName: string;
  department: string | null;
  /** ISO 3166 alpha-2 (`usageLocation`). */
  country: string | null;
  officeLocation: string | null;
  /** `Member` or `Guest`. */
  userType: string;
  accountEnabled: boolean;
}

/** A managed (Intune) device: whose it is and its operating system as Intune reports it. */
export interface DirectoryDevice {
  userId: string;
  /** e.g. `Windows`, `macOS`, `iOS`, `Android`, `Linux`. */
  operatingSystem: string;
}

export interface DirectoryGroup {
  id: string;
  displayName: string;
}

/** One page of a group's transitive members: the users, and how many members were not users. */
export interface MemberPage {
  users: DirectoryUser[];
  nonUsers: number;
}

/** An Intune mobile app assignment as read back. */
export interface AppAssignment {
  id: string;
  /** `include` (groupAssignmentTarget), `exclude` (exclusionGroupAssignmentTarget), or `all` (all users or devices). */
  target: 'include' | 'exclude' | 'all';
  groupId: string | null;
  /** Graph's intent: `required`, `available`, `uninstall`, `availableWithoutEnrollment`. */
  intent: string;
}

/**
 * Microsoft Graph, as the bot reads it, per tenant. Every call has a deadline (the turn's time
 * left, or a default off a turn); calls throw `DirectoryError`.
 */
export interface Directory {
  /** Transitive members of a group, page by page (`@odata.nextLink`); a failed page throws. */
  groupMembers(tenantId: string, groupId: string): AsyncIterable<MemberPage>;
  /** The groups of `groupIds` the user is a transitive member of (`checkMemberGroups`, 20 ids a call). */
  memberGroups(tenantId: string, userId: string, groupIds: readonly string[]): Promise<Set<string>>;
  /** Managed devices of these users (`$batch` of per-user reads, 20 a call). */
  devicesOf(tenantId: string, userIds: readonly string[]): Promise<DirectoryDevice[]>;
  /** Every managed device of the tenant, page by page (the tenant-wide sweep). */
  allDevices(tenantId: string): AsyncIterable<DirectoryDevice[]>;
  user(tenantId: string, userId: string): Promise<DirectoryUser | null>;
  group(tenantId: string, groupId: string): Promise<DirectoryGroup | null>;
  /** Groups whose display name matches `text` (`$search`, ConsistencyLevel eventual), at most `limit`. */
  searchGroups(tenantId: string, text: string, limit: number): Promise<DirectoryGroup[]>;
  appAssignments(tenantId: string, appId: string): Promise<AppAssignment[]>;
  /** Adds one group assignment (never the `assign` action, which replaces them all). */
  assignApp(
    tenantId: string,
    appId: string,
    groupId: string,
    intent: AssignmentIntent,
  ): Promise<AppAssignment>;
  /** The application permissions (`roles` claim) of the bot's token in the tenant. */
  grantedPermissions(tenantId: string): Promise<string[]>;
  /**
   * The Teams app's id in the tenant's app catalog (`/appCatalogs/teamsApps`, filtered on the
   * manifest's id, `externalId`); null when the organisation's catalog does not have it.
   */
  teamsAppId(tenantId: string, externalId: string): Promise<string | null>;
  /**
   * Installs the app (its catalog id) in the user's personal scope (`POST
   * /users/{id}/teamwork/installedApps`): `already` when it was installed (409), for proactive
   * messages to people who never opened the bot (PROACTIVE_INSTALL).
   */
  installForUser(tenantId: string, userId: string, teamsAppId: string): Promise<'installed' | 'already'>;
}

/** One person of a resolved audience, as kept in its snapshot. */
export interface AudienceMember {
  id: string;
  name: string;
  department: string | null;
  country: string | null;
  platforms: string[];
}

/** A complete resolved audience of one stage: its counts and when it was resolved. */
export interface AudienceSnapshot {
  tenantId: string;
  rolloutId: string;
  stageId: string;
  id: string;
  /** `audienceFingerprint` of the definition it was resolved from. */
  fingerprint: string;
  resolvedAt: string;
  counts: AudienceCounts;
  /** A few names, for the audience card. */
  sample: string[];
  /** Warnings of the resolution (e.g. devices could not be read). */
  warnings: string[];
}

/** Writes one snapshot's members; nothing is visible until `commit`. */
export interface SnapshotWriter {
  readonly id: string;
  /** Adds members (a person added twice is kept once). */
  add(members: readonly AudienceMember[]): Promise<void>;
  /** Makes the snapshot the stage's current one (the one before stays as previous). */
  commit(
    info: Omit<AudienceSnapshot, 'tenantId' | 'rolloutId' | 'stageId' | 'id'>,
  ): Promise<AudienceSnapshot>;
  /** Gives the snapshot up (its rows are deleted in the background). */
  abandon(): Promise<void>;
}

/**
 * Resolved audiences per stage, the members spread over partitions by a hash of the person. The
 * current and the previous snapshot of a stage are kept; `prune` deletes the rest.
 */
export interface AudienceRepository {
  current(tenantId: string, rolloutId: string, stageId: string): Promise<AudienceSnapshot | null>;
  /** Whether the person is in the snapshot (one point read). */
  isMember(snapshot: AudienceSnapshot, personId: string): Promise<boolean>;
  begin(tenantId: string, rolloutId: string, stageId: string): SnapshotWriter;
  /** Every member of a snapshot, page by page. */
  members(snapshot: AudienceSnapshot): AsyncIterable<AudienceMember[]>;
  /** Deletes at most `limit` rows of snapshots no longer kept (or of a closed rollout); returns how many. */
  prune(tenantId: string, rolloutId: string, limit: number, all?: boolean): Promise<number>;
}

/**
 * An Intune assignment of a stage just entered (INTUNE_ASSIGN), written in the same transaction
 * as the advance that entered it (an outbox row in the rollout's partition) and deleted once it
 * ran, with its outcome (`AssignmentState`) in the same transaction: a crash never loses it.
 */
export interface PendingAssignment {
  id: string;
  tenantId: string;
  rolloutId: string;
  stageId: string;
  /** The Intune mobile app's id (`rollout.app.intuneAppId` when the stage was entered). */
  appId: string;
  /** The Entra groups of the stage's audience (lower case). */
  groups: string[];
  intent: AssignmentIntent;
  /** What the assignment cannot do as planned (filters, listed members), known when it was decided. */
  warnings: string[];
  /** 1 for the advance, one more for each `intune retry`. */
  attempt: number;
  createdAt: string;
}

/** What one run of an assignment found and did. */
export interface AssignmentResult {
  jobId: string;
  stageId: string;
  appId: string;
  intent: AssignmentIntent;
  /** `pending`: queued again by `intune retry`, not run yet. */
  state: 'pending' | 'ok' | 'failed';
  /** Groups this run assigned. */
  assigned: string[];
  /** Groups that were assigned with the stage's intent already: left alone. */
  leftAlone: string[];
  /** Groups assigned with another intent, or excluded: left as they are, reported. */
  conflicts: { groupId: string; found: string }[];
  warnings: string[];
  /**
   * The job's groups with members that are not users (devices mostly), as the stage's fresh
   * audience snapshot counted them; absent without one (or from results stored before).
   */
  nonUserGroups?: ({ groupId: string } & GroupMemberCounts)[];
  /** Why it failed, naming the app, the group or the permission; null unless failed. */
  error: string | null;
  attempt: number;
  at: string;
}

/** A rollout's Intune state: the app's assignments as last read, and the latest run with its job. */
export interface AssignmentState {
  tenantId: string;
  rolloutId: string;
  appId: string;
  /** As last read (advance, retry, audience refresh), at most MAX_KEPT_ASSIGNMENTS; null: never read. */
  assignments: AppAssignment[] | null;
  /** How many the app had when read (more than are kept when very many). */
  assignmentCount: number;
  readAt: string | null;
  latest: AssignmentResult | null;
  /** The job of `latest`, for `intune retry`. */
  job: PendingAssignment | null;
}

/** Hands a committed assignment to whatever runs it (after the person has been answered). */
export interface AssignmentSink {
  enqueue(job: PendingAssignment): void;
  /**
   * Reads the rollout's app's assignments and stores them as last read (`audience refresh`);
   * null without an app id. Throws `DirectoryError` (`refusalMessage` says it).
   */
  refresh(tenantId: string, rolloutId: string): Promise<AssignmentState | null>;
}

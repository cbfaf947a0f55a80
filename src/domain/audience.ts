import { findStage } from './feedback-goals';
import type { Rollout, Stage, Wave } from './rollout';

/**
 * Who a stage (a phase without waves, or a wave) is for: Entra groups, whose transitive members
 * (users only) are narrowed by the filters, plus listed members, who are always in. A wave's
 * `groupId` and `members` (plan files before audiences) are part of its audience.
 */
export interface AudienceSpec {
  /** Entra group object ids. */
  groups: string[];
  /** Entra object ids of people who are in whatever the filters say. */
  members: string[];
  filters: AudienceFilters;
  /** Guests (`userType` Guest) are left out unless this is set. */
  includeGuests: boolean;
  /** Disabled accounts (`accountEnabled` false) are left out unless this is set. */
  includeDisabled: boolean;
}

/** Narrowing of the groups' members; an empty list does not narrow. Compared case-insensitively. */
export interface AudienceFilters {
  departments: string[];
  /** `usageLocation` (ISO 3166 alpha-2, e.g. DE): set for licensing, so kept reliably. */
  countries: string[];
  offices: string[];
  /** At least one managed (Intune) device with this operating system. */
  platforms: DevicePlatform[];
}

export const DEVICE_PLATFORMS = ['windows', 'macos', 'ios', 'android', 'linux'] as const;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

/** Intune assignment intent of a stage's groups. */
export const ASSIGNMENT_INTENTS = ['required', 'available'] as const;
export type AssignmentIntent = (typeof ASSIGNMENT_INTENTS)[number];

export const emptyFilters = (): AudienceFilters => ({
  departments: [],
  countries: [],
  offices: [],
  platforms: [],
});

export const emptyAudience = (): AudienceSpec => ({
  groups: [],
  members: [],
  filters: emptyFilters(),
  includeGuests: false,
  includeDisabled: false,
});

const unique = (ids: readonly string[]): string[] => [...new Set(ids.map((id) => id.toLowerCase()))];

/** The audience of one stage as planned (a wave's `groupId` and `members` included). */
export const stageAudienceSpec = (stage: Stage | Wave): AudienceSpec => {
  const own = stage.audience ?? emptyAudience();
  const wave = 'groupId' in stage ? stage : null;
  return {
    ...own,
    filters: { ...own.filters },
    groups: unique([...(wave?.groupId ? [wave.groupId] : []), ...own.groups]),
    members: unique([...(wave?.members ?? []), ...own.members]),
  };
};

export const hasFilters = (filters: AudienceFilters): boolean =>
  Object.values(filters).some((list: readonly string[]) => list.length > 0);

/**
 * The audience definitions a stage's audience is the union of: the stage's own, or for a phase
 * with waves each wave's (de-duplicated by the resolver). Empty for an unknown stage.
 */
export const audienceParts = (rollout: Rollout, stageId: string): AudienceSpec[] => {
  const found = findStage(rollout, stageId);
  if (!found) return [];
  if (found.wave) return [stageAudienceSpec(found.wave)];
  if (found.phase.waves.length > 0) return found.phase.waves.map(stageAudienceSpec);
  return [stageAudienceSpec(found.phase)];
};

/** Whether any part names a group (Graph is needed to know who is in it). */
export const audienceHasGroups = (parts: readonly AudienceSpec[]): boolean =>
  parts.some((p) => p.groups.length > 0);

/** A stable fingerprint of what a snapshot was resolved from: a change makes it stale. */
export const audienceFingerprint = (parts: readonly AudienceSpec[]): string =>
  JSON.stringify(
    parts.map((p) => ({
      groups: [...p.groups].sort(),
      members: [...p.members].sort(),
      filters: Object.fromEntries(
        Object.entries(p.filters).map(([k, v]: [string, string[]]) => [
          k,
          v.map((s) => s.toLowerCase()).sort(),
        ]),
      ),
      includeGuests: p.includeGuests,
      includeDisabled: p.includeDisabled,
    })),
  );

/** Why a person of a group was left out of an audience. */
export const LEFT_OUT_REASONS = ['guest', 'disabled', 'filtered', 'noDevice'] as const;
export type LeftOutReason = (typeof LEFT_OUT_REASONS)[number];

/** The counts of a resolved audience. Breakdowns keep the largest values (at most 50 each). */
export interface AudienceCounts {
  people: number;
  byDepartment: Record<string, number>;
  byCountry: Record<string, number>;
  /** People with at least one managed device of the platform. */
  byPlatform: Record<string, number>;
  /** Managed devices of the audience's people, by operating system. */
  devicesByOs: Record<string, number>;
  /** People with no managed device (null when devices could not be read). */
  withoutDevice: number | null;
  leftOut: Record<LeftOutReason, number>;
  /** Group members that are not users (devices, service principals, contacts). */
  nonUsers: number;
  /**
   * Each group's transitive members (by lower-cased group id): how many were users and how many
   * were not. Absent from snapshots resolved before it was kept.
   */
  groups?: Record<string, GroupMemberCounts>;
}

/** A group's transitive members: users, and members that are not users (devices mostly). */
export interface GroupMemberCounts {
  users: number;
  nonUsers: number;
}

/** A group member's properties the filters read (a `DirectoryUser`'s). */
export interface MemberFacts {
  userType: string;
  accountEnabled: boolean;
  department: string | null;
  country: string | null;
  officeLocation: string | null;
}

/** The platform of an operating system as Intune reports it (`iPadOS` is iOS); null: none of ours. */
export const platformOf = (operatingSystem: string): DevicePlatform | null => {
  const os = operatingSystem.trim().toLowerCase();
  if (os.startsWith('windows')) return 'windows';
  if (os === 'macos' || os === 'mac os x' || os === 'macmdm') return 'macos';
  if (os === 'ios' || os === 'ipados') return 'ios';
  if (os.startsWith('android')) return 'android';
  if (os === 'linux' || os.startsWith('linux')) return 'linux';
  return null;
};

const matches = (list: readonly string[], value: string | null): boolean =>
  list.length === 0 || (value !== null && list.some((v) => v.toLowerCase() === value.trim().toLowerCase()));

/**
 * Why a member of the part's groups is not in its audience, or null when they are in. `platforms`
 * are the platforms of the person's managed devices (null: unknown, only allowed without a
 * platform filter). Listed members are always in: this is for group members only.
 */
export const leftOutReason = (
  part: AudienceSpec,
  member: MemberFacts,
  platforms: ReadonlySet<DevicePlatform> | null,
): LeftOutReason | null => {
  if (!part.includeGuests && member.userType.toLowerCase() === 'guest') return 'guest';
  if (!part.includeDisabled && !member.accountEnabled) return 'disabled';
  const { departments, countries, offices } = part.filters;
  if (!matches(departments, member.department) || !matches(countries, member.country)) return 'filtered';
  if (!matches(offices, member.officeLocation)) return 'filtered';
  const wanted = part.filters.platforms;
  if (wanted.length === 0) return null;
  if (!platforms || platforms.size === 0) return 'noDevice';
  return wanted.some((p) => platforms.has(p)) ? null : 'filtered';
};

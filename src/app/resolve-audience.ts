import {
  audienceFingerprint,
  audienceParts,
  leftOutReason,
  LEFT_OUT_REASONS,
  platformOf,
  type AudienceCounts,
  type AudienceSpec,
  type DevicePlatform,
  type GroupMemberCounts,
  type LeftOutReason,
} from '../domain/audience';
import type { Rollout } from '../domain/rollout';
import { DirectoryError } from './errors';
import type {
  AudienceMember,
  AudienceRepository,
  AudienceSnapshot,
  Clock,
  Directory,
  DirectoryUser,
  Log,
  SnapshotWriter,
} from './ports';

/** People whose devices are read per user (`$batch`) at most; beyond, the tenant-wide sweep is cheaper. */
export const PER_USER_DEVICE_LIMIT = 2000;
/** Names kept for the audience card. */
export const SAMPLE_SIZE = 5;
/** Keys of each breakdown at most (the largest values, the rest summed under OTHER). */
export const BREAKDOWN_KEYS = 50;
export const OTHER = 'other';
export const UNKNOWN = 'unknown';
/** Characters of a breakdown's key kept (the head row stays far below the property limit). */
const KEY_CHARS = 100;
/** Listed members looked up at once. */
const LOOKUP_CONCURRENCY = 10;

const DEVICE_PERMISSION = 'DeviceManagementManagedDevices.Read.All';
export const DEVICES_FORBIDDEN = `devices could not be read: ${DEVICE_PERMISSION} is missing`;

export interface ResolveDeps {
  directory: Directory;
  audiences: AudienceRepository;
  clock: Clock;
  log: Log;
}

/**
 * A resolved audience (now the stage's current snapshot), or why not: `no-audience` (the stage
 * names no group and no member: nothing to resolve) or `failed` (the message names the group or
 * the permission; the previous snapshot stays current).
 */
export type ResolveOutcome =
  { ok: true; snapshot: AudienceSnapshot } | { ok: false; reason: 'no-audience' | 'failed'; message: string };

/** A failure of the resolution the person is told about (a Graph refusal, a missing permission). */
class ResolveFailure extends Error {}

const lower = (id: string): string => id.toLowerCase();

const graphReason = (err: DirectoryError): string => {
  switch (err.kind) {
    case 'forbidden':
      return `${err.detail ?? 'a permission'} is missing`;
    case 'not-found':
      return 'not found';
    case 'throttled':
      return 'Microsoft Graph is throttling requests, try again in a few minutes';
    case 'unavailable':
      return 'Microsoft Graph did not answer, try again in a few minutes';
    case 'invalid':
      return err.message;
  }
};

/**
 * Managed devices of the audience's people, read one of two ways, chosen per resolution:
 *
 * - per user: each member page's new candidates (people who pass the other filters) in one
 *   `devicesOf` call (⌈k/20⌉ `$batch` requests for k people; listed members one call per 10),
 *   while at most PER_USER_DEVICE_LIMIT = 2,000 people have been looked up;
 * - the tenant-wide sweep: `allDevices` once (⌈D/page size⌉ requests for the tenant's D managed
 *   devices), kept as a map of user id → operating systems, and no `devicesOf` afterwards.
 *
 * The rule: sweep first when the stage's previous snapshot had more than 2,000 people; otherwise
 * start per user and sweep (once) when a page would take the lookups past 2,000. So an audience of
 * n ≤ 2,000 costs about ⌈n/20⌉ `$batch` requests (one `devicesOf` call per member page) and no
 * sweep; a first resolution of a larger one at most ~100 `$batch` requests plus one sweep; a
 * refresh of a larger one the sweep only. 2,000 people (100 `$batch` requests) cost about what a
 * sweep of 100,000 devices costs (100 pages of 1,000).
 *
 * A 403 leaves the devices unread (`of` gives null): the counts go without devices, unless a part
 * filters by platform, which then cannot be resolved (ResolveFailure).
 */
class DeviceReader {
  private readonly known = new Map<string, string[]>();
  private swept = false;
  private looked = 0;
  unreadable = false;

  constructor(
    private readonly directory: Directory,
    private readonly tenantId: string,
    private readonly sweepFirst: boolean,
    private readonly filtersByPlatform: boolean,
  ) {}

  /** Makes the devices of these people known (lower-cased ids). */
  async prepare(ids: readonly string[]): Promise<void> {
    if (this.unreadable || this.swept || ids.length === 0) return;
    const missing = ids.filter((id) => !this.known.has(id));
    if (missing.length === 0) return;
    try {
      if (this.sweepFirst || this.looked + missing.length > PER_USER_DEVICE_LIMIT) {
        await this.sweep();
        return;
      }
      this.looked += missing.length;
      for (const id of missing) this.known.set(id, []);
      for (const device of await this.directory.devicesOf(this.tenantId, missing)) {
        this.known.get(lower(device.userId))?.push(device.operatingSystem);
      }
    } catch (err) {
      if (!(err instanceof DirectoryError)) throw err;
      if (err.kind !== 'forbidden')
        throw new ResolveFailure(`devices could not be read: ${graphReason(err)}`);
      if (this.filtersByPlatform) throw new ResolveFailure(DEVICES_FORBIDDEN);
      this.unreadable = true;
      this.known.clear();
    }
  }

  /** The operating systems of the person's managed devices; null when devices could not be read. */
  of(id: string): string[] | null {
    return this.unreadable ? null : (this.known.get(id) ?? []);
  }

  private async sweep(): Promise<void> {
    this.known.clear();
    for await (const page of this.directory.allDevices(this.tenantId)) {
      for (const device of page) {
        const id = lower(device.userId);
        const list = this.known.get(id);
        if (list) list.push(device.operatingSystem);
        else this.known.set(id, [device.operatingSystem]);
      }
    }
    this.swept = true;
  }
}

/** The largest BREAKDOWN_KEYS values; beyond, the largest BREAKDOWN_KEYS - 1 and the rest as OTHER. */
const breakdown = (counts: ReadonlyMap<string, number>): Record<string, number> => {
  const sorted = [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  if (sorted.length <= BREAKDOWN_KEYS) return Object.fromEntries(sorted);
  const kept = Object.fromEntries(sorted.slice(0, BREAKDOWN_KEYS - 1));
  const rest = sorted.slice(BREAKDOWN_KEYS - 1).reduce((sum, [, n]) => sum + n, 0);
  return { ...kept, [OTHER]: (kept[OTHER] ?? 0) + rest };
};

const bump = (counts: Map<string, number>, key: string): void => {
  counts.set(key, (counts.get(key) ?? 0) + 1);
};

const keyOf = (value: string | null): string => value?.trim().slice(0, KEY_CHARS) || UNKNOWN;

/** A part without its platform filter: what can be decided before the devices are read. */
const withoutPlatforms = (part: AudienceSpec): AudienceSpec => ({
  ...part,
  filters: { ...part.filters, platforms: [] },
});

/** A person whose lookup failed: in (listed), with unknown attributes. */
const unknownUser = (id: string): DirectoryUser => ({
  id,
  displayName: id,
  department: null,
  country: null,
  officeLocation: null,
  userType: 'Member',
  accountEnabled: true,
});

/** Who is in so far, and the counts, for one resolution; members go to the writer page by page. */
class Resolution {
  private readonly inAudience = new Set<string>();
  private readonly leftOut = new Map<string, LeftOutReason>();
  private readonly departments = new Map<string, number>();
  private readonly countries = new Map<string, number>();
  private readonly platforms = new Map<string, number>();
  private readonly devicesByOs = new Map<string, number>();
  private withoutDevice = 0;
  private nonUsers = 0;
  private readonly groups = new Map<string, GroupMemberCounts>();
  private unresolved = 0;
  private readonly sample: string[] = [];

  constructor(
    private readonly deps: ResolveDeps,
    private readonly tenantId: string,
    private readonly devices: DeviceReader,
    private readonly writer: SnapshotWriter,
  ) {}

  /** Listed members: always in, looked up for their names and attributes (unknown when that fails). */
  async listed(ids: readonly string[]): Promise<void> {
    const wanted = [...new Set(ids.map(lower))];
    for (let i = 0; i < wanted.length; i += LOOKUP_CONCURRENCY) {
      const users = await Promise.all(wanted.slice(i, i + LOOKUP_CONCURRENCY).map((id) => this.lookUp(id)));
      await this.devices.prepare(users.map((u) => lower(u.id)));
      await this.writer.add(users.map((user) => this.include(user)));
    }
  }

  /** One page of a group's members: counted for the group, decided against every part naming it. */
  async page(
    groupId: string,
    users: readonly DirectoryUser[],
    nonUsers: number,
    parts: readonly AudienceSpec[],
  ): Promise<void> {
    this.nonUsers += nonUsers;
    const ofGroup = this.groups.get(lower(groupId)) ?? { users: 0, nonUsers: 0 };
    this.groups.set(lower(groupId), {
      users: ofGroup.users + users.length,
      nonUsers: ofGroup.nonUsers + nonUsers,
    });
    const cheap = parts.map(withoutPlatforms);
    const candidates: { user: DirectoryUser; parts: AudienceSpec[] }[] = [];
    for (const user of users) {
      const id = lower(user.id);
      if (this.inAudience.has(id)) continue;
      const reasons = cheap.map((part) => leftOutReason(part, user, null));
      const passing = parts.filter((_, i) => reasons[i] === null);
      if (passing.length > 0) candidates.push({ user, parts: passing });
      else this.leftOut.set(id, reasons[0] ?? 'filtered');
    }
    await this.devices.prepare(candidates.map((c) => lower(c.user.id)));
    const members: AudienceMember[] = [];
    for (const { user, parts: passing } of candidates) {
      const id = lower(user.id);
      if (this.inAudience.has(id)) continue; // twice on one page
      const oses = this.devices.of(id);
      const platforms = oses === null ? null : platformsOf(oses);
      const reasons = passing.map((part) => leftOutReason(part, user, platforms));
      if (reasons.includes(null)) members.push(this.include(user));
      else this.leftOut.set(id, reasons[0] ?? 'filtered');
    }
    if (members.length > 0) await this.writer.add(members);
  }

  /** What the snapshot's head keeps. */
  summary(): { counts: AudienceCounts; sample: string[]; warnings: string[] } {
    const leftOut = Object.fromEntries(LEFT_OUT_REASONS.map((r) => [r, 0])) as Record<LeftOutReason, number>;
    for (const reason of this.leftOut.values()) leftOut[reason] += 1;
    const unreadable = this.devices.unreadable;
    const warnings = [
      ...(unreadable ? [DEVICES_FORBIDDEN] : []),
      ...(this.unresolved > 0
        ? [`${this.unresolved} listed member(s) could not be looked up: counted with unknown attributes`]
        : []),
    ];
    return {
      counts: {
        people: this.inAudience.size,
        byDepartment: breakdown(this.departments),
        byCountry: breakdown(this.countries),
        byPlatform: unreadable ? {} : breakdown(this.platforms),
        devicesByOs: unreadable ? {} : breakdown(this.devicesByOs),
        withoutDevice: unreadable ? null : this.withoutDevice,
        leftOut,
        nonUsers: this.nonUsers,
        groups: Object.fromEntries(this.groups),
      },
      sample: [...this.sample],
      warnings,
    };
  }

  private async lookUp(id: string): Promise<DirectoryUser> {
    try {
      const user = await this.deps.directory.user(this.tenantId, id);
      if (user) return user;
    } catch (err) {
      if (!(err instanceof DirectoryError)) throw err;
    }
    this.unresolved += 1;
    return unknownUser(id);
  }

  private include(user: DirectoryUser): AudienceMember {
    const id = lower(user.id);
    this.inAudience.add(id);
    this.leftOut.delete(id);
    bump(this.departments, keyOf(user.department));
    bump(this.countries, keyOf(user.country));
    const oses = this.devices.of(id) ?? [];
    if (!this.devices.unreadable && oses.length === 0) this.withoutDevice += 1;
    for (const os of oses) bump(this.devicesByOs, keyOf(os));
    const platforms = [...platformsOf(oses)];
    for (const platform of platforms) bump(this.platforms, platform);
    if (this.sample.length < SAMPLE_SIZE) this.sample.push(user.displayName);
    return { id, name: user.displayName, department: user.department, country: user.country, platforms };
  }
}

const platformsOf = (oses: readonly string[]): Set<DevicePlatform> =>
  new Set(oses.flatMap((os) => platformOf(os) ?? []));

/**
 * Resolves a stage's audience (`audienceParts`: its own definition, or the union of its waves')
 * into a new snapshot, streamed: each group's transitive members page by page (users only,
 * non-users counted, in total and per group), each person decided once across groups and parts
 * (guests and disabled accounts left out unless the part includes them, then the department /
 * country / office and platform filters), listed members always in. Memory: the ids seen (a Set)
 * and the device map of DeviceReader, never the members themselves (the writer flushes every 100
 * rows of a bucket). On a failure the writer is abandoned and the previous snapshot stays current:
 * a Graph refusal is a `failed` outcome naming the group or permission; anything else (storage) is
 * rethrown.
 */
export const resolveAudience = async (
  deps: ResolveDeps,
  rollout: Rollout,
  stageId: string,
): Promise<ResolveOutcome> => {
  const parts = audienceParts(rollout, stageId);
  if (parts.every((p) => p.groups.length === 0 && p.members.length === 0)) {
    return { ok: false, reason: 'no-audience', message: 'no audience defined' };
  }
  const { tenantId, id: rolloutId } = rollout;
  const previous = await deps.audiences.current(tenantId, rolloutId, stageId);
  const devices = new DeviceReader(
    deps.directory,
    tenantId,
    (previous?.counts.people ?? 0) > PER_USER_DEVICE_LIMIT,
    parts.some((p) => p.filters.platforms.length > 0),
  );
  const writer = deps.audiences.begin(tenantId, rolloutId, stageId);
  const resolution = new Resolution(deps, tenantId, devices, writer);
  try {
    await resolution.listed(parts.flatMap((p) => p.members));
    for (const [groupId, ofGroup] of partsByGroup(parts)) {
      const pages = deps.directory.groupMembers(tenantId, groupId)[Symbol.asyncIterator]();
      for (;;) {
        const next = await pages.next().catch((err: unknown) => {
          if (!(err instanceof DirectoryError)) throw err;
          throw new ResolveFailure(`the members of group ${groupId} could not be read: ${graphReason(err)}`);
        });
        if (next.done) break;
        await resolution.page(groupId, next.value.users, next.value.nonUsers, ofGroup);
      }
    }
    const snapshot = await writer.commit({
      fingerprint: audienceFingerprint(parts),
      resolvedAt: deps.clock.now().toISOString(),
      ...resolution.summary(),
    });
    deps.log.info(
      { tenantId, rolloutId, stageId, snapshotId: snapshot.id, people: snapshot.counts.people },
      'audience resolved',
    );
    return { ok: true, snapshot };
  } catch (err) {
    await writer
      .abandon()
      .catch((abandonErr: unknown) =>
        deps.log.warn(
          { err: abandonErr, tenantId, rolloutId, stageId },
          'could not abandon an audience snapshot',
        ),
      );
    if (!(err instanceof ResolveFailure)) throw err;
    deps.log.warn({ tenantId, rolloutId, stageId, reason: err.message }, 'audience not resolved');
    return { ok: false, reason: 'failed', message: err.message };
  }
};

/** Each group the parts name, once, with the parts that name it. */
const partsByGroup = (parts: readonly AudienceSpec[]): Map<string, AudienceSpec[]> => {
  const byGroup = new Map<string, AudienceSpec[]>();
  for (const part of parts) {
    for (const groupId of part.groups) byGroup.set(groupId, [...(byGroup.get(groupId) ?? []), part]);
  }
  return byGroup;
};

/** The stage's current snapshot, and whether it was resolved from another definition than today's. */
export const currentAudience = async (
  deps: Pick<ResolveDeps, 'audiences'>,
  rollout: Rollout,
  stageId: string,
): Promise<{ snapshot: AudienceSnapshot; stale: boolean } | null> => {
  const snapshot = await deps.audiences.current(rollout.tenantId, rollout.id, stageId);
  if (!snapshot) return null;
  return { snapshot, stale: snapshot.fingerprint !== audienceFingerprint(audienceParts(rollout, stageId)) };
};

import {
  leftOutReason,
  LEFT_OUT_REASONS,
  platformOf,
  type AudienceCounts,
  type AudienceSpec,
  type DevicePlatform,
  type GroupMemberCounts,
  type LeftOutReason,
} from '../domain/audience';
import { DEVICES_FORBIDDEN, type DeviceReader } from './audience-devices';
import { DirectoryError } from './errors';
import type { AudienceMember, DirectoryUser, SnapshotWriter } from './ports';
import type { ResolveDeps } from './resolve-audience';

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

const lower = (id: string): string => id.toLowerCase();

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
export class Resolution {
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

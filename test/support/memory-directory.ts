import { DirectoryError } from '../../src/app/errors';
import type {
  AppAssignment,
  Directory,
  DirectoryDevice,
  DirectoryGroup,
  DirectoryUser,
  MemberPage,
} from '../../src/app/ports';
import type { AssignmentIntent } from '../../src/domain/audience';

export type DirectoryMethod = keyof Directory;

/** Users per `$batch` request of `devicesOf` (as Graph allows). */
export const BATCH_USERS = 20;

/** The permission (application role) each call needs, as Graph's 403 names it (null: none). */
export const REQUIRED_PERMISSION: Record<DirectoryMethod, string | null> = {
  groupMembers: 'GroupMember.Read.All',
  memberGroups: 'GroupMember.Read.All',
  devicesOf: 'DeviceManagementManagedDevices.Read.All',
  allDevices: 'DeviceManagementManagedDevices.Read.All',
  user: 'User.Read.All',
  group: 'GroupMember.Read.All',
  searchGroups: 'Group.Read.All',
  appAssignments: 'DeviceManagementApps.ReadWrite.All',
  assignApp: 'DeviceManagementApps.ReadWrite.All',
  grantedPermissions: null,
  teamsAppId: 'AppCatalog.Read.All',
  installForUser: 'TeamsAppInstallation.ReadWriteSelfForUser.All',
};

/** A scripted failure: the call (or only page `page`, 1-based, of a paged call; only for `groupId`) throws. */
export interface ScriptedFailure {
  method: DirectoryMethod;
  page?: number;
  groupId?: string;
  error: DirectoryError;
}

/** What a generated member looks like (index `i`): defaults spread over departments, countries, platforms. */
export type GeneratedPerson = (i: number) => Partial<Omit<DirectoryUser, 'id'>> & { devices?: string[] };

interface GeneratedMembers {
  count: number;
  person: GeneratedPerson;
}

interface MemoryGroup {
  group: DirectoryGroup;
  users: string[];
  groups: string[];
  nonUsers: number;
  generated: GeneratedMembers | null;
}

interface MemoryTenant {
  users: Map<string, { user: DirectoryUser; devices: string[] }>;
  groups: Map<string, MemoryGroup>;
  permissions: Set<string>;
  assignments: Map<string, AppAssignment[]>;
  /** The org catalog: Teams app id by the manifest's id (externalId). */
  catalog: Map<string, string>;
  /** `<teams app id>|<user id>` of every installation. */
  installed: Set<string>;
}

const DEPARTMENTS = ['Sales', 'Finance', 'IT', 'HR'];
const COUNTRIES = ['DE', 'US', 'FR'];

/** Member `i` of a generated group unless the test says otherwise: 1 in 10 has no managed device. */
export const defaultPerson: GeneratedPerson = (i) => ({
  displayName: `Person ${i}`,
  department: DEPARTMENTS[i % DEPARTMENTS.length] ?? null,
  country: COUNTRIES[i % COUNTRIES.length] ?? null,
  officeLocation: `Office ${i % 5}`,
  devices: i % 10 === 0 ? [] : i % 3 === 0 ? ['Windows', 'iOS'] : ['Windows'],
});

const aUser = (id: string, props: Partial<Omit<DirectoryUser, 'id'>>): DirectoryUser => ({
  id,
  displayName: props.displayName ?? id,
  department: props.department ?? null,
  country: props.country ?? null,
  officeLocation: props.officeLocation ?? null,
  userType: props.userType ?? 'Member',
  accountEnabled: props.accountEnabled ?? true,
});

const GENERATED_ID = /^(.*)-u(\d{6})$/;

/**
 * An in-memory Microsoft Graph for unit tests, behaving as the real `Directory` does at the port:
 * transitive group members page by page (`pageSize` directory objects a page, nested groups
 * counting as non-users), `DirectoryError`s (`not-found` for an unknown group, `forbidden` naming
 * the permission when it is not granted), scripted failures (e.g. page 30 of a group), and
 * counts of every call, page and `$batch` request. Groups can hold lazily generated members (ids
 * `<groupId>-u000000` …), so 50,000 people cost no memory until read.
 */
export class MemoryDirectory implements Directory {
  /** Port calls by method. */
  readonly calls = Object.fromEntries(Object.keys(REQUIRED_PERMISSION).map((m) => [m, 0])) as Record<
    DirectoryMethod,
    number
  >;
  /** Pages served by `groupMembers` and `allDevices`. */
  memberPages = 0;
  devicePages = 0;
  /** `$batch` requests `devicesOf` would send (BATCH_USERS users each). */
  batchRequests = 0;
  private readonly tenants = new Map<string, MemoryTenant>();
  private failures: ScriptedFailure[] = [];

  constructor(readonly options: { pageSize?: number; devicePageSize?: number } = {}) {}

  private get pageSize(): number {
    return this.options.pageSize ?? 100;
  }

  /** A user (and their managed devices' operating systems). */
  addUser(
    tenantId: string,
    id: string,
    props: Partial<Omit<DirectoryUser, 'id'>> = {},
    devices: string[] = [],
  ): DirectoryUser {
    const user = aUser(id, props);
    this.tenant(tenantId).users.set(id.toLowerCase(), { user, devices });
    return user;
  }

  /** A group of users (ids), nested groups and `nonUsers` other objects (devices, service principals). */
  addGroup(
    tenantId: string,
    id: string,
    members: { users?: string[]; groups?: string[]; nonUsers?: number; displayName?: string } = {},
  ): void {
    this.tenant(tenantId).groups.set(id.toLowerCase(), {
      group: { id, displayName: members.displayName ?? id },
      users: members.users ?? [],
      groups: members.groups ?? [],
      nonUsers: members.nonUsers ?? 0,
      generated: null,
    });
  }

  /** A group of `count` generated members, made on demand (ids from `generatedId`). */
  generateGroup(tenantId: string, id: string, count: number, person: GeneratedPerson = defaultPerson): void {
    this.addGroup(tenantId, id);
    const group = this.tenant(tenantId).groups.get(id.toLowerCase());
    if (group) group.generated = { count, person };
  }

  /** The id of generated member `i` of a group. */
  static generatedId(groupId: string, i: number): string {
    return `${groupId.toLowerCase()}-u${String(i).padStart(6, '0')}`;
  }

  /** Replaces the tenant's granted permissions (every one of REQUIRED_PERMISSION by default). */
  grant(tenantId: string, permissions: readonly string[]): void {
    this.tenant(tenantId).permissions = new Set(permissions);
  }

  revoke(tenantId: string, permission: string): void {
    this.tenant(tenantId).permissions.delete(permission);
  }

  /** An assignment the app has already (e.g. an exclusion, or one made by hand in Intune). */
  addAssignment(tenantId: string, appId: string, assignment: AppAssignment): void {
    const assignments = this.tenant(tenantId).assignments;
    assignments.set(appId, [...(assignments.get(appId) ?? []), assignment]);
  }

  /** The tenant's app catalog has the app (its manifest id → its catalog id). */
  addCatalogApp(tenantId: string, externalId: string, teamsAppId: string): void {
    this.tenant(tenantId).catalog.set(externalId.toLowerCase(), teamsAppId);
  }

  /** Whether `installForUser` installed (or found) the app for the user. */
  isInstalled(tenantId: string, userId: string, teamsAppId: string): boolean {
    return this.tenant(tenantId).installed.has(`${teamsAppId}|${userId.toLowerCase()}`);
  }

  /** From now on the matching calls fail (until `heal`). */
  fail(failure: ScriptedFailure): void {
    this.failures.push(failure);
  }

  heal(): void {
    this.failures = [];
  }

  async *groupMembers(tenantId: string, groupId: string): AsyncIterable<MemberPage> {
    this.begin('groupMembers', tenantId, groupId);
    const root = this.groupOf(tenantId, groupId);
    let page = 1;
    let users: DirectoryUser[] = [];
    let nonUsers = 0;
    const take = () => {
      const taken = { users, nonUsers };
      users = [];
      nonUsers = 0;
      return taken;
    };
    for (const member of this.transitive(tenantId, root)) {
      if (member === null) nonUsers += 1;
      else users.push(member);
      if (users.length + nonUsers >= this.pageSize) {
        this.checkFailure('groupMembers', groupId, page);
        this.memberPages += 1;
        page += 1;
        yield take();
      }
    }
    if (page === 1 || users.length + nonUsers > 0) {
      this.checkFailure('groupMembers', groupId, page);
      this.memberPages += 1;
      yield take();
    }
  }

  async memberGroups(tenantId: string, userId: string, groupIds: readonly string[]): Promise<Set<string>> {
    this.begin('memberGroups', tenantId);
    const id = userId.toLowerCase();
    const tenant = this.tenant(tenantId);
    const found = new Set<string>();
    for (const groupId of groupIds) {
      const group = tenant.groups.get(groupId.toLowerCase());
      if (!group) continue;
      for (const member of this.transitive(tenantId, group)) {
        if (member?.id.toLowerCase() === id) {
          found.add(groupId);
          break;
        }
      }
    }
    return found;
  }

  async devicesOf(tenantId: string, userIds: readonly string[]): Promise<DirectoryDevice[]> {
    this.begin('devicesOf', tenantId);
    this.batchRequests += Math.ceil(userIds.length / BATCH_USERS);
    return userIds.flatMap((id) => {
      const found = this.find(tenantId, id);
      return (found?.devices ?? []).map((operatingSystem) => ({ userId: id, operatingSystem }));
    });
  }

  async *allDevices(tenantId: string): AsyncIterable<DirectoryDevice[]> {
    this.begin('allDevices', tenantId);
    const size = this.options.devicePageSize ?? 1000;
    let page: DirectoryDevice[] = [];
    let n = 1;
    for (const { user, devices } of this.everyone(tenantId)) {
      for (const operatingSystem of devices) {
        page.push({ userId: user.id, operatingSystem });
        if (page.length >= size) {
          this.checkFailure('allDevices', undefined, n++);
          this.devicePages += 1;
          yield page;
          page = [];
        }
      }
    }
    this.checkFailure('allDevices', undefined, n);
    this.devicePages += 1;
    yield page;
  }

  async user(tenantId: string, userId: string): Promise<DirectoryUser | null> {
    this.begin('user', tenantId);
    return this.find(tenantId, userId)?.user ?? null;
  }

  async group(tenantId: string, groupId: string): Promise<DirectoryGroup | null> {
    this.begin('group', tenantId, groupId);
    return this.tenant(tenantId).groups.get(groupId.toLowerCase())?.group ?? null;
  }

  async searchGroups(tenantId: string, text: string, limit: number): Promise<DirectoryGroup[]> {
    this.begin('searchGroups', tenantId);
    const wanted = text.toLowerCase();
    return [...this.tenant(tenantId).groups.values()]
      .map((g) => g.group)
      .filter((g) => g.displayName.toLowerCase().includes(wanted))
      .slice(0, limit);
  }

  async appAssignments(tenantId: string, appId: string): Promise<AppAssignment[]> {
    this.begin('appAssignments', tenantId);
    return [...(this.tenant(tenantId).assignments.get(appId) ?? [])];
  }

  async assignApp(
    tenantId: string,
    appId: string,
    groupId: string,
    intent: AssignmentIntent,
  ): Promise<AppAssignment> {
    this.begin('assignApp', tenantId, groupId);
    const assignments = this.tenant(tenantId).assignments;
    const list = assignments.get(appId) ?? [];
    const assignment: AppAssignment = { id: `as-${list.length + 1}`, target: 'include', groupId, intent };
    assignments.set(appId, [...list, assignment]);
    return assignment;
  }

  async grantedPermissions(tenantId: string): Promise<string[]> {
    this.begin('grantedPermissions', tenantId);
    return [...this.tenant(tenantId).permissions];
  }

  async teamsAppId(tenantId: string, externalId: string): Promise<string | null> {
    this.begin('teamsAppId', tenantId);
    return this.tenant(tenantId).catalog.get(externalId.toLowerCase()) ?? null;
  }

  async installForUser(
    tenantId: string,
    userId: string,
    teamsAppId: string,
  ): Promise<'installed' | 'already'> {
    this.begin('installForUser', tenantId);
    const tenant = this.tenant(tenantId);
    if (![...tenant.catalog.values()].includes(teamsAppId))
      throw new DirectoryError(
        'not-found',
        `Teams app ${teamsAppId} is not in the catalog`,
        `Teams app ${teamsAppId}`,
      );
    const key = `${teamsAppId}|${userId.toLowerCase()}`;
    if (tenant.installed.has(key)) return 'already';
    tenant.installed.add(key);
    return 'installed';
  }

  private tenant(tenantId: string): MemoryTenant {
    let tenant = this.tenants.get(tenantId);
    if (!tenant) {
      tenant = {
        users: new Map(),
        groups: new Map(),
        permissions: new Set(Object.values(REQUIRED_PERMISSION).flatMap((p) => p ?? [])),
        assignments: new Map(),
        catalog: new Map(),
        installed: new Set(),
      };
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  /** Counts the call; throws as Graph would when the permission is missing or a failure is scripted. */
  private begin(method: DirectoryMethod, tenantId: string, groupId?: string): void {
    this.calls[method] += 1;
    const permission = REQUIRED_PERMISSION[method];
    if (permission !== null && !this.tenant(tenantId).permissions.has(permission)) {
      throw new DirectoryError('forbidden', `Graph refused ${method}: ${permission} is missing`, permission);
    }
    this.checkFailure(method, groupId, undefined);
  }

  private checkFailure(method: DirectoryMethod, groupId: string | undefined, page: number | undefined): void {
    const failure = this.failures.find(
      (f) =>
        f.method === method &&
        f.page === page &&
        (f.groupId === undefined || f.groupId.toLowerCase() === groupId?.toLowerCase()),
    );
    if (failure) throw failure.error;
  }

  private groupOf(tenantId: string, groupId: string): MemoryGroup {
    const group = this.tenant(tenantId).groups.get(groupId.toLowerCase());
    if (!group) throw new DirectoryError('not-found', `group ${groupId} was not found`);
    return group;
  }

  /** Transitive members, each once: users, and null for every object that is not a user. */
  private *transitive(tenantId: string, root: MemoryGroup): Generator<DirectoryUser | null> {
    const tenant = this.tenant(tenantId);
    const seenGroups = new Set<MemoryGroup>([root]);
    const seenUsers = new Set<string>();
    const stack = [root];
    for (let group = stack.pop(); group; group = stack.pop()) {
      for (let i = 0; i < group.nonUsers; i++) yield null;
      for (const id of group.users) {
        const found = tenant.users.get(id.toLowerCase());
        if (found && !seenUsers.has(found.user.id)) {
          seenUsers.add(found.user.id);
          yield found.user;
        }
      }
      const generated = group.generated;
      for (let i = 0; generated && i < generated.count; i++) {
        yield aUser(MemoryDirectory.generatedId(group.group.id, i), generated.person(i));
      }
      for (const nestedId of group.groups) {
        const nested = tenant.groups.get(nestedId.toLowerCase());
        if (!nested || seenGroups.has(nested)) continue;
        seenGroups.add(nested);
        yield null; // the nested group itself is a member that is not a user
        stack.push(nested);
      }
    }
  }

  /** Every user of the tenant with their devices, the generated ones made one at a time. */
  private *everyone(tenantId: string): Generator<{ user: DirectoryUser; devices: string[] }> {
    const tenant = this.tenant(tenantId);
    yield* tenant.users.values();
    for (const group of tenant.groups.values()) {
      const generated = group.generated;
      for (let i = 0; generated && i < generated.count; i++) {
        const person = generated.person(i);
        yield {
          user: aUser(MemoryDirectory.generatedId(group.group.id, i), person),
          devices: person.devices ?? [],
        };
      }
    }
  }

  private find(tenantId: string, userId: string): { user: DirectoryUser; devices: string[] } | null {
    const tenant = this.tenant(tenantId);
    const id = userId.toLowerCase();
    const listed = tenant.users.get(id);
    if (listed) return listed;
    const match = GENERATED_ID.exec(id);
    const group = match?.[1] === undefined ? undefined : tenant.groups.get(match[1]);
    const i = Number(match?.[2]);
    if (!group?.generated || !(i < group.generated.count)) return null;
    const person = group.generated.person(i);
    return {
      user: aUser(MemoryDirectory.generatedId(group.group.id, i), person),
      devices: person.devices ?? [],
    };
  }
}

import { timeLeft } from '../app/deadline';
import { DirectoryError } from '../app/errors';
import type {
  AppAssignment,
  Directory,
  DirectoryDevice,
  DirectoryGroup,
  DirectoryUser,
  Log,
  MemberPage,
} from '../app/ports';
import type { AssignmentIntent } from '../domain/audience';
import { GraphError } from '@microsoft/microsoft-graph-client';
import {
  MARGIN_MS,
  MAX_RETRIES,
  retryAfterMs,
  retryDelay,
  runCall,
  statusError,
  type CallTiming,
} from './graph-client';
import {
  DEVICE_FIELDS,
  GROUP_FIELDS,
  toAssignment,
  toDevices,
  toUser,
  USER_FIELDS,
  USER_TYPE,
  type BatchResponse,
  type GraphAssignment,
  type GraphUser,
} from './graph-objects';
import { GraphRequests, path, searchClause, seg, type GraphPage, type TenantGraph } from './graph-requests';
import { tokenRoles } from './token-roles';

/** checkMemberGroups takes at most 20 group ids; `$batch` at most 20 requests. */
export const CHECK_MEMBER_GROUPS_MAX = 20;
export const BATCH_MAX = 20;
/** Transitive members per page (Graph's maximum for directory objects). */
export const MEMBERS_PAGE_SIZE = 999;
/** Managed devices a page of the tenant-wide sweep. */
export const DEVICES_PAGE_SIZE = 999;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/**
 * The Directory port over Microsoft Graph v1.0. Every request goes through `runCall` (deadline,
 * bounded retries of 429/503/504 honouring Retry-After, errors as DirectoryError naming the
 * permission or the object).
 *
 * Group members: `/groups/{id}/transitiveMembers` with every member read and filtered on
 * `@odata.type`, rather than the `/microsoft.graph.user` cast plus a `$count` of all members for
 * the non-users: the cast needs an advanced query (ConsistencyLevel eventual, whose counts lag)
 * and one more call per group, while non-users (nested groups, devices, service principals) are
 * few, so reading them costs next to nothing: ceil(members / 999) calls, exact counts per page.
 *
 * Devices: `devicesOf` (a few users) is ceil(users / 20) `$batch` calls of per-user reads;
 * `allDevices` (a large audience) pages through the tenant's managed devices instead: the caller
 * picks whichever is fewer calls.
 */
export class GraphDirectory implements Directory {
  private readonly requests: GraphRequests;

  constructor(
    private readonly graph: TenantGraph,
    private readonly timing: CallTiming,
    private readonly log?: Log,
  ) {
    this.requests = new GraphRequests(graph, timing);
  }

  async *groupMembers(tenantId: string, groupId: string): AsyncIterable<MemberPage> {
    const info = {
      what: `read the members of group ${groupId}`,
      permission: 'GroupMember.Read.All',
      subject: `group ${groupId}`,
    };
    const first = path(`/groups/${seg(groupId)}/transitiveMembers`, {
      $select: USER_FIELDS,
      $top: MEMBERS_PAGE_SIZE,
    });
    for await (const members of this.requests.pages<GraphUser>(tenantId, info, first)) {
      const users = members.filter((m) => m['@odata.type'] === USER_TYPE);
      yield { users: users.map(toUser), nonUsers: members.length - users.length };
    }
  }

  async memberGroups(tenantId: string, userId: string, groupIds: readonly string[]): Promise<Set<string>> {
    const info = {
      what: `check the groups of user ${userId}`,
      permission: 'GroupMember.Read.All',
      subject: `user ${userId}`,
    };
    const asked = new Map(groupIds.map((id) => [id.toLowerCase(), id]));
    const found = new Set<string>();
    for (const chunk of chunks([...asked.values()], CHECK_MEMBER_GROUPS_MAX)) {
      const { value } = await this.requests.post<GraphPage<string>>(
        tenantId,
        info,
        `/users/${seg(userId)}/checkMemberGroups`,
        { groupIds: chunk },
      );
      for (const id of value) found.add(asked.get(id.toLowerCase()) ?? id);
    }
    return found;
  }

  async devicesOf(tenantId: string, userIds: readonly string[]): Promise<DirectoryDevice[]> {
    const devices: DirectoryDevice[] = [];
    for (const chunk of chunks([...new Set(userIds)], BATCH_MAX))
      devices.push(...(await this.batchDevices(tenantId, chunk)));
    return devices;
  }

  /**
   * One `$batch` of per-user device reads. A user Graph no longer has (404) has no devices; reads
   * throttled inside the batch (429/503/504) are sent again in another batch after the longest
   * Retry-After, at most MAX_RETRIES times and only while that fits the time left.
   */
  private async batchDevices(tenantId: string, userIds: string[]): Promise<DirectoryDevice[]> {
    const info = (userId: string) => ({
      what: `read the managed devices of user ${userId}`,
      permission: 'DeviceManagementManagedDevices.Read.All',
      subject: `user ${userId}`,
    });
    const batchInfo = {
      ...info(userIds[0] ?? ''),
      what: `read the managed devices of ${userIds.length} users`,
    };
    const devices: DirectoryDevice[] = [];
    let pending = userIds;
    for (let round = 0; pending.length > 0; round++) {
      const { responses } = await this.requests.post<BatchResponse>(tenantId, batchInfo, '/$batch', {
        requests: pending.map((userId, i) => ({
          id: String(i),
          method: 'GET',
          url: path(`/users/${seg(userId)}/managedDevices`, { $select: DEVICE_FIELDS }),
        })),
      });
      const again: string[] = [];
      let wait = 0;
      for (const response of responses) {
        const userId = pending[Number(response.id)];
        if (userId === undefined) continue;
        if (response.status === 200) {
          devices.push(...toDevices(response.body?.value ?? []));
          const next = (response.body as { '@odata.nextLink'?: string } | undefined)?.['@odata.nextLink'];
          if (next)
            for await (const page of this.requests.pages<DirectoryDevice>(tenantId, info(userId), next))
              devices.push(...toDevices(page));
        } else if (response.status === 429 || response.status === 503 || response.status === 504) {
          again.push(userId);
          const headers = Object.fromEntries(
            Object.entries(response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
          );
          wait = Math.max(wait, retryDelay(retryAfterMs(headers['retry-after'], this.timing.now()), round));
        } else if (response.status !== 404) {
          throw statusError(response.status, response.body?.error?.code ?? null, info(userId));
        }
      }
      if (again.length > 0) {
        if (round >= MAX_RETRIES || wait > timeLeft(this.timing.now()) - MARGIN_MS)
          throw statusError(429, 'TooManyRequests', batchInfo);
        this.log?.warn(
          { tenantId, users: again.length, waitMs: wait },
          'Graph throttled device reads in a batch: retrying them',
        );
        await this.timing.wait(wait);
      }
      pending = again;
    }
    return devices;
  }

  async *allDevices(tenantId: string): AsyncIterable<DirectoryDevice[]> {
    const info = {
      what: 'read the managed devices of the tenant',
      permission: 'DeviceManagementManagedDevices.Read.All',
      subject: 'managed devices',
    };
    // Graph's default page is 100 devices; 999 makes a 100,000-device sweep about 100 calls.
    const first = path('/deviceManagement/managedDevices', {
      $select: DEVICE_FIELDS,
      $top: DEVICES_PAGE_SIZE,
    });
    for await (const page of this.requests.pages<DirectoryDevice>(tenantId, info, first))
      yield toDevices(page);
  }

  async user(tenantId: string, userId: string): Promise<DirectoryUser | null> {
    const info = { what: `read user ${userId}`, permission: 'User.Read.All', subject: `user ${userId}` };
    const user = await this.requests.getOrNull<GraphUser>(
      tenantId,
      info,
      path(`/users/${seg(userId)}`, { $select: USER_FIELDS }),
    );
    return user && toUser(user);
  }

  async group(tenantId: string, groupId: string): Promise<DirectoryGroup | null> {
    const info = {
      what: `read group ${groupId}`,
      permission: 'GroupMember.Read.All',
      subject: `group ${groupId}`,
    };
    const group = await this.requests.getOrNull<DirectoryGroup>(
      tenantId,
      info,
      path(`/groups/${seg(groupId)}`, { $select: GROUP_FIELDS }),
    );
    return group && { id: group.id, displayName: group.displayName };
  }

  async searchGroups(tenantId: string, text: string, limit: number): Promise<DirectoryGroup[]> {
    const info = { what: 'search groups', permission: 'Group.Read.All', subject: 'groups' };
    const url = path('/groups', {
      $search: searchClause('displayName', text),
      $select: GROUP_FIELDS,
      $top: Math.min(Math.max(limit, 1), 999),
    });
    const { value } = await this.requests.get<GraphPage<DirectoryGroup>>(tenantId, info, url, {
      ConsistencyLevel: 'eventual',
    });
    return value.slice(0, limit).map((g) => ({ id: g.id, displayName: g.displayName }));
  }

  async appAssignments(tenantId: string, appId: string): Promise<AppAssignment[]> {
    const info = {
      what: `read the assignments of app ${appId}`,
      permission: 'DeviceManagementApps.Read.All',
      subject: `app ${appId}`,
    };
    const assignments: AppAssignment[] = [];
    for await (const page of this.requests.pages<GraphAssignment>(
      tenantId,
      info,
      `/deviceAppManagement/mobileApps/${seg(appId)}/assignments`,
    ))
      assignments.push(...page.map(toAssignment));
    return assignments;
  }

  /**
   * Creates one group assignment (POST …/assignments, never the `assign` action, which replaces
   * them all). An existing one for the group with the same intent is returned as is (a retried
   * command creates nothing twice); with another intent the request is `invalid`.
   */
  async assignApp(
    tenantId: string,
    appId: string,
    groupId: string,
    intent: AssignmentIntent,
  ): Promise<AppAssignment> {
    const info = {
      what: `assign app ${appId} to group ${groupId}`,
      permission: 'DeviceManagementApps.ReadWrite.All',
      subject: `app ${appId}`,
    };
    const existing = (await this.appAssignments(tenantId, appId)).find(
      (a) => a.target === 'include' && a.groupId?.toLowerCase() === groupId.toLowerCase(),
    );
    if (existing?.intent === intent) return existing;
    if (existing)
      throw new DirectoryError(
        'invalid',
        `app ${appId} is already assigned to group ${groupId} as ${existing.intent}, not ${intent}`,
        `group ${groupId}`,
      );
    const created = await this.requests.post<GraphAssignment>(
      tenantId,
      info,
      `/deviceAppManagement/mobileApps/${seg(appId)}/assignments`,
      {
        '@odata.type': '#microsoft.graph.mobileAppAssignment',
        intent,
        target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId },
        settings: null,
      },
    );
    return toAssignment(created);
  }

  async teamsAppId(tenantId: string, externalId: string): Promise<string | null> {
    const info = {
      what: `find Teams app ${externalId} in the app catalog`,
      permission: 'AppCatalog.Read.All',
      subject: `Teams app ${externalId}`,
    };
    // OData string literal: a quote is doubled.
    const url = path('/appCatalogs/teamsApps', {
      $filter: `externalId eq '${externalId.replace(/'/g, "''")}'`,
    });
    const { value } = await this.requests.get<GraphPage<{ id: string; distributionMethod?: string }>>(
      tenantId,
      info,
      url,
    );
    // The organisation's own upload is the one installable for its people.
    const app = value.find((a) => a.distributionMethod === 'organization') ?? value[0];
    return app?.id ?? null;
  }

  /**
   * Installs the app for the user. Graph answers 409 Conflict when it is installed already: an
   * answer (`already`), not an error, so a retried delivery installs nothing twice.
   */
  async installForUser(
    tenantId: string,
    userId: string,
    teamsAppId: string,
  ): Promise<'installed' | 'already'> {
    const info = {
      what: `install the Teams app for user ${userId}`,
      permission: 'TeamsAppInstallation.ReadWriteSelfForUser.All',
      subject: `user ${userId}`,
    };
    // The bind names the app on the same Graph the bot talks to (national clouds included).
    const graphRoot = this.graph.scope.replace(/\/\.default$/, '');
    const body = { 'teamsApp@odata.bind': `${graphRoot}/v1.0/appCatalogs/teamsApps/${seg(teamsAppId)}` };
    return runCall(
      info,
      async (signal) => {
        try {
          await this.graph
            .client(tenantId)
            .api(`/users/${seg(userId)}/teamwork/installedApps`)
            .option('signal', signal)
            .post(body);
          return 'installed' as const;
        } catch (err) {
          if (err instanceof GraphError && err.statusCode === 409) return 'already' as const;
          throw err;
        }
      },
      this.timing,
    );
  }

  async grantedPermissions(tenantId: string): Promise<string[]> {
    // A token request is refused for want of consent, not of a permission: no 403 to name one for.
    const info = {
      what: `get a Graph token in tenant ${tenantId}`,
      permission: 'admin consent',
      subject: `tenant ${tenantId}`,
    };
    const token = await runCall(
      info,
      (abortSignal) => this.graph.credential(tenantId).getToken(this.graph.scope, { abortSignal }),
      this.timing,
    );
    if (!token) throw new DirectoryError('unavailable', `no Graph token for tenant ${tenantId}`);
    return tokenRoles(token.token);
  }
}

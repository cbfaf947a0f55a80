import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import {
  TEST_CA_PEM,
  authorityMetadata,
  closeServer,
  json,
  listenLocally,
  readBody,
  signJwt,
  testServerTls,
} from './bot-framework-issuer';

/**
 * A local stand-in for Microsoft Graph v1.0 and the Entra ID token endpoint, over https with the
 * test certificate: the bot's real ClientSecretCredential and Graph client talk to it. Responses
 * have the shapes of Microsoft's documented examples (test/fixtures/graph). It keeps a directory
 * per tenant, verifies the tokens it issued (signature, audience, tenant, expiry), records every
 * call, and plays scripted faults. Groups may have many generated members, made only as paged.
 */

export interface FakeUser {
  id: string;
  displayName: string;
  department?: string | null;
  usageLocation?: string | null;
  officeLocation?: string | null;
  userType?: string;
  accountEnabled?: boolean;
}

export interface FakeGroup {
  id: string;
  displayName: string;
  /** Ids of users, groups (nested: their members are transitive members) and other objects. */
  members?: string[];
  /** Users generated on the fly (`generatedUserId(groupId, i)`), after `members`. */
  generated?: number;
}

export interface FakeDevice {
  id: string;
  userId: string | null;
  operatingSystem: string;
}

export interface FakeAssignment {
  id: string;
  intent: string;
  target: { '@odata.type': string; groupId?: string };
  settings: null;
}

export interface FakeTenant {
  /** The application permissions its tokens carry (`roles`). */
  roles: string[];
  users?: FakeUser[];
  groups?: FakeGroup[];
  devices?: FakeDevice[];
  /** Members that are neither users nor groups (devices, service principals), by id. */
  others?: { id: string; type: string }[];
  /** Intune apps by id, with their assignments. */
  apps?: Record<string, FakeAssignment[]>;
  /** The tenant's Teams app catalog (`/appCatalogs/teamsApps`). */
  teamsApps?: FakeTeamsApp[];
  /** Users (lower-case ids) with the app (catalog id) installed in their personal scope. */
  installedApps?: { userId: string; teamsAppId: string }[];
}

/** An app of the Teams catalog: `externalId` is the manifest's id. */
export interface FakeTeamsApp {
  id: string;
  externalId: string;
  displayName: string;
  distributionMethod: 'organization' | 'store' | 'sideloaded';
}

/** A scripted failure: the next `times` requests matching `method` and `path` (and `page`) fail. */
export interface Fault {
  method?: string;
  /** Matched against the path (from /v1.0 on, no query); a string matches when contained. */
  path: string | RegExp;
  /** 1-based page of a paged read (by its skiptoken); any page when unset. */
  page?: number;
  status: number;
  /** Default 1; Infinity for always. */
  times?: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Never answer (an outer request only). */
  hang?: boolean;
}

/** A Graph request as received (one without a valid token too: it was answered 401). */
export interface RecordedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
  /** A request inside a `$batch`. */
  viaBatch: boolean;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Member =
  | { kind: 'user'; user: FakeUser }
  | { kind: 'group'; group: FakeGroup }
  | { kind: 'other'; id: string; type: string };

const V1 = '/v1.0';
const ERROR_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Authorization_RequestDenied',
  404: 'Request_ResourceNotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  503: 'serviceNotAvailable',
  504: 'UnknownError',
};
const ERROR_MESSAGES: Record<number, string> = {
  401: 'Access token validation failure.',
  403: 'Insufficient privileges to complete the operation.',
  429: 'Too many requests.',
  503: 'The service is temporarily unavailable.',
};

/** An error reply as Graph sends it: `{ error: { code, message, innerError } }`. */
export const graphError = (status: number, message?: string, code?: string): Reply => {
  const id = randomUUID();
  return {
    status,
    body: {
      error: {
        code: code ?? ERROR_CODES[status] ?? 'UnknownError',
        message: message ?? ERROR_MESSAGES[status] ?? 'An error occurred.',
        innerError: {
          date: new Date().toISOString().slice(0, 19),
          'request-id': id,
          'client-request-id': id,
        },
      },
    },
  };
};

/** The id of generated member `i` of `groupId` (a GUID sharing the group id's first block). */
export const generatedUserId = (groupId: string, i: number): string =>
  `${groupId.slice(0, 8)}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

const GENERATED = /^([0-9a-f]{8})-0000-4000-8000-([0-9a-f]{12})$/i;
const COUNTRIES = ['DE', 'US', 'FR'];
const DEPARTMENTS = ['Sales', 'Engineering', 'Support'];

const generatedUser = (groupId: string, i: number): FakeUser => ({
  id: generatedUserId(groupId, i),
  displayName: `Generated User ${i}`,
  department: DEPARTMENTS[i % 3] ?? null,
  usageLocation: COUNTRIES[i % 3] ?? null,
  officeLocation: null,
  userType: 'Member',
  accountEnabled: true,
});

/** A group's transitive members as a list read by index: explicit ones first, then generated. */
interface MemberList {
  length: number;
  at(i: number): Member;
}

const USER_PROPERTIES = [
  'id',
  'displayName',
  'department',
  'usageLocation',
  'officeLocation',
  'userType',
  'accountEnabled',
] as const;

/** Only the `$select`ed properties (all of `properties` when none), `id` always. */
const selected = (object: Record<string, unknown>, select: string | null, properties: readonly string[]) => {
  const wanted = select ? select.split(',') : properties;
  return Object.fromEntries(
    ['id', ...wanted.filter((p) => p !== 'id')].filter((p) => p in object).map((p) => [p, object[p] ?? null]),
  );
};

const userObject = (user: FakeUser): Record<string, unknown> => ({
  id: user.id,
  displayName: user.displayName,
  department: user.department ?? null,
  usageLocation: user.usageLocation ?? null,
  officeLocation: user.officeLocation ?? null,
  userType: user.userType ?? 'Member',
  accountEnabled: user.accountEnabled ?? true,
});

/** `"property:text"` of `$search`, with `\"` and `\\` unescaped; null when not of that form. */
export const parseSearch = (search: string): { property: string; text: string } | null => {
  const match = /^"([A-Za-z]+):((?:[^"\\]|\\.)*)"$/.exec(search);
  return match ? { property: match[1] ?? '', text: (match[2] ?? '').replace(/\\(.)/g, '$1') } : null;
};

export class FakeGraph {
  readonly tenants = new Map<string, FakeTenant>();
  readonly calls: RecordedCall[] = [];
  readonly tokenRequests: { tenant: string; form: Record<string, string> }[] = [];
  /** Installations `installedApps` made (not those it found already there). */
  readonly installs: { tenantId: string; userId: string; teamsAppId: string }[] = [];
  /** `$search` texts as the fake understood them (after unescaping). */
  readonly searches: string[] = [];
  /** The client secret the token endpoint takes. */
  clientSecret = 'test-client-secret';
  /** The fake's clock, for token expiry. */
  now = (): number => Date.now();
  private readonly faults: Fault[] = [];
  private readonly signingSecret = randomUUID();
  private server: Server | null = null;
  private base = '';

  async start(): Promise<this> {
    this.server = createServer(testServerTls(), (req, res) => void this.serve(req, res));
    this.base = `https://127.0.0.1:${await listenLocally(this.server)}`;
    return this;
  }

  async stop(): Promise<void> {
    if (this.server) await closeServer(this.server);
  }

  /** The https URL of both the authority (GRAPH_AUTHORITY_HOST) and Graph (GRAPH_BASE_URL). */
  get url(): string {
    return this.base;
  }

  /** The CA to trust (its certificate is signed by it). */
  get ca(): string {
    return TEST_CA_PEM;
  }

  tenant(tenantId: string, tenant: FakeTenant): this {
    this.tenants.set(tenantId.toLowerCase(), tenant);
    return this;
  }

  fault(fault: Fault): this {
    this.faults.push({ times: 1, ...fault });
    return this;
  }
  /** Drops every scripted fault not yet played. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Recorded Graph calls (outer and inside batches) whose path matches. */
  callsTo(path: string | RegExp, viaBatch?: boolean): RecordedCall[] {
    return this.calls.filter(
      (c) =>
        (typeof path === 'string' ? c.path.includes(path) : path.test(c.path)) &&
        (viaBatch === undefined || c.viaBatch === viaBatch),
    );
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    const body = await readBody(req);
    const tenantPath = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(
      url.pathname,
    );
    if (tenantPath)
      return this.serveAuthority(res, req.method ?? '', tenantPath[1] ?? '', tenantPath[2] ?? '', body);
    if (!url.pathname.startsWith(`${V1}/`)) return json(res, 404, graphError(404).body);
    const headers = flatHeaders(req.headers);
    const tenantId = this.verify(headers.authorization);
    let parsed: unknown;
    try {
      parsed = body ? JSON.parse(body) : undefined;
    } catch {
      return json(res, 400, graphError(400, 'Invalid JSON').body);
    }
    const method = req.method ?? 'GET';
    if (!tenantId) {
      this.calls.push({
        method,
        path: url.pathname,
        query: url.searchParams,
        headers,
        body: parsed,
        viaBatch: false,
      });
      return json(res, 401, graphError(401).body);
    }
    const reply = this.handle(tenantId, method, url.pathname, url.searchParams, headers, parsed, false);
    if (reply === 'hang') return; // never answers
    if (reply.body === undefined) {
      // No content (201 of an installation): no body and no content type, as Graph sends it.
      res.writeHead(reply.status, reply.headers ?? {});
      res.end();
      return;
    }
    json(res, reply.status, reply.body, reply.headers);
  }

  private serveAuthority(
    res: ServerResponse,
    method: string,
    tenant: string,
    what: string,
    body: string,
  ): void {
    if (method === 'GET' && what.startsWith('v2.0'))
      return json(res, 200, authorityMetadata(this.base, tenant));
    if (method !== 'POST') return json(res, 405, { error: 'invalid_request' });
    const form = Object.fromEntries(new URLSearchParams(body));
    this.tokenRequests.push({ tenant, form });
    const known = this.tenants.get(tenant.toLowerCase());
    if (!known)
      return json(res, 400, {
        error: 'invalid_tenant',
        error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
      });
    if (form.grant_type !== 'client_credentials' || form.client_secret !== this.clientSecret)
      return json(res, 401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
      });
    if (form.scope !== `${this.base}/.default`)
      return json(res, 400, {
        error: 'invalid_scope',
        error_description: `AADSTS1002012: The provided value for scope ${form.scope} is not valid.`,
      });
    const now = Math.floor(this.now() / 1000);
    const token = signJwt(
      {
        aud: this.base,
        tid: tenant.toLowerCase(),
        appid: form.client_id,
        roles: known.roles,
        iat: now,
        nbf: now,
        exp: now + 3600,
      },
      { alg: 'HS256', hmacSecret: this.signingSecret },
    );
    json(res, 200, { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: token });
  }

  /** The tenant of a bearer token this fake issued and that is still valid; null otherwise. */
  private verify(authorization: string | undefined): string | null {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const [header, payload, signature] = token?.split('.') ?? [];
    if (!header || !payload || !signature) return null;
    const expected = createHmac('sha256', this.signingSecret).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      aud?: string;
      tid?: string;
      exp?: number;
    };
    if (claims.aud !== this.base || !claims.tid || !this.tenants.has(claims.tid)) return null;
    return (claims.exp ?? 0) * 1000 > this.now() ? claims.tid : null;
  }

  private takeFault(method: string, path: string, page: number | null): Fault | null {
    const index = this.faults.findIndex(
      (f) =>
        (f.times ?? 1) > 0 &&
        (!f.method || f.method === method) &&
        (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path)) &&
        (f.page === undefined || f.page === page),
    );
    const fault = this.faults[index];
    if (!fault) return null;
    fault.times = (fault.times ?? 1) - 1;
    return fault;
  }

  private handle(
    tenantId: string,
    method: string,
    path: string,
    query: URLSearchParams,
    headers: Record<string, string>,
    body: unknown,
    viaBatch: boolean,
  ): Reply | 'hang' {
    this.calls.push({ method, path, query, headers, body, viaBatch });
    const top = Number(query.get('$top') ?? 100);
    const offset = Number(Buffer.from(query.get('$skiptoken') ?? '', 'base64url').toString() || 0);
    const page = query.has('$top') || query.has('$skiptoken') ? Math.floor(offset / top) + 1 : null;
    const fault = this.takeFault(method, path, page ?? 1);
    if (fault?.hang && !viaBatch) return 'hang';
    if (fault) {
      const reply = graphError(fault.status);
      return fault.retryAfter === undefined
        ? reply
        : { ...reply, headers: { 'Retry-After': String(fault.retryAfter) } };
    }
    const tenant = this.tenants.get(tenantId) as FakeTenant;
    const route = (pattern: RegExp) => pattern.exec(path.slice(V1.length));
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === `${V1}/$batch` && !viaBatch) return this.batch(tenantId, headers, body);
    if (method === 'GET' && (m = route(/^\/groups\/([^/]+)\/transitiveMembers$/))) {
      const group = this.findGroup(tenant, m[1] ?? '');
      if (!group)
        return graphError(
          404,
          `Resource '${m[1]}' does not exist or one of its queried reference-property objects are not present.`,
        );
      if (!(top >= 1 && top <= 999))
        return graphError(
          400,
          `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`,
          'Request_UnsupportedQuery',
        );
      const list = this.transitiveMembers(tenant, group);
      const value = Array.from({ length: Math.max(0, Math.min(top, list.length - offset)) }, (_, i) =>
        this.memberObject(list.at(offset + i), query.get('$select')),
      );
      const next = offset + top < list.length ? this.nextLink(path, query, offset + top) : null;
      return this.ok({
        '@odata.context': `${this.base}/v1.0/$metadata#directoryObjects`,
        ...(next ? { '@odata.nextLink': next } : {}),
        value,
      });
    }
    if (method === 'GET' && (m = route(/^\/groups\/([^/]+)$/))) {
      const group = this.findGroup(tenant, m[1] ?? '');
      if (!group)
        return graphError(
          404,
          `Resource '${m[1]}' does not exist or one of its queried reference-property objects are not present.`,
        );
      return this.ok({
        '@odata.context': `${this.base}/v1.0/$metadata#groups/$entity`,
        id: group.id,
        displayName: group.displayName,
      });
    }
    if (method === 'GET' && path === `${V1}/groups` && query.has('$search')) {
      if (headers.consistencylevel?.toLowerCase() !== 'eventual')
        return graphError(
          400,
          "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
          'Request_UnsupportedQuery',
        );
      const search = parseSearch(query.get('$search') ?? '');
      if (!search || search.property !== 'displayName')
        return graphError(400, 'Syntax error: invalid $search.', 'Request_UnsupportedQuery');
      this.searches.push(search.text);
      const value = (tenant.groups ?? [])
        .filter((g) => g.displayName.toLowerCase().includes(search.text.toLowerCase()))
        .slice(0, top)
        .map((g) => ({ id: g.id, displayName: g.displayName }));
      return this.ok({ '@odata.context': `${this.base}/v1.0/$metadata#groups(id,displayName)`, value });
    }
    if (method === 'GET' && (m = route(/^\/users\/([^/]+)$/))) {
      const user = this.findUser(tenant, m[1] ?? '');
      if (!user)
        return graphError(
          404,
          `Resource '${m[1]}' does not exist or one of its queried reference-property objects are not present.`,
        );
      return this.ok({
        '@odata.context': `${this.base}/v1.0/$metadata#users/$entity`,
        ...selected(userObject(user), query.get('$select'), USER_PROPERTIES),
      });
    }
    if (method === 'POST' && (m = route(/^\/users\/([^/]+)\/checkMemberGroups$/))) {
      const user = this.findUser(tenant, m[1] ?? '');
      if (!user)
        return graphError(
          404,
          `Resource '${m[1]}' does not exist or one of its queried reference-property objects are not present.`,
        );
      const groupIds = (body as { groupIds?: unknown })?.groupIds;
      if (!Array.isArray(groupIds) || groupIds.length > 20)
        return graphError(
          400,
          'The number of groupIds in the request exceeds the limit of 20.',
          'Request_BadRequest',
        );
      const value = groupIds.filter((id): id is string => {
        const group = typeof id === 'string' ? this.findGroup(tenant, id) : undefined;
        return !!group && this.isTransitiveMember(tenant, group, user.id);
      });
      return this.ok({ '@odata.context': `${this.base}/v1.0/$metadata#Collection(Edm.String)`, value });
    }
    if (method === 'GET' && (m = route(/^\/users\/([^/]+)\/managedDevices$/))) {
      const user = this.findUser(tenant, m[1] ?? '');
      if (!user)
        return graphError(
          404,
          `Resource '${m[1]}' does not exist or one of its queried reference-property objects are not present.`,
        );
      const value = (tenant.devices ?? [])
        .filter((d) => d.userId === user.id)
        .map((d) => selected({ ...d }, query.get('$select'), ['userId', 'operatingSystem']));
      return this.ok({
        '@odata.context': `${this.base}/v1.0/$metadata#users('${user.id}')/managedDevices`,
        value,
      });
    }
    if (method === 'GET' && path === `${V1}/deviceManagement/managedDevices`) {
      const devices = tenant.devices ?? [];
      const value = devices
        .slice(offset, offset + top)
        .map((d) => selected({ ...d }, query.get('$select'), ['userId', 'operatingSystem']));
      const next = offset + top < devices.length ? this.nextLink(path, query, offset + top) : null;
      return this.ok({
        '@odata.context': `${this.base}/v1.0/$metadata#deviceManagement/managedDevices`,
        ...(next ? { '@odata.nextLink': next } : {}),
        value,
      });
    }
    if (method === 'GET' && path === `${V1}/appCatalogs/teamsApps`) {
      const denied = this.denied(tenant, 'AppCatalog.Read.All', 'AppCatalog.ReadWrite.All');
      if (denied) return denied;
      const filter = /^externalId eq '((?:[^']|'')*)'$/.exec(query.get('$filter') ?? '');
      if (query.has('$filter') && !filter)
        return graphError(400, `Invalid filter clause: ${query.get('$filter')}`, 'BadRequest');
      const externalId = filter?.[1]?.replace(/''/g, "'");
      const value = (tenant.teamsApps ?? []).filter(
        (a) => externalId === undefined || a.externalId.toLowerCase() === externalId.toLowerCase(),
      );
      return this.ok({ '@odata.context': `${this.base}/v1.0/$metadata#appCatalogs/teamsApps`, value });
    }
    if (method === 'POST' && (m = route(/^\/users\/([^/]+)\/teamwork\/installedApps$/))) {
      const denied = this.denied(
        tenant,
        'TeamsAppInstallation.ReadWriteSelfForUser.All',
        'TeamsAppInstallation.ReadWriteForUser.All',
      );
      if (denied) return denied;
      return this.installApp(tenantId, tenant, m[1] ?? '', body);
    }
    if ((m = route(/^\/deviceAppManagement\/mobileApps\/([^/]+)\/assignments$/))) {
      const appId = m[1] ?? '';
      const assignments = tenant.apps?.[appId];
      if (!assignments) return graphError(404, `Resource '${appId}' does not exist.`, 'ResourceNotFound');
      if (method === 'GET')
        return this.ok({
          '@odata.context': `${this.base}/v1.0/$metadata#deviceAppManagement/mobileApps('${appId}')/assignments`,
          value: assignments,
        });
      if (method === 'POST') return this.createAssignment(appId, assignments, body);
    }
    return graphError(400, `Unsupported request: ${method} ${path}`);
  }

  /**
   * A 403 as Graph answers a token without the permission (nor one that covers it): the
   * endpoints proactive install uses check their roles; the older routes leave that to the tests.
   */
  private denied(tenant: FakeTenant, ...roles: string[]): Reply | null {
    const granted = new Set(tenant.roles.map((r) => r.toLowerCase()));
    return roles.some((r) => granted.has(r.toLowerCase())) ? null : graphError(403);
  }

  /**
   * POST /users/{id}/teamwork/installedApps: 201 with no body, 409 Conflict when the user has the
   * app already, 404 for an unknown user, 400 for a bind that names no app of the catalog.
   */
  private installApp(tenantId: string, tenant: FakeTenant, userId: string, body: unknown): Reply {
    const user = this.findUser(tenant, userId);
    if (!user)
      return graphError(
        404,
        `Resource '${userId}' does not exist or one of its queried reference-property objects are not present.`,
      );
    const bind = (body as Record<string, unknown> | undefined)?.['teamsApp@odata.bind'];
    const appId =
      typeof bind === 'string' ? /\/v1\.0\/appCatalogs\/teamsApps\/([^/]+)$/.exec(bind)?.[1] : undefined;
    const app = (tenant.teamsApps ?? []).find((a) => a.id === (appId && decodeURIComponent(appId)));
    if (!app) return graphError(400, `teamsApp@odata.bind names no app of the catalog: ${String(bind)}`);
    const installed = (tenant.installedApps ??= []);
    const id = user.id.toLowerCase();
    if (installed.some((i) => i.userId === id && i.teamsAppId === app.id))
      return graphError(409, 'The app is already installed for the user.', 'Conflict');
    installed.push({ userId: id, teamsAppId: app.id });
    this.installs.push({ tenantId, userId: id, teamsAppId: app.id });
    return { status: 201 };
  }

  /**
   * POST …/assignments. Graph's docs do not say what a second assignment of the same group does;
   * this fake answers 400 BadRequest (the adapter reads the assignments first and never sends one).
   */
  private createAssignment(appId: string, assignments: FakeAssignment[], body: unknown): Reply {
    const { intent, target } = (body ?? {}) as Partial<FakeAssignment>;
    if (typeof intent !== 'string' || !target?.groupId)
      return graphError(400, 'intent and target.groupId are required');
    if (assignments.some((a) => a.target.groupId === target.groupId))
      return graphError(400, `An assignment of app ${appId} to group ${target.groupId} already exists.`);
    const created: FakeAssignment = {
      id: `${target.groupId}_${assignments.length}_0`,
      intent,
      target: {
        '@odata.type': target['@odata.type'] ?? '#microsoft.graph.groupAssignmentTarget',
        groupId: target.groupId,
      },
      settings: null,
    };
    assignments.push(created);
    return {
      status: 201,
      body: {
        '@odata.context': `${this.base}/v1.0/$metadata#deviceAppManagement/mobileApps('${appId}')/assignments/$entity`,
        '@odata.type': '#microsoft.graph.mobileAppAssignment',
        ...created,
      },
    };
  }

  private batch(tenantId: string, headers: Record<string, string>, body: unknown): Reply {
    const requests = (body as { requests?: unknown })?.requests;
    if (!Array.isArray(requests) || requests.length === 0)
      return graphError(400, 'Invalid batch payload format.', 'BadRequest');
    if (requests.length > 20)
      return graphError(400, 'Number of batch request steps exceeds the maximum number of 20.', 'BadRequest');
    const responses = (
      requests as {
        id: string;
        method: string;
        url: string;
        body?: unknown;
        headers?: Record<string, string>;
      }[]
    ).map((request) => {
      const url = new URL(`${V1}${request.url.startsWith('/') ? '' : '/'}${request.url}`, this.base);
      const reply = this.handle(
        tenantId,
        request.method,
        url.pathname,
        url.searchParams,
        { ...headers, ...lower(request.headers ?? {}) },
        request.body,
        true,
      ) as Reply;
      return {
        id: request.id,
        status: reply.status,
        headers: { 'Content-Type': 'application/json', ...reply.headers },
        body: reply.body,
      };
    });
    return this.ok({ responses });
  }

  private ok(body: unknown): Reply {
    return { status: 200, body };
  }

  private nextLink(path: string, query: URLSearchParams, offset: number): string {
    const next = new URLSearchParams(query);
    next.set('$skiptoken', Buffer.from(String(offset)).toString('base64url'));
    return `${this.base}${path}?${next.toString().replace(/%24/g, '$').replace(/%2C/g, ',')}`;
  }

  private findGroup(tenant: FakeTenant, id: string): FakeGroup | undefined {
    return tenant.groups?.find((g) => g.id.toLowerCase() === id.toLowerCase());
  }

  private findUser(tenant: FakeTenant, id: string): FakeUser | undefined {
    const user = tenant.users?.find((u) => u.id.toLowerCase() === id.toLowerCase());
    if (user) return user;
    const match = GENERATED.exec(id);
    const index = match ? parseInt(match[2] ?? '', 16) : -1;
    const group = tenant.groups?.find(
      (g) => g.id.slice(0, 8).toLowerCase() === match?.[1]?.toLowerCase() && index < (g.generated ?? 0),
    );
    return group && generatedUser(group.id, index);
  }

  /** Explicit transitive members (nested groups walked once), then each group's generated users. */
  private transitiveMembers(tenant: FakeTenant, root: FakeGroup): MemberList {
    const explicit: Member[] = [];
    const generated: FakeGroup[] = [];
    const seen = new Set<string>();
    const walk = (group: FakeGroup) => {
      if (group.generated) generated.push(group);
      for (const id of group.members ?? []) {
        if (seen.has(id.toLowerCase())) continue;
        seen.add(id.toLowerCase());
        const user = tenant.users?.find((u) => u.id === id);
        const nested = this.findGroup(tenant, id);
        const other = tenant.others?.find((o) => o.id === id);
        if (user) explicit.push({ kind: 'user', user });
        else if (nested) {
          explicit.push({ kind: 'group', group: nested });
          walk(nested);
        } else if (other) explicit.push({ kind: 'other', ...other });
      }
    };
    seen.add(root.id.toLowerCase());
    walk(root);
    const length = explicit.length + generated.reduce((n, g) => n + (g.generated ?? 0), 0);
    return {
      length,
      at(i) {
        if (i < explicit.length) return explicit[i] as Member;
        let rest = i - explicit.length;
        for (const group of generated) {
          if (rest < (group.generated ?? 0)) return { kind: 'user', user: generatedUser(group.id, rest) };
          rest -= group.generated ?? 0;
        }
        throw new RangeError(`member ${i} of ${length}`);
      },
    };
  }

  private isTransitiveMember(tenant: FakeTenant, group: FakeGroup, userId: string): boolean {
    const id = userId.toLowerCase();
    const generatedIn = (g: FakeGroup) => {
      const match = GENERATED.exec(id);
      return (
        !!match &&
        match[1] === g.id.slice(0, 8).toLowerCase() &&
        parseInt(match[2] ?? '', 16) < (g.generated ?? 0)
      );
    };
    if (generatedIn(group)) return true;
    const list = this.transitiveMembers(tenant, { ...group, generated: 0 });
    for (let i = 0; i < list.length; i++) {
      const member = list.at(i);
      if (member.kind === 'user' && member.user.id.toLowerCase() === id) return true;
      if (member.kind === 'group' && generatedIn(member.group)) return true;
    }
    return false;
  }

  private memberObject(member: Member, select: string | null): Record<string, unknown> {
    if (member.kind === 'user')
      return {
        '@odata.type': '#microsoft.graph.user',
        ...selected(userObject(member.user), select, USER_PROPERTIES),
      };
    if (member.kind === 'group')
      return {
        '@odata.type': '#microsoft.graph.group',
        ...selected({ id: member.group.id, displayName: member.group.displayName }, select, ['displayName']),
      };
    return { '@odata.type': member.type, id: member.id };
  }
}

const lower = (headers: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

const flatHeaders = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
  );

/**
 * A fetch over node:https that trusts the test CA, for the Graph client in tests: Node's own fetch
 * (undici) reads NODE_EXTRA_CA_CERTS only at start and takes no CA per call without undici's
 * Agent, which Node does not export. Enough of fetch for the client: string bodies, a signal.
 */
export const trustingFetch =
  (ca: string = TEST_CA_PEM): typeof fetch =>
  (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const request = httpsRequest(
        url,
        {
          method: init.method ?? 'GET',
          headers: Object.fromEntries(new Headers(init.headers).entries()),
          ca,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 500;
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, headers: flatHeaders(res.headers) }));
          });
        },
      );
      request.on('error', reject);
      if (init.body !== undefined && init.body !== null) request.write(String(init.body));
      request.end();
    });

/** The Graph settings of a multi-tenant bot pointed at `fake` (GRAPH_AUTH=secret). */
export const fakeGraphConfig = (fake: FakeGraph) => ({
  GRAPH_AUTH: 'secret' as const,
  GRAPH_BASE_URL: fake.url,
  GRAPH_AUTHORITY_HOST: fake.url,
  GRAPH_MANAGED_IDENTITY_CLIENT_ID: undefined,
  MicrosoftAppId: '11111111-2222-4333-8444-555555555555',
  MicrosoftAppPassword: fake.clientSecret,
  MicrosoftAppType: 'MultiTenant' as const,
  MicrosoftAppTenantId: undefined,
  INTUNE_ASSIGN: false,
});

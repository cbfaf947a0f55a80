/**
 * The dashboard tab's JSON API (`/api/tab/...`, shapes in `api-types.ts`): every request is
 * authenticated (a Teams SSO token, or the local loopback mode), its roles resolved as a turn's,
 * and answered from the same query and use cases as the cards within a deadline. The reads are
 * here; the changes in `tab-changes.ts`; what every route shares in `tab-http.ts`.
 */
import type { Server } from 'restify';
import { dashboardList, rolloutDashboard, type Viewer } from '../app/dashboard';
import type { Deps, Log } from '../app/ports';
import { resolveRollout } from '../app/queries';
import { AUDIT_KINDS } from '../domain/events';
import { isAdmin, type Person } from '../domain/roles';
import { LIMITS } from '../http/limits';
import type { InFlight } from '../in-flight';
import type {
  AuditResponse,
  DashboardResponse,
  LookupResponse,
  MeResponse,
  RolloutsResponse,
} from './api-types';
import { auditEntryView, dashboardJson, rolloutRow } from './dashboard-json';
import { registerTabChanges } from './tab-changes';
import {
  HttpError,
  NOT_FOUND,
  personFilter,
  queryText,
  rolloutIdOf,
  routeMaker,
  type TabIdentify,
} from './tab-http';

export type { TabIdentify } from './tab-http';

/** The local mode's person (no sign-in: the bot listens on loopback and authenticates nothing). */
export const LOCAL_PERSON: Person = Object.freeze({ id: 'local-user', name: 'Local user' });

export const localIdentity = (tenantId: string): TabIdentify => ({
  mode: 'local',
  identify: async () => ({ ok: true, identity: { tenantId, person: { ...LOCAL_PERSON } } }),
});

const AUDIT_PAGE = 50;

export interface TabApiOptions {
  deps: Deps;
  auth: TabIdentify;
  inFlight: InFlight;
  log: Log;
  /** Reads answer within this (default: a message's budget); writes within a card action's. */
  readMs?: number;
  writeMs?: number;
}

export const registerTabApi = (server: Server, options: TabApiOptions): void => {
  const { deps, auth } = options;
  const readMs = options.readMs ?? LIMITS.messageDeadlineMs;
  const writeMs = options.writeMs ?? LIMITS.invokeDeadlineMs;

  const route = routeMaker(options);

  const dashboardOf = async (viewer: Viewer, rolloutId: string) => {
    const dashboard = await rolloutDashboard(deps, viewer, rolloutId);
    if (!dashboard) throw new HttpError(404, 'NotFound', NOT_FOUND);
    return dashboard;
  };

  server.get(
    '/api/tab/me',
    route(readMs, async (_req, viewer) => {
      const body: MeResponse = {
        tenantId: viewer.tenantId,
        user: { id: viewer.person.id, name: viewer.person.name },
        admin: isAdmin(viewer.person, viewer.access, null),
        mode: auth.mode,
      };
      return { body };
    }),
  );

  server.get(
    '/api/tab/rollouts',
    route(readMs, async (_req, viewer) => {
      const list = await dashboardList(deps, viewer);
      const body: RolloutsResponse = { scope: list.scope, rollouts: list.rollouts.map(rolloutRow) };
      return { body };
    }),
  );

  // Any rollout of the tenant by id or name, as `status {name}` finds it.
  server.get(
    '/api/tab/rollouts/lookup',
    route(readMs, async (req, viewer) => {
      const name = queryText(req, 'name');
      if (!name) throw new HttpError(400, 'BadRequest', 'Give the rollout’s name.');
      const found = await resolveRollout(deps, { tenantId: viewer.tenantId, conversationId: '', ref: name });
      if (found.kind === 'none') throw new HttpError(404, 'NotFound', found.message);
      if (found.kind === 'many') {
        throw new HttpError(
          409,
          'Ambiguous',
          `${found.rollouts.length} rollouts have that name: open one from the list.`,
        );
      }
      const body: LookupResponse = { id: found.rolloutId };
      return { body };
    }),
  );

  server.get(
    '/api/tab/rollouts/:id',
    route(readMs, async (req, viewer) => {
      const body: DashboardResponse = dashboardJson(
        await dashboardOf(viewer, rolloutIdOf(req)),
        deps.sealer,
        deps.clock.now(),
      );
      return { body };
    }),
  );

  server.get(
    '/api/tab/rollouts/:id/audit',
    route(readMs, async (req, viewer) => {
      const rolloutId = rolloutIdOf(req);
      const kind = queryText(req, 'kind');
      if (kind && !(AUDIT_KINDS as readonly string[]).includes(kind)) {
        throw new HttpError(400, 'BadRequest', `“${kind}” is not a kind of audit entry.`);
      }
      if (!(await deps.rollouts.get(viewer.tenantId, rolloutId)))
        throw new HttpError(404, 'NotFound', NOT_FOUND);
      let page;
      try {
        page = await deps.rollouts.auditPage(viewer.tenantId, rolloutId, {
          limit: AUDIT_PAGE,
          cursor: queryText(req, 'cursor'),
          kind,
          // A person by id (as Teams gives it) or by the name the log shows.
          ...personFilter(queryText(req, 'person')),
        });
      } catch (err) {
        if (err instanceof Error && err.name === 'InvalidCursorError') {
          throw new HttpError(400, 'BadRequest', 'That page of the audit log is not this rollout’s: reload.');
        }
        throw err;
      }
      const body: AuditResponse = {
        entries: page.entries.map(auditEntryView),
        next: page.next,
        kinds: [...AUDIT_KINDS],
      };
      return { body };
    }),
  );
  registerTabChanges(server, { deps, inFlight: options.inFlight, route, writeMs });
};

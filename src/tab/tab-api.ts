/**
 * The dashboard tab's JSON API (`/api/tab/...`, shapes in `api-types.ts`): every request is
 * authenticated (a Teams SSO token, or the local loopback mode), its roles resolved as a turn's,
 * and answered from the same query and use cases as the cards within a deadline.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response, Server } from 'restify';
import { dashboardList, rolloutDashboard, viewerAccess, type Viewer } from '../app/dashboard';
import { timeLimit } from '../app/deadline';
import { feedbackPersonKey } from '../app/feedback-keys';
import { openIssueRef } from '../app/issue-ref';
import { refuseNonAdmin } from '../app/mutate';
import type { Deps, Log } from '../app/ports';
import { resolveRollout } from '../app/queries';
import { resolveIssue } from '../app/resolve-issue';
import { submitFeedback } from '../app/submit-feedback';
import { AUDIT_KINDS } from '../domain/events';
import { MAX_RESOLUTION_NOTE_LENGTH } from '../domain/feedback';
import { isAdmin, type Person } from '../domain/roles';
import { LIMITS } from '../http/limits';
import type { InFlight } from '../in-flight';
import { parseFeedbackForm } from '../teams/feedback-form';
import type {
  AuditResponse,
  DashboardResponse,
  ExportResponse,
  FeedbackResponse,
  LookupResponse,
  MeResponse,
  ResolveResponse,
  RolloutsResponse,
} from './api-types';
import { auditEntryView, dashboardJson, issueView, myAnswer, rolloutRow } from './dashboard-json';
import type { TokenCheck } from './entra-token';

/** Who a request is from: a validated token's identity, or the local mode's person. */
export interface TabIdentify {
  mode: 'sso' | 'local';
  identify(authorization: string | undefined): Promise<TokenCheck>;
}

/** The local mode's person (no sign-in: the bot listens on loopback and authenticates nothing). */
export const LOCAL_PERSON: Person = Object.freeze({ id: 'local-user', name: 'Local user' });

export const localIdentity = (tenantId: string): TabIdentify => ({
  mode: 'local',
  identify: async () => ({ ok: true, identity: { tenantId, person: { ...LOCAL_PERSON } } }),
});

export interface TabApiOptions {
  deps: Deps;
  auth: TabIdentify;
  inFlight: InFlight;
  log: Log;
  /** Reads answer within this (default: a message's budget); writes within a card action's. */
  readMs?: number;
  writeMs?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

const NOT_FOUND = 'No rollout with that id in your organisation.';
const TRY_AGAIN = 'The dashboard could not be read just now: try again in a moment.';
const MAX_ID_CHARS = 100;
const MAX_QUERY_CHARS = 200;
const AUDIT_PAGE = 50;

const send = (res: Response, status: number, body: unknown): void => {
  res.header('Cache-Control', 'no-store');
  res.header('X-Content-Type-Options', 'nosniff');
  res.json(status, body);
};

const sendHttpError = (res: Response, err: HttpError): void =>
  send(res, err.status, {
    error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) },
  });

const query = (req: Request): URLSearchParams => new URL(req.url ?? '', 'http://localhost').searchParams;

const queryText = (req: Request, name: string): string | null => {
  const value = query(req).get(name);
  if (value === null || value.trim() === '') return null;
  if (value.length > MAX_QUERY_CHARS) throw new HttpError(400, 'BadRequest', `“${name}” is too long.`);
  return value.trim();
};

const rolloutIdOf = (req: Request): string => {
  const id = String((req.params as Record<string, unknown> | undefined)?.id ?? '');
  if (!id || id.length > MAX_ID_CHARS) throw new HttpError(404, 'NotFound', NOT_FOUND);
  return id.toLowerCase();
};

const bodyOf = (req: Request): Record<string, unknown> => {
  const body: unknown = req.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'BadRequest', 'The request needs a JSON object body.');
  }
  return body as Record<string, unknown>;
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const personFilter = (person: string | null): { personId?: string; personName?: string } =>
  person === null ? {} : GUID.test(person) ? { personId: person } : { personName: person };

/** A retry of the same change (`Idempotency-Key`, a UUID the page makes per change) acts once. */
const activityKeyOf = (req: Request, viewer: Viewer): string => {
  const key = req.header('idempotency-key') ?? '';
  const id = /^[0-9a-f-]{8,64}$/i.test(key) ? key.toLowerCase() : randomUUID();
  return `tab:${viewer.person.id}:${id}`;
};

/** The tab's feedback answer as the card's form fields (one set of rules and messages for both). */
const formValues = (answer: unknown): Record<string, unknown> => {
  if (!answer || typeof answer !== 'object' || Array.isArray(answer)) return {};
  return Object.fromEntries(
    Object.entries(answer as Record<string, unknown>).map(([k, v]) => [
      k,
      typeof v === 'number' || typeof v === 'boolean' ? String(v) : v,
    ]),
  );
};

export const registerTabApi = (server: Server, options: TabApiOptions): void => {
  const { deps, auth, log } = options;
  const readMs = options.readMs ?? LIMITS.messageDeadlineMs;
  const writeMs = options.writeMs ?? LIMITS.invokeDeadlineMs;

  const viewerOf = async (req: Request): Promise<Viewer> => {
    const checked = await auth.identify(req.header('authorization') || undefined);
    if (!checked.ok) throw new HttpError(checked.status, checked.code, checked.message);
    const { tenantId, person } = checked.identity;
    return { tenantId, person, access: await viewerAccess(deps, tenantId, person) };
  };

  /** One route: authenticated, within its deadline, errors as `{ error }` (never a stack). */
  const route =
    (ms: number, handle: (req: Request, viewer: Viewer) => Promise<{ status?: number; body: unknown }>) =>
    async (req: Request, res: Response): Promise<void> => {
      const work = (async () => handle(req, await viewerOf(req)))();
      void options.inFlight.track(() => work.catch(() => undefined));
      try {
        const { status = 200, body } = await timeLimit(
          work,
          ms,
          () => new HttpError(503, 'Timeout', 'That took too long: try again in a moment.'),
        );
        send(res, status, body);
      } catch (err) {
        if (err instanceof HttpError) {
          if (err.status === 401) res.header('WWW-Authenticate', 'Bearer error="invalid_token"');
          return sendHttpError(res, err);
        }
        log.error({ err, path: req.path() }, 'tab request failed');
        sendHttpError(res, new HttpError(503, 'Unavailable', TRY_AGAIN));
      }
    };

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

  // Admins resolve (with a note) or reopen a blocker or major issue, audited as on the card.
  server.post(
    '/api/tab/rollouts/:id/issues',
    route(writeMs, async (req, viewer) => {
      const rolloutId = rolloutIdOf(req);
      const body = bodyOf(req);
      const { ref, resolved, note } = body;
      if (typeof ref !== 'string' || ref.length > 2000 || typeof resolved !== 'boolean') {
        throw new HttpError(400, 'BadRequest', 'Give the issue’s ref and whether it is resolved.');
      }
      const text = typeof note === 'string' ? note : '';
      if (text.length > MAX_RESOLUTION_NOTE_LENGTH) {
        throw new HttpError(
          400,
          'BadRequest',
          `A note has at most ${MAX_RESOLUTION_NOTE_LENGTH} characters.`,
          {
            note: `At most ${MAX_RESOLUTION_NOTE_LENGTH} characters.`,
          },
        );
      }
      const opened = openIssueRef(deps.sealer, viewer.tenantId, rolloutId, ref);
      if (!opened) throw new HttpError(400, 'BadRequest', 'That issue reference is not valid here: reload.');
      const outcome = await resolveIssue(
        { ...deps, access: viewer.access },
        { tenantId: viewer.tenantId, rolloutId, by: viewer.person, resolved, note: text, ...opened },
      );
      if (outcome.kind === 'forbidden') throw new HttpError(403, 'Forbidden', outcome.message);
      if (outcome.kind === 'not-found') throw new HttpError(404, 'NotFound', outcome.message);
      if (outcome.kind === 'refused')
        throw new HttpError(400, 'Refused', outcome.message, { note: outcome.message });
      const response: ResolveResponse = {
        outcome: outcome.kind,
        message: outcome.message,
        issue: issueView(outcome.rollout, outcome.entry, true, deps.sealer),
      };
      return { body: response };
    }),
  );

  // The viewer's own answer for the current stage: the card's rules, a retry stored once.
  server.put(
    '/api/tab/rollouts/:id/feedback',
    route(writeMs, async (req, viewer) => {
      const rolloutId = rolloutIdOf(req);
      const body = bodyOf(req);
      const stageId = typeof body.stageId === 'string' ? body.stageId.slice(0, 200) : '';
      const parsed = parseFeedbackForm(formValues(body.answer));
      if (!parsed.ok) {
        throw new HttpError(
          400,
          'Invalid',
          'Some answers need another look.',
          parsed.errors as Record<string, string>,
        );
      }
      const outcome = await submitFeedback(
        { ...deps, access: viewer.access },
        {
          tenantId: viewer.tenantId,
          rolloutId,
          stageId,
          by: viewer.person,
          activityKey: activityKeyOf(req, viewer),
          answer: parsed.answer,
        },
      );
      if (outcome.kind === 'not-found') throw new HttpError(404, 'NotFound', NOT_FOUND);
      if (outcome.kind === 'refused') throw new HttpError(403, 'Refused', outcome.message);
      if (outcome.kind === 'stored' && outcome.notice) {
        const notice = outcome.notice;
        void options.inFlight.track(async () => deps.notices.enqueue(notice));
      }
      const stored = await deps.feedback.get(
        viewer.tenantId,
        outcome.rollout.id,
        stageId,
        feedbackPersonKey(outcome.rollout.id, viewer.person.id),
      );
      const response: FeedbackResponse = {
        message:
          outcome.kind === 'stored' ? 'Thanks: your answer is saved.' : 'Your answer was already saved.',
        mine: myAnswer(outcome.rollout, {
          stageId,
          entry: stored?.value ?? outcome.entry,
          open: true,
          reason: null,
        }),
      };
      return { body: response };
    }),
  );

  // Admins: a signed, single-use CSV link (the export page), as `feedback export` sends.
  server.post(
    '/api/tab/rollouts/:id/export',
    route(writeMs, async (req, viewer) => {
      const rolloutId = rolloutIdOf(req);
      const rollout = (await deps.rollouts.get(viewer.tenantId, rolloutId))?.value;
      if (!rollout) throw new HttpError(404, 'NotFound', NOT_FOUND);
      if (!isAdmin(viewer.person, viewer.access, rollout)) {
        const refused = await refuseNonAdmin(
          { ...deps, access: viewer.access },
          viewer.tenantId,
          rollout.id,
          viewer.person,
          'feedback export (dashboard)',
          activityKeyOf(req, viewer),
        );
        throw new HttpError(403, 'Forbidden', refused.message);
      }
      const body: ExportResponse = deps.exportLinks.issue(viewer.tenantId, rollout.id);
      return { body };
    }),
  );
};

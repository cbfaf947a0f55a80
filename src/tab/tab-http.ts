/** What every tab route shares: its errors, its answers, reading its input, and `route` itself. */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'restify';
import { viewerAccess, type Viewer } from '../app/dashboard';
import { timeLimit } from '../app/deadline';
import type { Deps, Log } from '../app/ports';
import type { InFlight } from '../in-flight';
import type { TokenCheck } from './entra-token';

/** Who a request is from: a validated token's identity, or the local mode's person. */
export interface TabIdentify {
  mode: 'sso' | 'local';
  identify(authorization: string | undefined): Promise<TokenCheck>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

export const NOT_FOUND = 'No rollout with that id in your organisation.';
const TRY_AGAIN = 'The dashboard could not be read just now: try again in a moment.';
const MAX_ID_CHARS = 100;
const MAX_QUERY_CHARS = 200;

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

export const queryText = (req: Request, name: string): string | null => {
  const value = query(req).get(name);
  if (value === null || value.trim() === '') return null;
  if (value.length > MAX_QUERY_CHARS) throw new HttpError(400, 'BadRequest', `“${name}” is too long.`);
  return value.trim();
};

export const rolloutIdOf = (req: Request): string => {
  const id = String((req.params as Record<string, unknown> | undefined)?.id ?? '');
  if (!id || id.length > MAX_ID_CHARS) throw new HttpError(404, 'NotFound', NOT_FOUND);
  return id.toLowerCase();
};

export const bodyOf = (req: Request): Record<string, unknown> => {
  const body: unknown = req.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'BadRequest', 'The request needs a JSON object body.');
  }
  return body as Record<string, unknown>;
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const personFilter = (person: string | null): { personId?: string; personName?: string } =>
  person === null ? {} : GUID.test(person) ? { personId: person } : { personName: person };

/** A retry of the same change (`Idempotency-Key`, a UUID the page makes per change) acts once. */
export const activityKeyOf = (req: Request, viewer: Viewer): string => {
  const key = req.header('idempotency-key') ?? '';
  const id = /^[0-9a-f-]{8,64}$/i.test(key) ? key.toLowerCase() : randomUUID();
  return `tab:${viewer.person.id}:${id}`;
};

/** The tab's feedback answer as the card's form fields (one set of rules and messages for both). */
export const formValues = (answer: unknown): Record<string, unknown> => {
  if (!answer || typeof answer !== 'object' || Array.isArray(answer)) return {};
  return Object.fromEntries(
    Object.entries(answer as Record<string, unknown>).map(([k, v]) => [
      k,
      typeof v === 'number' || typeof v === 'boolean' ? String(v) : v,
    ]),
  );
};

/** What one route does: the viewer is authenticated and their roles resolved before `handle`. */
export type Handle = (req: Request, viewer: Viewer) => Promise<{ status?: number; body: unknown }>;

/** One route: authenticated, within its deadline, errors as `{ error }` (never a stack). */
export const routeMaker = (options: { deps: Deps; auth: TabIdentify; inFlight: InFlight; log: Log }) => {
  const { deps, auth, log } = options;
  const viewerOf = async (req: Request): Promise<Viewer> => {
    const checked = await auth.identify(req.header('authorization') || undefined);
    if (!checked.ok) throw new HttpError(checked.status, checked.code, checked.message);
    const { tenantId, person } = checked.identity;
    return { tenantId, person, access: await viewerAccess(deps, tenantId, person) };
  };
  return (ms: number, handle: Handle) =>
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
};

export type Route = ReturnType<typeof routeMaker>;

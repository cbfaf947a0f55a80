import type {
  ApiError,
  AuditResponse,
  DashboardResponse,
  ExportResponse,
  FeedbackRequest,
  FeedbackResponse,
  LookupResponse,
  MeResponse,
  ResolveRequest,
  ResolveResponse,
  RolloutsResponse,
} from '../../src/tab/api-types';
import { apiUrl } from './urls';

/** Every request has a deadline: a slow or hung server ends in a clear error, not a spinner forever. */
export const REQUEST_TIMEOUT_MS = 20_000;

/** The bearer token source: null in the browser (local mode needs none). */
export interface TokenSource {
  /** `fresh`: ask the host again (after a 401) rather than reuse the one it gave. */
  token(fresh: boolean): Promise<string>;
}

/** A failed API call: `message` is what to show the person. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

const isApiError = (body: unknown): body is ApiError =>
  typeof body === 'object' &&
  body !== null &&
  typeof (body as { error?: unknown }).error === 'object' &&
  (body as ApiError).error !== null &&
  typeof (body as ApiError).error.message === 'string';

const fallbackMessage = (status: number): string => {
  if (status === 401) return 'You are not signed in, or your sign-in has expired. Reload the tab.';
  if (status === 403) return 'You do not have access to this.';
  if (status === 404) return 'Not found.';
  if (status === 429) return 'Too many requests. Wait a moment and try again.';
  if (status >= 500) return 'The Rollout Coordinator service is unavailable. Try again in a moment.';
  return `The request failed (HTTP ${status}).`;
};

export class ApiClient {
  constructor(
    private readonly tokens: TokenSource | null,
    private readonly href: () => string = () => location.href,
  ) {}

  me(): Promise<MeResponse> {
    return this.request('GET', 'me');
  }

  rollouts(): Promise<RolloutsResponse> {
    return this.request('GET', 'rollouts');
  }

  lookup(name: string): Promise<LookupResponse> {
    return this.request('GET', `rollouts/lookup?${new URLSearchParams({ name }).toString()}`);
  }

  dashboard(id: string): Promise<DashboardResponse> {
    return this.request('GET', `rollouts/${encodeURIComponent(id)}`);
  }

  audit(id: string, query: { kind: string; person: string; cursor: string | null }): Promise<AuditResponse> {
    const params = new URLSearchParams();
    if (query.kind !== '') params.set('kind', query.kind);
    if (query.person.trim() !== '') params.set('person', query.person.trim());
    if (query.cursor !== null) params.set('cursor', query.cursor);
    const qs = params.toString();
    return this.request('GET', `rollouts/${encodeURIComponent(id)}/audit${qs === '' ? '' : `?${qs}`}`);
  }

  resolve(id: string, body: ResolveRequest): Promise<ResolveResponse> {
    return this.request('POST', `rollouts/${encodeURIComponent(id)}/issues`, body);
  }

  saveFeedback(id: string, body: FeedbackRequest): Promise<FeedbackResponse> {
    return this.request('PUT', `rollouts/${encodeURIComponent(id)}/feedback`, body);
  }

  exportCsv(id: string): Promise<ExportResponse> {
    return this.request('POST', `rollouts/${encodeURIComponent(id)}/export`, {});
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    // One key per change, the same on a resend (after a 401): the server acts on it once.
    const key = method === 'GET' ? null : newKey();
    let response = await this.send(method, path, body, false, key);
    if (response.status === 401 && this.tokens !== null)
      response = await this.send(method, path, body, true, key);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      if (isApiError(parsed)) {
        throw new ApiFailure(
          response.status,
          parsed.error.code,
          parsed.error.message,
          parsed.error.fields ?? {},
        );
      }
      throw new ApiFailure(response.status, 'http', fallbackMessage(response.status));
    }
    if (parsed === null)
      throw new ApiFailure(response.status, 'bad-response', 'The service sent an unreadable answer.');
    return parsed as T;
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    freshToken: boolean,
    idempotencyKey: string | null,
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (idempotencyKey !== null) headers['Idempotency-Key'] = idempotencyKey;
    if (this.tokens !== null) {
      let token: string;
      try {
        token = await this.tokens.token(freshToken);
      } catch (error) {
        throw new ApiFailure(401, 'no-token', `Teams could not sign you in to this tab: ${describe(error)}`);
      }
      headers.Authorization = `Bearer ${token}`;
    }
    try {
      return await fetch(apiUrl(path, this.href()), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new ApiFailure(0, 'timeout', 'The service did not answer in time. Try again.');
      }
      throw new ApiFailure(
        0,
        'network',
        'Could not reach the Rollout Coordinator service. Check your connection.',
      );
    }
  }
}

/** A random UUID (v4) for `Idempotency-Key`. */
const newKey = (): string => {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

export const describe = (error: unknown): string => {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return 'unknown error';
};

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  conversationId: string | null;
  /** The activity id in the path: the activity replied to or updated. */
  activityId: string | null;
  body: Record<string, unknown>;
  /** The id the service gave a new message or conversation (its ResourceResponse). */
  answeredId?: string;
  /** The Authorization header the bot sent (`Bearer <its own token>` when authenticated). */
  authorization?: string;
}

export interface SentActivity {
  type?: string;
  text?: string;
  attachments?: { contentType: string; content: Record<string, unknown> }[];
  [key: string]: unknown;
}

/**
 * A local stand-in for the Bot Connector service (the activity's serviceUrl): it accepts what
 * the documented REST API accepts (send, reply, update, create conversation), answers with
 * ResourceResponse ids, and records every call for the test to inspect.
 */
export class FakeConnector {
  readonly calls: RecordedCall[] = [];
  private server: Server | null = null;
  private nextId = 1770744675001;
  private gate: Promise<void> | null = null;
  private arrivals: ((call: RecordedCall) => void)[] = [];
  private failures: { status: number; body: unknown; headers: Record<string, string> }[] = [];
  url = '';

  /**
   * The next calls fail as the service does, in order: e.g. the documented 429 with Retry-After,
   * or 403 MessageWritesBlocked (see test/fixtures/teams/connector-error-*.json).
   */
  failNext(...failures: { status: number; body: unknown; headers?: Record<string, string> }[]): void {
    this.failures.push(...failures.map((f) => ({ ...f, headers: f.headers ?? {} })));
  }

  /** Holds every response until the returned function is called (to catch the bot mid-turn). */
  hold(): () => void {
    let release: () => void = () => {};
    this.gate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.gate = null;
      release();
    };
  }

  /** Resolves with the next call the bot makes. */
  nextCall(): Promise<RecordedCall> {
    return new Promise((resolve) => this.arrivals.push(resolve));
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Messages the bot sent (new or replies), oldest first. */
  get sent(): SentActivity[] {
    return this.calls
      .filter((c) => c.method === 'POST' && c.conversationId !== null)
      .map((c) => c.body as SentActivity);
  }

  texts(): string[] {
    return this.sent.map((a) => a.text ?? '').filter(Boolean);
  }

  cards(): Record<string, unknown>[] {
    return this.sent.flatMap((a) => (a.attachments ?? []).map((att) => att.content));
  }

  clear(): void {
    this.calls.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown>;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return this.reply(res, 400, { error: { code: 'BadArgument', message: 'Invalid JSON' } });
    }
    // Match on the raw path, then decode each id: an id may hold an encoded `/` (%2F).
    const rawPath = (req.url ?? '').split('?')[0] ?? '';
    const match = /^\/v3\/conversations(?:\/([^/]+)\/activities(?:\/([^/]+))?)?\/?$/.exec(rawPath);
    const path = decodeURIComponent(rawPath);
    if (!match) return this.reply(res, 404, { error: { code: 'NotFound', message: path } });
    const [conversationId = null, activityId = null] = match
      .slice(1)
      .map((id) => (id === undefined ? null : decodeURIComponent(id)));
    const call: RecordedCall = { method: req.method ?? '', path, conversationId, activityId, body };
    if (req.headers.authorization !== undefined) call.authorization = req.headers.authorization;
    this.calls.push(call);
    for (const arrived of this.arrivals.splice(0)) arrived(call);
    if (this.gate) await this.gate;
    const failure = this.failures.shift();
    if (failure) return this.reply(res, failure.status, failure.body, failure.headers);
    if (req.method === 'POST' && !conversationId) {
      call.answeredId = `a:created-${this.nextId++}`;
      return this.reply(res, 201, { id: call.answeredId });
    }
    if (req.method === 'POST' || req.method === 'PUT') {
      call.answeredId = String(this.nextId++);
      return this.reply(res, 200, { id: call.answeredId });
    }
    return this.reply(res, 405, { error: { code: 'MethodNotAllowed', message: req.method ?? '' } });
  }

  private reply(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }
}

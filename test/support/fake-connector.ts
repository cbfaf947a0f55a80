import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SlidingWindows, TEAMS_CONVERSATION_LIMITS, type WindowLimit } from '../../bench/connector-limits';

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

// Teams' limits are the bench connector's (one implementation: bench/connector-limits.ts).
export { TEAMS_CONVERSATION_LIMITS, type WindowLimit };

/** A personal chat the fake created (createConversation with one member). */
export interface PersonalChat {
  conversationId: string;
  tenantId: string | null;
  memberId: string;
}

/** The error bodies the fake answers with, as the connector sends them. */
const errorBody = (code: string, message: string) => ({ error: { code, message } });
const BLOCKED = errorBody('MessageWritesBlocked', 'Thread is blocked from message writes.');
const NOT_FOUND = errorBody('ConversationNotFound', 'Conversation not found.');
const NOT_INSTALLED = errorBody('Forbidden', "The bot is not installed in the user's personal scope.");
const THROTTLED = errorBody('Throttled', 'Too many requests.');

/**
 * A local stand-in for the Bot Connector service (the activity's serviceUrl): it accepts what
 * the documented REST API accepts (send, reply, update, create conversation), answers with
 * ResourceResponse ids, and records every call for the test to inspect.
 *
 * As a personal-chat endpoint (announcements): createConversation with one member gives that
 * member's chat (the same id every time, as Teams does), refused for members without the app
 * once `requireInstall` is on; a member can block the bot, a chat can be gone (404); a tenant-wide
 * rate (`limitTenant`) and Teams' per-conversation limits (`enforceConversationLimits`) answer
 * 429 with Retry-After; messages are counted per conversation and member; `latencyMs` delays
 * every answer. It imports nothing of jest, so a benchmark can run it in a process of its own.
 */
export class FakeConnector {
  readonly calls: RecordedCall[] = [];
  private server: Server | null = null;
  private nextId = 1770744675001;
  private gate: Promise<void> | null = null;
  private arrivals: ((call: RecordedCall) => void)[] = [];
  private failures: { status: number; body: unknown; headers: Record<string, string> }[] = [];
  url = '';
  /** The fake's clock for the rate limits (ms). */
  now = (): number => Date.now();
  /** Delay before every answer (ms): a number, or one drawn per call. */
  latencyMs: number | (() => number) = 0;
  /** Personal chats by conversation id. */
  readonly chats = new Map<string, PersonalChat>();
  /** Successful messages (new or replies, not updates) per conversation id. */
  readonly delivered = new Map<string, number>();
  /** 429s answered (tenant-wide and per conversation). */
  throttled = 0;
  /** createConversation refuses members who do not have the app (see `install`). */
  private requireInstall: { status: 403 | 404; installedElsewhere: (memberId: string) => boolean } | null =
    null;
  private readonly installed = new Set<string>();
  private readonly blocked = new Set<string>();
  private readonly gone = new Map<string, 403 | 404>();
  private tenantLimits = new Map<string, WindowLimit>();
  private conversationLimits: readonly WindowLimit[] | null = null;
  private readonly tenantWindows = new SlidingWindows();
  private readonly conversationWindows = new SlidingWindows();

  /**
   * From now on createConversation answers `status` (403 Forbidden, or 404 ConversationNotFound)
   * for a member without the app: only members given to `install` get a chat, or those
   * `installedElsewhere` says have it (e.g. a fake Graph's installations, as Teams sees Graph's).
   */
  refuseUninstalled(status: 403 | 404 = 403, installedElsewhere?: (memberId: string) => boolean): this {
    this.requireInstall = { status, installedElsewhere: installedElsewhere ?? (() => false) };
    return this;
  }

  /** The member (an Entra object id or a 29: id) has the app: createConversation works for them. */
  install(...memberIds: string[]): this {
    for (const id of memberIds) this.installed.add(id.toLowerCase());
    return this;
  }

  isInstalled(memberId: string): boolean {
    return this.installed.has(memberId.toLowerCase());
  }

  /** The member blocked the bot: sends to their chat answer 403 MessageWritesBlocked. */
  block(...memberIds: string[]): this {
    for (const id of memberIds) this.blocked.add(id.toLowerCase());
    return this;
  }

  /** The conversation is gone for the bot: sends to it answer 404 ConversationNotFound (or 403). */
  forgetConversation(conversationId: string, status: 403 | 404 = 404): this {
    this.gone.set(conversationId, status);
    return this;
  }

  /** At most `perSecond` calls a tenant in any second (sliding); `*` for every tenant without its own. */
  limitTenant(tenantId: string, perSecond: number): this {
    this.tenantLimits.set(tenantId.toLowerCase(), { max: perSecond, windowMs: 1000 });
    return this;
  }

  /** Teams' per-conversation limits (or others) on every send to a conversation; null: none. */
  enforceConversationLimits(limits: readonly WindowLimit[] | null = TEAMS_CONVERSATION_LIMITS): this {
    this.conversationLimits = limits;
    return this;
  }

  /** The personal chat of a member, if the fake created one. */
  chatOf(memberId: string): PersonalChat | undefined {
    return [...this.chats.values()].find((c) => c.memberId === memberId.toLowerCase());
  }

  /** Messages delivered to a conversation. */
  messagesIn(conversationId: string): number {
    return this.delivered.get(conversationId) ?? 0;
  }

  /** Messages delivered to a member's personal chat. */
  messagesFor(memberId: string): number {
    const chat = this.chatOf(memberId);
    return chat ? this.messagesIn(chat.conversationId) : 0;
  }

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
    const latency = typeof this.latencyMs === 'function' ? this.latencyMs() : this.latencyMs;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const failure = this.failures.shift();
    if (failure) return this.reply(res, failure.status, failure.body, failure.headers);
    if (req.method !== 'POST' && req.method !== 'PUT')
      return this.reply(res, 405, { error: { code: 'MethodNotAllowed', message: req.method ?? '' } });
    const wait = this.throttle(conversationId, body);
    if (wait > 0) {
      this.throttled += 1;
      return this.reply(res, 429, THROTTLED, { 'Retry-After': String(Math.max(1, Math.ceil(wait / 1000))) });
    }
    if (!conversationId) return this.createConversation(res, call, body);
    const chat = this.chats.get(conversationId);
    const gone = this.gone.get(conversationId);
    if (gone) return this.reply(res, gone, gone === 404 ? NOT_FOUND : NOT_INSTALLED);
    if (chat && this.blocked.has(chat.memberId)) return this.reply(res, 403, BLOCKED);
    call.answeredId = String(this.nextId++);
    if (req.method === 'POST') this.delivered.set(conversationId, this.messagesIn(conversationId) + 1);
    return this.reply(res, 200, { id: call.answeredId });
  }

  /**
   * createConversation. With one member (a personal chat) the member's own chat, made once; a
   * member without the app is refused once `refuseUninstalled` is on. Otherwise a new id.
   */
  private createConversation(res: ServerResponse, call: RecordedCall, body: Record<string, unknown>): void {
    const members = Array.isArray(body.members) ? (body.members as { id?: unknown }[]) : [];
    const memberId = members.length === 1 && typeof members[0]?.id === 'string' ? members[0].id : null;
    if (body.isGroup === false && memberId) {
      const id = memberId.toLowerCase();
      if (this.requireInstall && !this.installed.has(id) && !this.requireInstall.installedElsewhere(id)) {
        const { status } = this.requireInstall;
        return this.reply(res, status, status === 404 ? NOT_FOUND : NOT_INSTALLED);
      }
      const existing = this.chatOf(id);
      const chat = existing ?? { conversationId: `a:personal-${id}`, tenantId: tenantOf(body), memberId: id };
      this.chats.set(chat.conversationId, chat);
      // A chat that was gone is back once createConversation gives it again.
      this.gone.delete(chat.conversationId);
      call.answeredId = chat.conversationId;
      return this.reply(res, 201, { id: chat.conversationId });
    }
    call.answeredId = `a:created-${this.nextId++}`;
    return this.reply(res, 201, { id: call.answeredId });
  }

  /** Ms to wait (the call is refused with 429) under the tenant's rate and the conversation's limits; 0: go. */
  private throttle(conversationId: string | null, body: Record<string, unknown>): number {
    const now = this.now();
    const tenant = (conversationId ? this.chats.get(conversationId)?.tenantId : null) ?? tenantOf(body);
    const limit = this.tenantLimits.get(tenant?.toLowerCase() ?? '') ?? this.tenantLimits.get('*');
    if (limit) {
      const wait = this.tenantWindows.take(tenant ?? '*', [limit], now);
      if (wait > 0) return wait;
    }
    if (conversationId && this.conversationLimits)
      return this.conversationWindows.take(conversationId, this.conversationLimits, now);
    return 0;
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

/** The tenant a call names: the conversation's, the parameters', or the channel data's. */
const tenantOf = (body: Record<string, unknown>): string | null => {
  const conversation = body.conversation as { tenantId?: unknown } | undefined;
  const channelData = body.channelData as { tenant?: { id?: unknown } } | undefined;
  const id = body.tenantId ?? conversation?.tenantId ?? channelData?.tenant?.id;
  return typeof id === 'string' && id ? id.toLowerCase() : null;
};

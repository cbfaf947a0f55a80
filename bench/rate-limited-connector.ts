import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectorLimits, type ConnectorLimitsOptions, type TenantPeak } from './connector-limits';

/**
 * A local Bot Connector for load runs (the fan-out benchmark): the three calls a fan-out makes,
 * as the Bot Framework REST API has them, under Teams' documented limits (connector-limits.ts),
 * with a configurable latency, counting what each recipient got. Plain node:http: the fan-out
 * bench runs it in a process of its own (connector-process.ts), so that nothing else shares the
 * event loop that stamps arrivals (or alone: `node dist/bench/rate-limited-connector.js`, then
 * GET /stats).
 *
 *   POST /v3/conversations                          createConversation: 201 {id}, one 1:1
 *                                                   conversation per (tenant, member), the same id
 *                                                   each time, as Teams answers
 *   POST /v3/conversations/{id}/activities          send: 200 {id}
 *   PUT  /v3/conversations/{id}/activities/{aid}    update: 200 {id}
 *   GET  /stats                                     ConnectorStats as JSON (not a connector call)
 *
 * A recipient is the member a 1:1 conversation was created for (`aadObjectId`, else `id`, lower
 * case, without an `8:orgid:` prefix); a message is an accepted send to their conversation. Sends
 * to conversations created elsewhere (the coordination channel's post) are counted apart.
 */

export interface RateLimitedConnectorOptions extends ConnectorLimitsOptions {
  /** Milliseconds each answer waits (after the limits decided on arrival); default 0. */
  latencyMs?: number;
  /** Each answer waits up to this much more or less, uniformly (default 0). */
  jitterMs?: number;
  /**
   * What the per-tenant limit counts: every request (`requests`, the default: Teams documents it
   * per app per tenant in requests, creating a conversation included), or only sends and updates
   * (`messages`: createConversation passes free), to see what a fan-out would do if it were so.
   */
  tenantCounts?: 'requests' | 'messages';
  /** The tenant of a request that names none and goes to a conversation not created here. */
  defaultTenant?: string;
  now?: () => number;
}

/** What one recipient got. */
export interface RecipientTally {
  /** Accepted createConversation calls for them. */
  creates: number;
  /** Accepted sends to their 1:1 conversation. */
  messages: number;
  updates: number;
  throttled: number;
}

export interface ConnectorStats {
  /** Every connector call answered or being answered (429s included). */
  requests: number;
  accepted: number;
  creates: number;
  sends: number;
  updates: number;
  throttled: { tenant: number; conversation: number };
  /** Distinct recipients with at least one message. */
  recipients: number;
  /** Messages to recipients (all of them: a second one to the same person counts). */
  recipientMessages: number;
  /** Accepted sends and updates to conversations not created here (channel posts and their updates). */
  otherCalls: number;
  /** Epoch ms of the first call, the latest call, and the latest first message to a recipient. */
  firstRequestAt: number | null;
  lastRequestAt: number | null;
  lastNewRecipientAt: number | null;
  /**
   * The sending period: the first accepted request (any) to the last accepted request for a
   * recipient (createConversation, or a send or update to their 1:1 chat), and the requests
   * accepted in it (all of them, the coordination chat's included: the tenant limit counts them).
   */
  firstAcceptedAt: number | null;
  lastRecipientAcceptedAt: number | null;
  acceptedInSending: number;
  /** The busiest second over all tenants. */
  peak: TenantPeak;
  tenantRps: number;
  /** Accepted calls and 429s per whole second since the first call. */
  timeline: { accepted: number[]; throttled: number[] };
}

interface ConversationInfo {
  tenantId: string;
  /** Null for a conversation not created here. */
  recipient: string | null;
}

type Body = Record<string, unknown>;

const objectAt = (value: unknown): Body | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : null;

const stringAt = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/** The tenant a request names: `tenantId` (createConversation), `conversation.tenantId`, `channelData.tenant.id`. */
const namedTenant = (body: Body): string | null =>
  stringAt(body.tenantId) ??
  stringAt(objectAt(body.conversation)?.tenantId) ??
  stringAt(objectAt(objectAt(body.channelData)?.tenant)?.id);

/** The member of a createConversation, as a person id. */
const memberOf = (body: Body): string | null => {
  const members = Array.isArray(body.members) ? body.members : [];
  const first = objectAt(members[0]);
  const id = stringAt(first?.aadObjectId) ?? stringAt(first?.id);
  return id ? id.toLowerCase().replace(/^8:orgid:/, '') : null;
};

export const oneToOneId = (tenantId: string, recipient: string): string =>
  `a:1on1-${Buffer.from(`${tenantId}|${recipient}`).toString('base64url')}`;

export class RateLimitedConnector {
  readonly limits: ConnectorLimits;
  url = '';
  private server: Server | null = null;
  private readonly now: () => number;
  private readonly conversations = new Map<string, ConversationInfo>();
  private readonly tallies = new Map<string, RecipientTally>();
  private nextActivity = 1770744675001;
  private readonly stats: Omit<ConnectorStats, 'peak' | 'tenantRps' | 'recipients'> = {
    requests: 0,
    accepted: 0,
    creates: 0,
    sends: 0,
    updates: 0,
    throttled: { tenant: 0, conversation: 0 },
    recipientMessages: 0,
    otherCalls: 0,
    firstRequestAt: null,
    lastRequestAt: null,
    lastNewRecipientAt: null,
    firstAcceptedAt: null,
    lastRecipientAcceptedAt: null,
    acceptedInSending: 0,
    timeline: { accepted: [], throttled: [] },
  };
  private recipientsReached = 0;

  constructor(private readonly options: RateLimitedConnectorOptions = {}) {
    this.limits = new ConnectorLimits(options);
    this.now = options.now ?? Date.now;
  }

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 60_000;
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = null;
  }

  /** The figures so far (a copy). */
  getStats(): ConnectorStats {
    let peak: TenantPeak = { arrivals: 0, accepted: 0 };
    for (const p of this.limits.peaks().values()) {
      peak = { arrivals: Math.max(peak.arrivals, p.arrivals), accepted: Math.max(peak.accepted, p.accepted) };
    }
    return {
      ...structuredClone(this.stats),
      recipients: this.recipientsReached,
      peak,
      tenantRps: this.limits.tenantRps,
    };
  }

  /**
   * Makes the 1:1 chat of `recipient` in `tenantId` known, as if created before this run (a
   * second announcement's case), and returns its id: the one createConversation would answer.
   */
  knowPersonal(tenantId: string, recipient: string): string {
    const person = recipient.toLowerCase();
    const id = oneToOneId(tenantId, person);
    this.conversations.set(id, { tenantId, recipient: person });
    return id;
  }

  /** What each recipient got, by person id. */
  recipientTallies(): ReadonlyMap<string, RecipientTally> {
    return this.tallies;
  }

  private tally(recipient: string): RecipientTally {
    let tally = this.tallies.get(recipient);
    if (!tally) {
      tally = { creates: 0, messages: 0, updates: 0, throttled: 0 };
      this.tallies.set(recipient, tally);
    }
    return tally;
  }

  /** An accepted request: `forRecipient` when it was for a recipient (not the coordination chat). */
  private accept(now: number, forRecipient: boolean): void {
    this.stats.accepted++;
    this.stats.firstAcceptedAt ??= now;
    if (forRecipient) {
      this.stats.lastRecipientAcceptedAt = now;
      this.stats.acceptedInSending = this.stats.accepted;
    }
    this.mark('accepted', now);
  }

  private mark(kind: 'accepted' | 'throttled', now: number): void {
    const first = this.stats.firstRequestAt ?? now;
    const second = Math.floor((now - first) / 1000);
    const line = this.stats.timeline[kind];
    while (line.length <= second) line.push(0);
    line[second] = (line[second] ?? 0) + 1;
    const other = this.stats.timeline[kind === 'accepted' ? 'throttled' : 'accepted'];
    while (other.length < line.length) other.push(0);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method === 'GET' && path === '/stats') {
      return this.reply(res, 200, { ...this.getStats(), tallies: Object.fromEntries(this.tallies) }, 0);
    }
    let body: Body;
    try {
      const raw = Buffer.concat(chunks).toString('utf8');
      body = objectAt(raw ? JSON.parse(raw) : {}) ?? {};
    } catch {
      return this.reply(res, 400, { error: { code: 'BadArgument', message: 'Invalid JSON' } }, 0);
    }
    const match = /^\/v3\/conversations(?:\/([^/]+)\/activities(?:\/([^/]+))?)?\/?$/.exec(path);
    const kind =
      match && req.method === 'POST' && !match[1]
        ? 'create'
        : match?.[1] && req.method === 'POST' && !match[2]
          ? 'send'
          : match?.[1] && match[2] && req.method === 'PUT'
            ? 'update'
            : null;
    if (!match || !kind) {
      return this.reply(res, 404, { error: { code: 'NotFound', message: `${req.method} ${path}` } }, 0);
    }
    const now = this.now();
    this.stats.requests++;
    this.stats.firstRequestAt ??= now;
    this.stats.lastRequestAt = now;

    if (kind === 'create') return this.create(res, body, now);
    const conversationId = decodeURIComponent(match[1] ?? '');
    const known = this.conversations.get(conversationId);
    const tenantId = known?.tenantId ?? namedTenant(body) ?? this.options.defaultTenant ?? 'unknown';
    const decision = this.limits.admit(tenantId, conversationId, now);
    const recipient = known?.recipient ?? null;
    if (!decision.ok) {
      if (recipient) this.tally(recipient).throttled++;
      return this.throttle(res, decision.scope, decision.retryAfterSeconds, now);
    }
    this.accept(now, recipient !== null);
    if (kind === 'send') this.stats.sends++;
    else this.stats.updates++;
    if (!recipient) this.stats.otherCalls++;
    else if (kind === 'update') this.tally(recipient).updates++;
    else {
      const tally = this.tally(recipient);
      if (tally.messages === 0) {
        this.recipientsReached++;
        this.stats.lastNewRecipientAt = now;
      }
      tally.messages++;
      this.stats.recipientMessages++;
    }
    const id = kind === 'update' ? decodeURIComponent(match[2] ?? '') : String(this.nextActivity++);
    return this.reply(res, 200, { id });
  }

  private create(res: ServerResponse, body: Body, now: number): Promise<void> {
    const recipient = memberOf(body);
    const tenantId = namedTenant(body);
    if (!recipient || !tenantId || body.isGroup === true) {
      return this.reply(res, 400, {
        error: { code: 'BadArgument', message: 'a 1:1 conversation needs one member and the tenant id' },
      });
    }
    const decision =
      this.options.tenantCounts === 'messages'
        ? ({ ok: true } as const)
        : this.limits.admit(tenantId, null, now);
    if (!decision.ok) {
      this.tally(recipient).throttled++;
      return this.throttle(res, decision.scope, decision.retryAfterSeconds, now);
    }
    this.accept(now, true);
    this.stats.creates++;
    this.tally(recipient).creates++;
    const id = oneToOneId(tenantId, recipient);
    this.conversations.set(id, { tenantId, recipient });
    return this.reply(res, 201, { id });
  }

  private throttle(
    res: ServerResponse,
    scope: 'tenant' | 'conversation',
    retryAfterSeconds: number | null,
    now: number,
  ): Promise<void> {
    this.stats.throttled[scope]++;
    this.mark('throttled', now);
    return this.reply(
      res,
      429,
      { error: { code: 'Throttled', message: 'Too many requests.' } },
      undefined,
      retryAfterSeconds === null ? {} : { 'Retry-After': String(retryAfterSeconds) },
    );
  }

  private async reply(
    res: ServerResponse,
    status: number,
    body: unknown,
    latencyMs?: number,
    headers: Record<string, string> = {},
  ): Promise<void> {
    const base = latencyMs ?? this.options.latencyMs ?? 0;
    const jitter = this.options.jitterMs ?? 0;
    const wait = Math.max(0, base + (jitter ? (Math.random() * 2 - 1) * jitter : 0));
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }
}

if (require.main === module) {
  const number = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
  void new RateLimitedConnector({
    tenantRps: number('CONNECTOR_TENANT_RPS', 50),
    latencyMs: number('CONNECTOR_LATENCY_MS', 0),
    jitterMs: number('CONNECTOR_JITTER_MS', 0),
  })
    .start(number('PORT', 0))
    .then((connector) => console.log(JSON.stringify({ url: connector.url })));
}

import { LIMITS } from '../../../src/http/limits';
import { encodeKey } from '../../../src/storage/entity-table';
import { ADMIN } from './arbitraries';
import type { FuzzHarness, ProcessWatch, PrototypeSnapshot, RawResponse } from './fuzz-harness';
import { prototypeChanges } from './fuzz-harness';

/**
 * The properties of issue #10, checked after each request (once its turn and the work after
 * its reply settled): no 5xx but the documented ones, no unhandled error or error-level log,
 * answered within its budget, nothing stored that should not be, a clear message, prototypes
 * unchanged.
 */
export interface CaseContext {
  h: FuzzHarness;
  watch: ProcessWatch;
  prototypes: PrototypeSnapshot;
  store: 'memory' | 'azurite';
  /** Anonymous mode with ROLLOUT_ADMINS empty: everyone is an admin (the default `npm start`). */
  everyoneIsAdmin?: boolean;
  /** ALLOWED_TENANT_IDS holds this one tenant: an activity from any other is refused. */
  allowedTenant?: string;
}

export interface Before {
  writes: number;
}

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The person the bot will see: `from.aadObjectId` when it is a usable string, else `from.id`. */
const personOf = (activity: Rec): string | null => {
  const from = activity.from;
  if (!isRecord(from)) return null;
  const aad = from.aadObjectId;
  if (typeof aad === 'string' && aad.length > 0 && aad.length <= 64) return aad.toLowerCase();
  return typeof from.id === 'string' ? from.id.toLowerCase() : null;
};

export const before = (ctx: CaseContext): Before => {
  ctx.h.connector.clear();
  ctx.h.takeErrors();
  ctx.watch.take();
  ctx.h.takeWritten();
  return { writes: ctx.h.writes() };
};

/** What every request must satisfy, whatever it was. */
const common = (ctx: CaseContext, res: RawResponse, b: Before, allowed5xx: readonly number[]): string[] => {
  const failures: string[] = [];
  if (res.status === -1) failures.push(`no HTTP answer: ${res.error ?? 'connection failed'}`);
  if (res.status >= 500 && !allowed5xx.includes(res.status)) {
    failures.push(`HTTP ${res.status} (undocumented 5xx): ${res.text.slice(0, 300)}`);
  }
  if (res.status >= 400 && res.status < 500 && ctx.h.writes() !== b.writes) {
    failures.push(`answered ${res.status} but stored ${ctx.h.writes() - b.writes} entities`);
  }
  if (res.status >= 400 && ctx.h.connector.calls.length > 0) {
    failures.push(
      `answered ${res.status} but sent ${ctx.h.connector.calls.length} calls to the Bot Connector`,
    );
  }
  for (const problem of ctx.watch.take()) failures.push(problem.slice(0, 600));
  for (const err of ctx.h.takeErrors()) failures.push(`error-level log: ${err.line.slice(0, 600)}`);
  const changed = prototypeChanges(ctx.prototypes);
  if (changed.length > 0) failures.push(`prototypes changed: ${changed.join(', ')}`);
  return failures;
};

/** Invokes the bot answers: card actions and typeahead searches. */
const ANSWERED_INVOKES = ['adaptiveCard/action', 'application/search'];

/** The documented 5xx: 503 when storage is unavailable (a real store only), 501 an unhandled invoke. */
const documented5xx = (ctx: CaseContext, activity: Rec): number[] => {
  const out = ctx.store === 'azurite' ? [503] : [];
  if (activity.type === 'invoke' && !ANSWERED_INVOKES.includes(String(activity.name))) out.push(501);
  return out;
};

/** Most choices a search answers with (SEARCH_TOP_MAX). */
const MAX_SEARCH_CHOICES = 25;

/** A search answers with choices (strings, at most 25) or an error that says why; nothing else. */
const checkSearchBody = (res: RawResponse): string[] => {
  const body = res.body;
  if (!isRecord(body) || typeof body.statusCode !== 'number')
    return [`search answered without an invoke response body: ${res.text.slice(0, 200)}`];
  if (body.statusCode === 200) {
    const results = isRecord(body.value) ? body.value.results : undefined;
    const valid =
      body.type === 'application/vnd.microsoft.search.searchResponse' &&
      Array.isArray(results) &&
      results.length <= MAX_SEARCH_CHOICES &&
      results.every((r) => isRecord(r) && typeof r.title === 'string' && typeof r.value === 'string');
    return valid ? [] : [`search 200 without valid choices: ${res.text.slice(0, 300)}`];
  }
  if (!(isRecord(body.value) && nonEmpty(body.value.message)))
    return [`search error without a message: ${res.text.slice(0, 200)}`];
  return isRecord(body.value) && body.value.code === 'InternalError'
    ? [`search failed inside the bot: ${res.text.slice(0, 300)}`]
    : [];
};

/**
 * Card actions by which people who are not admins answer (feedback, readiness) or ask not to be
 * reminded (a feedback nudge's "Stop reminding me"): they may write.
 */
const AUDIENCE_VERBS = ['feedback.submit', 'feedback.edit', 'signoff.answer', 'reminders.stop'];
/** Typed commands anyone may use that write their own row: `reminders on` undoes "Stop reminding me". */
const isAudienceCommand = (activity: Rec): boolean =>
  typeof activity.text === 'string' &&
  /^\s*\/?\s*reminders\s+on\b/i.test(activity.text.replace(/<at>.*?<\/at>/g, ''));

const verbOf = (activity: Rec): string | null => {
  const value = activity.value;
  const action = isRecord(value) ? value.action : undefined;
  return isRecord(action) && typeof action.verb === 'string' ? action.verb : null;
};

/** The tenant ids an activity names (channelData.tenant.id, conversation.tenantId) as strings. */
const tenantsOf = (activity: Rec): string[] => {
  const channelData = activity.channelData;
  const tenant = isRecord(channelData) && isRecord(channelData.tenant) ? channelData.tenant.id : undefined;
  const conversation = activity.conversation;
  const fromConversation = isRecord(conversation) ? conversation.tenantId : undefined;
  return [tenant, fromConversation].filter(
    (t): t is string => typeof t === 'string' && t.length > 0 && t.length <= 64,
  );
};

/**
 * Conversation references (the Audiences table's `r|<tenant>|…` and `r-tenants` partitions; README,
 * Conversation references): a turn of an authenticated, admitted person stores how to reach them or
 * the conversation, whatever its command did. Upserts of those rows, in the activity's own tenant
 * (or the local one), are no change made by the command: the read-only and non-admin checks leave
 * them out. Refusals (4xx) still store nothing at all (checked in `common`).
 */
const isOwnReference = (activity: Rec): ((w: { kind: string; partitionKey: string }) => boolean) => {
  const prefixes = [...tenantsOf(activity), 'local'].map((t) => `r|${encodeKey(t)}|`);
  return (w) =>
    w.kind === 'upsert' &&
    (w.partitionKey === 'r-tenants' || prefixes.some((p) => w.partitionKey.startsWith(p)));
};

const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.trim().length > 0;

/** The most Teams takes in one bot message or invoke response (DESIGN: about 100 KB). */
export const MAX_TEAMS_MESSAGE_BYTES = 100 * 1024;

/** Replies and invoke responses Teams would refuse as too large: the person would see nothing. */
const tooLarge = (ctx: CaseContext, res: RawResponse): string[] => {
  const out: string[] = [];
  const invokeBytes = Buffer.byteLength(res.text);
  if (res.status === 200 && invokeBytes > MAX_TEAMS_MESSAGE_BYTES) {
    out.push(`the invoke response is ${invokeBytes} bytes, over the ${MAX_TEAMS_MESSAGE_BYTES} Teams takes`);
  }
  for (const call of ctx.h.connector.calls) {
    const bytes = Buffer.byteLength(JSON.stringify(call.body));
    if (bytes > MAX_TEAMS_MESSAGE_BYTES) {
      out.push(
        `a ${call.method} to the Bot Connector is ${bytes} bytes, over the ${MAX_TEAMS_MESSAGE_BYTES} Teams takes`,
      );
    }
  }
  return out;
};

/** The checks for one activity POSTed as JSON. */
export const checkActivity = (ctx: CaseContext, activity: unknown, res: RawResponse, b: Before): string[] => {
  const a = isRecord(activity) ? activity : {};
  const failures = common(ctx, res, b, documented5xx(ctx, a));
  const isInvoke = a.type === 'invoke';
  const budget = isInvoke ? LIMITS.invokeDeadlineMs : LIMITS.messageDeadlineMs;
  if (res.ms > budget) failures.push(`answered in ${Math.round(res.ms)} ms, over its ${budget} ms budget`);
  const ok = res.status >= 200 && res.status < 300;
  failures.push(...tooLarge(ctx, res));
  if (ok && a.type === 'message') {
    const replied = ctx.h.connector.sent.some(
      (s) => nonEmpty(s.text) || (Array.isArray(s.attachments) && s.attachments.length > 0),
    );
    if (!replied) failures.push('an accepted message got no reply (no text, no card)');
  }
  if (ok && isInvoke && a.name === 'adaptiveCard/action') {
    const body = res.body;
    if (!isRecord(body) || typeof body.statusCode !== 'number') {
      failures.push(`invoke answered without an invoke response body: ${res.text.slice(0, 200)}`);
    } else if (body.statusCode >= 500) {
      failures.push(`invoke response statusCode ${body.statusCode}: ${res.text.slice(0, 300)}`);
    } else if (body.statusCode === 200) {
      const value = body.value;
      if (!(isRecord(value) && Array.isArray(value.body)) && !nonEmpty(value)) {
        failures.push(`invoke 200 without a card or a message: ${res.text.slice(0, 200)}`);
      }
    } else if (!(isRecord(body.value) && nonEmpty(body.value.message))) {
      failures.push(`invoke error without a message: ${res.text.slice(0, 200)}`);
    }
  }
  if (ok && isInvoke && a.name === 'application/search') failures.push(...checkSearchBody(res));
  // With ALLOWED_TENANT_IDS, nothing from another tenant (or from none) is taken.
  if (ok && ctx.allowedTenant) {
    const tenants = tenantsOf(a);
    if (tenants.length === 0 || tenants.some((t) => t.toLowerCase() !== ctx.allowedTenant)) {
      failures.push(`accepted an activity from tenant(s) [${tenants.join(', ')}], not the allowed one`);
    }
  }
  // A non-admin's command (typed, or a card action other than those the audience answers)
  // changes nothing; only the refused attempt is audited (README, Roles). Refresh invokes only read.
  const person = personOf(a);
  const ownReference = isOwnReference(a);
  const written = ctx.h.takeWritten().filter((w) => !ownReference(w));
  const verb = verbOf(a);
  if (verb === 'signoff.view' && written.length > 0) {
    failures.push(`a signoff.view refresh wrote ${written.length} entities (refreshes only read)`);
  }
  if (isInvoke && a.name === 'application/search' && written.length > 0) {
    failures.push(`a search wrote ${written.length} entities (searches only read)`);
  }
  const command =
    (a.type === 'message' && !isAudienceCommand(a)) ||
    (isInvoke && verb !== null && !AUDIENCE_VERBS.includes(verb));
  if (command && !ctx.everyoneIsAdmin && person !== null && person !== ADMIN.id) {
    // The audit row comes with its processed-activity marker and the marker's dated index row
    // (one transaction: a redelivered refusal is audited once).
    const audited = written.some((w) => w.kind === 'create' && w.rowKey.startsWith('a|'));
    const marker = (rowKey: string) => rowKey.startsWith('m|') || rowKey.startsWith('md|');
    const changed = written.filter(
      (w) => !(w.kind === 'create' && (w.rowKey.startsWith('a|') || (audited && marker(w.rowKey)))),
    );
    if (changed.length > 0) {
      const rows = changed.map((w) => `${w.kind} ${w.partitionKey}/${w.rowKey}`).join(', ');
      failures.push(
        `a non-admin's message changed ${changed.length} entities besides its audit: ${rows.slice(0, 300)}`,
      );
    }
  }
  return failures;
};

/** Posts one activity through the harness and checks every property of it (after its work settled). */
export const postChecked = async (
  ctx: CaseContext,
  activity: unknown,
  headers: Record<string, string> = {},
): Promise<{ res: RawResponse; failures: string[] }> => {
  const b = before(ctx);
  const res = await ctx.h.post(activity, headers);
  await ctx.h.server.settled();
  return { res, failures: checkActivity(ctx, activity, res, b) };
};

/** The checks for a request that must be refused with `expected` (a raw body case). */
export const checkRefused = (
  ctx: CaseContext,
  res: RawResponse,
  b: Before,
  expected: readonly number[],
  errorBody = true,
): string[] => {
  const failures = common(ctx, res, b, []);
  if (res.status !== -1 && !expected.includes(res.status)) {
    failures.push(`answered ${res.status}, expected ${expected.join(' or ')}: ${res.text.slice(0, 200)}`);
  }
  if (errorBody && res.status !== -1 && res.status >= 400) {
    const body = res.body;
    if (!(isRecord(body) && isRecord(body.error) && nonEmpty(body.error.message))) {
      failures.push(`a ${res.status} without { error: { code, message } }: ${res.text.slice(0, 200)}`);
    }
  }
  if (ctx.h.writes() !== b.writes) failures.push(`stored ${ctx.h.writes() - b.writes} entities`);
  if (res.ms > LIMITS.messageDeadlineMs) failures.push(`answered in ${Math.round(res.ms)} ms`);
  return failures;
};

import type { Logger } from 'pino';
import { z } from 'zod';
import type { Admission } from './adapter';

/**
 * The one check of an incoming activity before the SDK sees it. A field the bot relies on
 * (`type`, `id`, `serviceUrl`, `channelId`, `from.id`, `conversation.id`) of the wrong type or
 * shape is a 400 and nothing else happens. A field that is only echoed back (names, role, locale,
 * flags…) of the wrong type is dropped, so the reply can always be sent. `serviceUrl` is never
 * rewritten: the token's claim is compared with it exactly.
 */
export type ActivityCheck =
  { ok: true; activity: Record<string, unknown> } | { ok: false; status: 400; code: string; message: string };

/** Printable ASCII: ids travel in URLs and headers of the replies. */
const ASCII_ID = /^[\x21-\x7e][\x20-\x7e]*$/;
const id = (max: number) => z.string().min(1).max(max).regex(ASCII_ID, 'must be printable ASCII');

const required = z.looseObject({
  type: z.string().min(1).max(64),
  id: id(256).optional(),
  serviceUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII'),
  channelId: id(64),
  from: z.looseObject({ id: id(1024) }),
  conversation: z.looseObject({ id: id(1024) }),
});

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOCALE = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$/;

type Rule = (value: unknown) => boolean;
const text =
  (max: number): Rule =>
  (v) =>
    typeof v === 'string' && v.length <= max;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isArrayOfObjects: Rule = (v) => Array.isArray(v) && v.every(isObject);
const isBoolean: Rule = (v) => typeof v === 'boolean';

/** Keeps each listed property only when its rule holds. */
const keepValid = (record: Record<string, unknown>, rules: Readonly<Record<string, Rule>>): void => {
  for (const [key, rule] of Object.entries(rules)) {
    if (key in record && !rule(record[key])) delete record[key];
  }
};

const ACTIVITY_RULES: Readonly<Record<string, Rule>> = {
  text: (v) => typeof v === 'string',
  textFormat: text(32),
  name: text(256),
  action: text(64),
  locale: (v) => typeof v === 'string' && LOCALE.test(v),
  localTimezone: text(64),
  timestamp: text(64),
  localTimestamp: text(64),
  replyToId: text(256),
  channelData: isObject,
  attachments: isArrayOfObjects,
  entities: isArrayOfObjects,
  membersAdded: isArrayOfObjects,
  membersRemoved: isArrayOfObjects,
  relatesTo: isObject,
  recipient: (v) => isObject(v) && typeof v.id === 'string',
  // Teams never asks for replies in the HTTP response; the SDK would change behaviour for it.
  deliveryMode: (v) => v === 'normal',
  callerId: () => false,
};

const ACCOUNT_RULES: Readonly<Record<string, Rule>> = {
  name: text(256),
  aadObjectId: text(64),
  role: (v) => v === 'user' || v === 'bot',
};

const CONVERSATION_RULES: Readonly<Record<string, Rule>> = {
  name: text(256),
  isGroup: isBoolean,
  conversationType: text(32),
  tenantId: text(64),
};

export interface EdgeOptions {
  /** Anonymous local mode: the tenant may be missing (the local tenant) and need not be a GUID. */
  anonymous: boolean;
}

const bad = (message: string): ActivityCheck => ({ ok: false, status: 400, code: 'BadRequest', message });

/** Checks, and cleans in place, a parsed request body; see ActivityCheck. */
export const checkActivity = (body: unknown, options: EdgeOptions): ActivityCheck => {
  const shape = required.safeParse(body);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    const where = issue?.path.join('.') || 'body';
    return bad(`Malformed activity: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  const activity = body as Record<string, unknown>;
  keepValid(activity, ACTIVITY_RULES);
  keepValid(activity.from as Record<string, unknown>, ACCOUNT_RULES);
  keepValid(activity.conversation as Record<string, unknown>, CONVERSATION_RULES);
  if (isObject(activity.recipient)) keepValid(activity.recipient, ACCOUNT_RULES);
  for (const list of ['membersAdded', 'membersRemoved'] as const) {
    const members = activity[list];
    if (Array.isArray(members) && !members.every((m: Record<string, unknown>) => typeof m.id === 'string'))
      delete activity[list];
  }

  const channelData = activity.channelData as Record<string, unknown> | undefined;
  if (channelData && !(isObject(channelData.tenant) && text(64)(channelData.tenant.id))) {
    delete channelData.tenant;
  }
  const tenant = channelData?.tenant as { id: string } | undefined;
  const conversationTenant = (activity.conversation as { tenantId?: string }).tenantId;
  const tenantId = tenantOf(activity);
  if (tenant && conversationTenant && tenant.id.toLowerCase() !== conversationTenant.toLowerCase()) {
    return bad('Malformed activity: conversation.tenantId differs from channelData.tenant.id.');
  }
  if (tenantId !== null && !options.anonymous && !GUID.test(tenantId)) {
    return bad('Malformed activity: channelData.tenant.id must be a tenant id (a GUID).');
  }
  return { ok: true, activity };
};

/** The tenant an activity (as checked above) names, or null. */
export const tenantOf = (activity: {
  channelData?: unknown;
  conversation?: { tenantId?: unknown };
}): string | null => {
  const fromChannelData = (activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  if (typeof fromChannelData === 'string') return fromChannelData;
  const fromConversation = activity.conversation?.tenantId;
  return typeof fromConversation === 'string' ? fromConversation : null;
};

/**
 * ALLOWED_TENANT_IDS, checked once the request is authenticated (so an unauthenticated client
 * learns nothing of the list): any other tenant gets 403, logged, and nothing is sent into it.
 */
export const tenantAdmission =
  (allowed: readonly string[], log: Pick<Logger, 'warn'>): Admission =>
  (activity) => {
    if (allowed.length === 0) return null;
    const tenantId = tenantOf(activity);
    if (tenantId !== null && allowed.includes(tenantId.toLowerCase())) return null;
    log.warn(
      { tenantId, activityId: activity.id },
      'activity from a tenant not in ALLOWED_TENANT_IDS refused',
    );
    return { status: 403, code: 'Forbidden', message: 'This bot does not serve your organisation.' };
  };

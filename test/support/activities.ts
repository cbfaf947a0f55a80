import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Teams traffic built from the documented fixtures in test/fixtures/teams (see its README). */
type Json = Record<string, unknown>;

const fixture = (name: string): Json => {
  const raw = JSON.parse(
    readFileSync(join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8'),
  ) as Json;
  for (const key of Object.keys(raw)) if (key.startsWith('_')) delete raw[key];
  return raw;
};

/** A Bot Connector error response fixture, as the fake connector should answer. */
export const connectorError = (
  name: 'connector-error-429' | 'connector-error-403-blocked' | 'connector-error-404-conversation-not-found',
): { status: number; body: Json; headers: Record<string, string> } => {
  const raw = JSON.parse(
    readFileSync(join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8'),
  ) as Json;
  const { _status, _headers, ...body } = raw;
  return { status: Number(_status), body, headers: (_headers ?? {}) as Record<string, string> };
};

export const ADELE = { id: '00000000-0000-4000-8000-0000000000a1', name: 'Adele Vance' };
export const LEE = { id: '00000000-0000-4000-8000-0000000000a2', name: 'Lee Gu' };
export const TENANT = '72f988bf-0000-4000-8000-000000000001';

export type Scope = 'personal' | 'channel' | 'groupChat';

const FIXTURE_FOR: Record<Scope, string> = {
  personal: 'message-personal',
  channel: 'message-channel-mention',
  groupChat: 'message-groupchat',
};

let counter = 0;
const nextId = (): string => `test-${Date.now().toString(36)}-${++counter}`;

export interface ActivityOptions {
  scope?: Scope;
  from?: { id: string; name: string };
  serviceUrl: string;
  id?: string;
  /** Override the conversation id (e.g. a second conversation). */
  conversationId?: string;
  /** For a card action: the id of the message whose card was clicked. */
  replyToId?: string;
}

const withIdentity = (activity: Json, options: ActivityOptions): Json => {
  const from = options.from ?? ADELE;
  const conversation = { ...(activity.conversation as Json) };
  if (options.conversationId) conversation.id = options.conversationId;
  return {
    ...activity,
    id: options.id ?? nextId(),
    serviceUrl: options.serviceUrl,
    from: { id: `29:${from.id}`, name: from.name, aadObjectId: from.id },
    conversation,
    ...(options.replyToId ? { replyToId: options.replyToId } : {}),
  };
};

/** A text message in personal, group-chat or channel scope (channel and group chat @mention the bot). */
export const message = (text: string, options: ActivityOptions): Json => {
  const scope = options.scope ?? 'personal';
  const base = fixture(FIXTURE_FOR[scope]);
  const mention = scope === 'personal' ? '' : '<at>Rollout</at> ';
  return withIdentity({ ...base, text: `${mention}${text}` }, options);
};

/** An Action.Execute invoke (adaptiveCard/action) with the given verb and data. */
export const invoke = (
  verb: string,
  data: unknown,
  options: ActivityOptions & { trigger?: 'manual' | 'automatic' | null },
): Json => {
  const base = fixture('invoke-adaptivecard-action');
  if ((options.scope ?? 'channel') === 'personal') {
    const personal = fixture('message-personal');
    base.conversation = personal.conversation;
    base.channelData = personal.channelData;
  }
  const action: Json = { type: 'Action.Execute', id: verb, verb, data };
  const value: Json = { action };
  if (options.trigger !== null) value.trigger = options.trigger ?? 'manual';
  return withIdentity({ ...base, value }, options);
};

/** A dynamic typeahead's query (`application/search`) in the personal chat; `value` replaces the fixture's fields. */
export const searchInvoke = (value: Json, options: ActivityOptions): Json => {
  const base = fixture('invoke-application-search');
  return withIdentity({ ...base, value: { ...(base.value as Json), ...value } }, options);
};

export const conversationUpdateBotAdded = (options: ActivityOptions): Json =>
  withIdentity(fixture('conversationupdate-bot-added-team'), options);

/** The bot removed from a team: as documented, `from` has no Entra object id. */
export const conversationUpdateBotRemoved = (options: ActivityOptions): Json => {
  const removed = fixture('conversationupdate-bot-removed-team');
  return { ...withIdentity(removed, options), from: removed.from };
};

export const installationAdd = (options: ActivityOptions): Json =>
  withIdentity(fixture('installationupdate-add'), options);

export const installationRemove = (options: ActivityOptions): Json =>
  withIdentity(fixture('installationupdate-remove'), options);

/** Finds the first Action.Execute in a card with this verb (and matching data), depth-first. */
export const findAction = (
  card: unknown,
  verb: string,
  where: (data: Json) => boolean = () => true,
): { verb: string; data: Json; title?: string } | null => {
  if (Array.isArray(card)) {
    for (const item of card) {
      const found = findAction(item, verb, where);
      if (found) return found;
    }
    return null;
  }
  if (card && typeof card === 'object') {
    const node = card as Json;
    if (node.type === 'Action.Execute' && node.verb === verb && where((node.data ?? {}) as Json)) {
      return { verb, data: (node.data ?? {}) as Json, title: node.title as string };
    }
    for (const value of Object.values(node)) {
      const found = findAction(value, verb, where);
      if (found) return found;
    }
  }
  return null;
};

/** All text in a card (TextBlocks and facts), for assertions on what a person reads. */
export const cardText = (card: unknown): string => {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const n = node as Json;
    if (typeof n.text === 'string') out.push(n.text);
    if (typeof n.title === 'string' && typeof n.value === 'string') out.push(`${n.title}: ${n.value}`);
    Object.values(n).forEach(walk);
  };
  walk(card);
  return out.join('\n');
};

/** The value of a FactSet fact in a card. */
export const fact = (card: unknown, title: string): string | null => {
  const match = cardText(card)
    .split('\n')
    .find((line) => line.startsWith(`${title}: `));
  return match ? match.slice(title.length + 2) : null;
};

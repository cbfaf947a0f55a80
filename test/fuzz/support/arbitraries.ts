import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';

/** Generators of hostile Teams traffic, built on the documented shapes in test/fixtures/teams. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export const fixture = (name: string): JsonObject => {
  const raw = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'fixtures', 'teams', `${name}.json`), 'utf8'),
  ) as JsonObject;
  for (const key of Object.keys(raw)) if (key.startsWith('_')) delete raw[key];
  return raw;
};

/** An object that really has these own keys, `__proto__` included (JSON.stringify writes them). */
export const objectOf = (entries: readonly (readonly [string, Json])[]): JsonObject => {
  const out: JsonObject = {};
  for (const [key, value] of entries) {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
};

export const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF', 'a\uD83D', '\uDE00b'];
/** RTL overrides and marks, zero-width characters, BOM, combining marks, NUL and controls. */
export const TRICKY_CHARS = [
  '\u202E',
  '\u202D',
  '\u200F',
  '\u200E',
  '\u2066',
  '\u2069',
  '\u061C',
  '\u200B',
  '\u200C',
  '\u200D',
  '\u2060',
  '\uFEFF',
  '\u00AD',
  '\u0301',
  '\u0000',
  '\u0007',
  '\u001B',
  '\u007F',
  '\u0085',
  '\u2028',
  '\u2029',
  '\r',
  '\n',
  '\t',
  '\r\n',
  ' ',
  '\u00A0',
  '\u3000',
];
export const POISON_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
const TOKENS = [
  '<at>',
  '</at>',
  '<at>Rollout</at>',
  '<at>Rollout</at> ',
  '<at',
  '<at>x',
  '&lt;at&gt;',
  '<b>',
  '&nbsp;',
  '"',
  "'",
  '“',
  '”',
  '‘',
  '’',
  '«',
  '»',
  '--',
  '--force',
  '--force=',
  '--template',
  '--template=enrollment',
  '--until',
  '--reason',
  '--all',
  '--x',
  '/',
  '\\',
  '#',
  '?',
  '%',
  '$',
  '~',
  '|',
  '*',
  '${',
  '}',
  '{{',
  '`',
  '```',
  '=cmd|',
  '@SUM(1)',
  '+1',
  '-1',
  'null',
  'undefined',
  'NaN',
  '0',
  '-0',
  '1e309',
  'true',
  'rollout',
  'new',
  'status',
  'plan',
  'advance',
  'phase',
  'help',
  'feedback',
  'signoff',
  'pause',
  'شبکه',
  'עברית',
  '漢字',
  '🙂',
  '👩🏽‍💻',
  '🏳️‍🌈',
  'é',
  'e\u0301',
  'İ',
  'ß',
  'ﬁ',
  'Ω',
];

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TOKENS) },
  { weight: 2, arbitrary: fc.constantFrom(...TRICKY_CHARS) },
  { weight: 2, arbitrary: fc.constantFrom(...LONE_SURROGATES) },
  { weight: 3, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom(...POISON_KEYS) },
);

/** A short hostile string: tokens of the command grammar, mentions, quotes, unicode traps. */
export const hostileText = (maxPieces = 8): fc.Arbitrary<string> =>
  fc.array(piece, { maxLength: maxPieces }).map((parts) => parts.join(''));

/** A huge string: one piece repeated to about `size` characters (28,000 is Teams' limit). */
export const hugeText = (): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.oneof(
        piece.filter((p) => p.length > 0),
        fc.constant('<at'),
        fc.constant('a'),
      ),
      fc.constantFrom(1_000, 28_000, 30_001, 65_537, 120_000),
    )
    .map(([p, size]) => p.repeat(Math.max(1, Math.ceil(size / p.length))).slice(0, size));

export const hostileString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 12, arbitrary: hostileText() },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 1, arbitrary: hugeText() },
  );

const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 5e-324, 0.1, 1.5, -1),
);

/** Values of every JSON type, objects with prototype keys among them; shallow by default. */
export const hostileJson = (maxDepth = 3): fc.Arbitrary<Json> =>
  fc.letrec<{ value: Json }>((tie) => ({
    value: fc.oneof(
      { maxDepth, depthIdentifier: 'json' },
      fc.constant(null),
      fc.boolean(),
      hostileNumber,
      hostileString(),
      fc.array(tie('value'), { maxLength: 4 }),
      fc
        .array(fc.tuple(fc.oneof(fc.constantFrom(...POISON_KEYS), hostileText(2)), tie('value')), {
          maxLength: 4,
        })
        .map(objectOf),
    ),
  })).value;

/** A value nested `depth` levels deep (arrays, objects or both), around the body's depth limit. */
export const deepJson = (): fc.Arbitrary<Json> =>
  fc
    .tuple(fc.constantFrom(10, 63, 64, 65, 200, 2_000), fc.constantFrom('array', 'object', 'mixed'))
    .map(([depth, kind]) => {
      let value: Json = 'bottom';
      for (let i = 0; i < depth; i += 1) {
        const asArray = kind === 'array' || (kind === 'mixed' && i % 2 === 0);
        value = asArray ? [value] : { a: value };
      }
      return value;
    });

/** A wide value: many keys or items (around the body's node limit). */
export const wideJson = (): fc.Arbitrary<Json> =>
  fc
    .constantFrom(100, 19_990, 20_001, 40_000)
    .map((n) =>
      n % 2 === 0
        ? Array.from({ length: n }, (_, i) => i)
        : Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])),
    );

/** Any hostile value for a field: a wrong type, a huge or deep one, or a poisoned object. */
export const anyValue = (): fc.Arbitrary<Json> =>
  fc.oneof(
    { weight: 20, arbitrary: hostileJson() },
    { weight: 1, arbitrary: deepJson() },
    { weight: 1, arbitrary: wideJson() },
  );

export const ADMIN = { id: '00000000-0000-4000-8000-0000000000a1', name: 'Adele Vance' };
export const NON_ADMIN = { id: '00000000-0000-4000-8000-0000000000a2', name: 'Lee Gu' };

export type Sender = 'admin' | 'non-admin' | 'stranger';
export const senderIdentity = (sender: Sender, stranger: string): { id: string; name: string } =>
  sender === 'admin' ? ADMIN : sender === 'non-admin' ? NON_ADMIN : { id: stranger, name: 'Stranger' };

/** What the fuzz knows of the server it runs against (from its router and its seeded state). */
export interface FuzzWorld {
  serviceUrl: string;
  commandNames: readonly string[];
  /** Flag names of each command, from the router's handlers. */
  flags: readonly string[];
  verbs: readonly string[];
  /** Keys each verb's data schema names. */
  dataKeys: Readonly<Record<string, readonly string[]>>;
  /** Card actions found on the cards the bot sent while the world was seeded (real data). */
  seenActions: readonly { verb: string; data: JsonObject }[];
  /** Input ids of those cards (`f_…`): what a submitted form carries. */
  inputIds: readonly string[];
  /** Ids of rollouts that exist. */
  rolloutIds: readonly string[];
  /** Invoke names: the ones the bot handles and some it does not. */
  invokeNames: readonly string[];
  /** Typeahead datasets (`Data.Query`) the router answers. */
  datasets: readonly string[];
}

export const SCOPES = ['personal', 'groupChat', 'channel'] as const;
export type Scope = (typeof SCOPES)[number];
const MESSAGE_FIXTURE: Record<Scope, string> = {
  personal: 'message-personal',
  groupChat: 'message-groupchat',
  channel: 'message-channel-mention',
};

let counter = 0;

/** The envelope of a documented activity, with this sender, id and serviceUrl. */
const envelope = (
  base: JsonObject,
  world: FuzzWorld,
  sender: { id: string; name: string },
  id: string,
): JsonObject => ({
  ...base,
  id,
  serviceUrl: world.serviceUrl,
  from: { id: `29:${sender.id}`, name: sender.name, aadObjectId: sender.id },
});

const activityId = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 1, max: 2 ** 31 }).map((n) => `fz-${n}-${++counter}`) },
  { weight: 1, arbitrary: fc.constantFrom('1770744672456', 'f:dup') },
);

const senderArb = fc.record({
  sender: fc.constantFrom<Sender>('admin', 'admin', 'non-admin', 'stranger'),
  stranger: fc.uuid(),
});

/** A command line as a person might type one: a registered command, then hostile words and flags. */
export const commandLine = (world: FuzzWorld): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(
          fc.constantFrom('', '', '/', ' ', '\u200B', '<at>Rollout</at> ', '\u202E'),
          fc.constantFrom(...world.commandNames),
          fc.boolean(),
          fc.array(
            fc.oneof(
              hostileText(4),
              fc.constantFrom(...world.rolloutIds),
              fc.constantFrom(...world.flags).map((f) => `--${f}`),
              hostileText(3).map((t) => `"${t}"`),
              hostileText(3).map((t) => `“${t}”`),
            ),
            { maxLength: 5 },
          ),
        )
        .map(([prefix, name, upper, args]) =>
          [prefix + (upper ? name.toUpperCase() : name), ...args].join(' '),
        ),
    },
    { weight: 2, arbitrary: hostileString() },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...world.commandNames), hugeText())
        .map(([name, tail]) => `${name} ${tail}`),
    },
  );

/** A message in one of the three scopes with a hostile (or plausible) command. */
export const messageActivity = (world: FuzzWorld): fc.Arbitrary<JsonObject> =>
  fc
    .record({ scope: fc.constantFrom(...SCOPES), who: senderArb, id: activityId, text: commandLine(world) })
    .map(({ scope, who, id, text }) => {
      const base = fixture(MESSAGE_FIXTURE[scope]);
      const mention = scope === 'personal' ? '' : '<at>Rollout</at> ';
      return {
        ...envelope(base, world, senderIdentity(who.sender, who.stranger), id),
        text: `${mention}${text}`,
      };
    });

/** Card data for a verb: real data seen on a card, its schema's keys and form inputs, hostile values. */
export const cardData = (world: FuzzWorld, verb: string): fc.Arbitrary<Json> => {
  const seen = world.seenActions.filter((a) => a.verb === verb).map((a) => a.data);
  const own = Object.hasOwn(world.dataKeys, verb) ? (world.dataKeys[verb] ?? []) : [];
  const keys = [...own, ...world.inputIds, ...POISON_KEYS];
  const value = fc.oneof(
    { weight: 3, arbitrary: anyValue() },
    { weight: 2, arbitrary: fc.constantFrom(...world.rolloutIds) },
    { weight: 1, arbitrary: fc.constantFrom('0', '1', '', 'true', 'pilot', 'scope', 'up', 'down') },
  );
  const changes = fc.array(fc.tuple(fc.constantFrom(...keys), value), { maxLength: 4 });
  const start = seen.length > 0 ? fc.oneof(fc.constantFrom(...seen), fc.constant({})) : fc.constant({});
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.tuple(start, changes).map(([data, more]) => objectOf([...Object.entries(data), ...more])),
    },
    { weight: 1, arbitrary: anyValue() },
  );
};

/** An Action.Execute invoke (or refresh) for any registered verb, or an unknown one, with hostile data. */
export const invokeActivity = (world: FuzzWorld): fc.Arbitrary<JsonObject> =>
  fc
    .record({
      scope: fc.constantFrom(...SCOPES),
      who: senderArb,
      id: activityId,
      verb: fc.oneof(
        { weight: 10, arbitrary: fc.constantFrom(...world.verbs) },
        { weight: 1, arbitrary: hostileString() },
        { weight: 1, arbitrary: anyValue() },
      ),
      name: fc.oneof(
        { weight: 10, arbitrary: fc.constant('adaptiveCard/action') },
        { weight: 2, arbitrary: fc.constantFrom(...world.invokeNames) },
      ),
      trigger: fc.constantFrom<Json | undefined>('manual', 'automatic', undefined, 'bogus', 7),
      replyToId: fc.constantFrom<string | undefined>('1770744675001', undefined),
    })
    .chain((parts) =>
      (typeof parts.verb === 'string' ? cardData(world, parts.verb) : anyValue()).map((data) => {
        const base = fixture(
          parts.trigger === 'automatic' ? 'invoke-adaptivecard-refresh' : 'invoke-adaptivecard-action',
        );
        if (parts.scope !== 'channel') {
          const chat = fixture(MESSAGE_FIXTURE[parts.scope]);
          base.conversation = chat.conversation as Json;
          base.channelData = chat.channelData as Json;
        }
        const value: JsonObject = { action: { type: 'Action.Execute', id: 'x', verb: parts.verb, data } };
        if (parts.trigger !== undefined) value.trigger = parts.trigger;
        const activity: JsonObject = {
          ...envelope(base, world, senderIdentity(parts.who.sender, parts.who.stranger), parts.id),
          name: parts.name,
          value,
        };
        if (parts.replyToId) activity.replyToId = parts.replyToId;
        else delete activity.replyToId;
        return activity;
      }),
    );

/** A typeahead's query (`application/search`) for a registered dataset or another, with hostile text and paging. */
export const searchActivity = (world: FuzzWorld): fc.Arbitrary<JsonObject> =>
  fc
    .record({
      scope: fc.constantFrom(...SCOPES),
      who: senderArb,
      id: activityId,
      dataset: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...world.datasets) },
        { weight: 1, arbitrary: hostileString() },
        { weight: 1, arbitrary: anyValue() },
      ),
      queryText: fc.oneof(
        { weight: 6, arbitrary: hostileText(3) },
        { weight: 1, arbitrary: hugeText() },
        { weight: 1, arbitrary: anyValue() },
      ),
      queryOptions: fc.oneof(
        {
          weight: 4,
          arbitrary: fc.record({
            skip: fc.integer({ min: -5, max: 200 }),
            top: fc.integer({ min: -5, max: 1000 }),
          }),
        },
        { weight: 1, arbitrary: anyValue() },
      ),
      kind: fc.constantFrom<Json | undefined>('search', 'typeAhead', undefined, 7),
    })
    .map(({ scope, who, id, kind, ...query }) => {
      const base = fixture('invoke-application-search');
      if (scope !== 'personal') {
        const chat = fixture(MESSAGE_FIXTURE[scope]);
        base.conversation = chat.conversation as Json;
        base.channelData = chat.channelData as Json;
      }
      const value: JsonObject = { ...query };
      if (kind !== undefined) value.kind = kind;
      return { ...envelope(base, world, senderIdentity(who.sender, who.stranger), id), value };
    });

/** Install and conversation events as Teams sends them. */
export const eventActivity = (world: FuzzWorld): fc.Arbitrary<JsonObject> =>
  fc
    .record({
      kind: fc.constantFrom(
        'installationupdate-add',
        'installationupdate-remove',
        'conversationupdate-bot-added-team',
        'message-submit',
      ),
      who: senderArb,
      id: activityId,
    })
    .map(({ kind, who, id }) => envelope(fixture(kind), world, senderIdentity(who.sender, who.stranger), id));

/** Paths into an activity that a mutation may replace or delete. */
export const FIELD_PATHS: readonly (readonly string[])[] = [
  ['type'],
  ['id'],
  ['serviceUrl'],
  ['channelId'],
  ['timestamp'],
  ['localTimestamp'],
  ['locale'],
  ['localTimezone'],
  ['text'],
  ['textFormat'],
  ['name'],
  ['action'],
  ['value'],
  ['replyToId'],
  ['deliveryMode'],
  ['callerId'],
  ['from'],
  ['from', 'id'],
  ['from', 'name'],
  ['from', 'aadObjectId'],
  ['from', 'role'],
  ['conversation'],
  ['conversation', 'id'],
  ['conversation', 'tenantId'],
  ['conversation', 'conversationType'],
  ['conversation', 'isGroup'],
  ['conversation', 'name'],
  ['recipient'],
  ['recipient', 'id'],
  ['recipient', 'name'],
  ['channelData'],
  ['channelData', 'tenant'],
  ['channelData', 'tenant', 'id'],
  ['channelData', 'team'],
  ['channelData', 'channel'],
  ['entities'],
  ['attachments'],
  ['membersAdded'],
  ['membersRemoved'],
  ['value', 'action'],
  ['value', 'action', 'verb'],
  ['value', 'action', 'data'],
  ['value', 'trigger'],
  ['__proto__'],
  ['constructor'],
  ['from', '__proto__'],
  ['value', 'action', 'data', '__proto__'],
];

/** Values that a field the bot echoes or relies on is likely to trip over. */
const fieldValue = (path: readonly string[], world: FuzzWorld): fc.Arbitrary<Json> => {
  const last = path[path.length - 1];
  const special: fc.Arbitrary<Json>[] = [anyValue()];
  if (last === 'serviceUrl') {
    special.push(
      fc.constantFrom(
        'ftp://127.0.0.1/',
        'javascript:alert(1)',
        '',
        'http://',
        `${world.serviceUrl}\uD800`,
        `${world.serviceUrl} x`,
      ),
    );
  }
  if (last === 'id' || last === 'aadObjectId' || last === 'tenantId') {
    special.push(
      fc.constantFrom(
        '',
        ' ',
        'x'.repeat(2000),
        `29:${'x:'.repeat(510)}`,
        `a:${'y%'.repeat(511)}`,
        ';messageid=1',
        '19:x;messageid=',
        '00000000-0000-4000-8000-0000000000A1',
        '../../x',
        'a/b',
        'a#b?c',
        '\uD800',
        '29:\u202Eevil',
      ),
    );
  }
  if (last === 'type')
    special.push(
      fc.constantFrom(
        'message',
        'invoke',
        'Message',
        'event',
        'typing',
        'messageReaction',
        'endOfConversation',
        '',
      ),
    );
  if (last === 'locale') special.push(fc.constantFrom('en-US', 'xx', 'en-US-x-'.repeat(20), 'de_DE'));
  if (last === 'localTimezone')
    special.push(
      fc.constantFrom('America/Los_Angeles', 'Mars/Olympus', 'UTC', 'Etc/GMT+14', '../../etc/passwd'),
    );
  if (last === 'conversationType')
    special.push(fc.constantFrom('personal', 'groupChat', 'channel', 'PERSONAL', ''));
  if (last === 'timestamp' || last === 'localTimestamp')
    special.push(
      fc.constantFrom(
        '',
        'not a date',
        '9999-12-31T23:59:59Z',
        '1970-01-01T00:00:00Z',
        '2026-02-30T00:00:00Z',
      ),
    );
  if (last === 'deliveryMode') special.push(fc.constantFrom('expectReplies', 'normal', 'notification'));
  return fc.oneof(...special);
};

type Mutation =
  { path: readonly string[]; op: 'set'; value: Json } | { path: readonly string[]; op: 'delete' };

const mutation = (world: FuzzWorld): fc.Arbitrary<Mutation> =>
  fc.constantFrom(...FIELD_PATHS).chain((path) =>
    fc.oneof(
      {
        weight: 4,
        arbitrary: fieldValue(path, world).map((value): Mutation => ({ path, op: 'set', value })),
      },
      { weight: 1, arbitrary: fc.constant<Mutation>({ path, op: 'delete' }) },
    ),
  );

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const define = (node: JsonObject, key: string, value: Json): void => {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
};

/** A copy of an object with its own keys (`__proto__` kept as an own key). */
const copyOf = (node: JsonObject): JsonObject => objectOf(Object.entries(node));

/** Applies a mutation to a copy of the activity, copying only the objects on its path. */
export const mutate = (activity: JsonObject, m: Mutation): JsonObject => {
  const root = copyOf(activity);
  let node: JsonObject = root;
  for (const key of m.path.slice(0, -1)) {
    const next = Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
    const copy = isObject(next) ? copyOf(next) : {};
    define(node, key, copy);
    node = copy;
  }
  const last = m.path[m.path.length - 1] as string;
  if (m.op === 'delete') delete node[last];
  else define(node, last, m.value);
  return root;
};

/** A well-formed activity of any kind, then up to `max` hostile changes to its fields. */
export const hostileActivity = (world: FuzzWorld, max = 3): fc.Arbitrary<JsonObject> =>
  fc
    .tuple(
      fc.oneof(
        { weight: 5, arbitrary: messageActivity(world) },
        { weight: 5, arbitrary: invokeActivity(world) },
        { weight: 2, arbitrary: searchActivity(world) },
        { weight: 1, arbitrary: eventActivity(world) },
      ),
      fc.array(mutation(world), { maxLength: max }),
    )
    .map(([activity, mutations]) => mutations.reduce(mutate, activity));

import type { TurnContext } from 'botbuilder';
import pino from 'pino';
import { DirectoryFacts } from '../../src/app/directory-facts';
import { DirectoryError } from '../../src/app/errors';
import type { Deps, Directory } from '../../src/app/ports';
import { ACTIONS } from '../../src/teams/actions';
import { withPickedGroups } from '../../src/teams/plan-form';
import { createBotLogic } from '../../src/teams/bot';
import { COMMANDS } from '../../src/teams/commands';
import { Router, SEARCH_TEXT_MAX, SEARCH_TOP_MAX } from '../../src/teams/router';
import { GROUP_DATASET, MAX_GROUP_RESULTS } from '../../src/teams/searches/group-search';
import type { Turn } from '../../src/teams/turn';
import { ADMIN, makeDeps, MEMBER, TENANT } from '../app/support';
import { MemoryDirectory } from '../support/memory-directory';

const OTHER_TENANT = 'tenant-2';
const ADMINS_GROUP = 'a0000000-0000-4000-8000-00000000000a';
const GROUP_ADMIN = { id: 'f0000000-0000-4000-8000-000000000001', name: 'Grace Admin' };
const PILOT = { id: 'b0000000-0000-4000-8000-00000000000b', displayName: 'Pilot users' };
const PILOT_EU = { id: 'b1000000-0000-4000-8000-00000000000b', displayName: 'Pilot users EU' };

interface Logged {
  level: 'info' | 'warn' | 'error';
  details: object;
  message: string;
}

const setUp = (options: { directory?: Directory | null } = {}) => {
  const base = makeDeps();
  const memory = new MemoryDirectory();
  memory.addUser(TENANT, GROUP_ADMIN.id, { displayName: GROUP_ADMIN.name });
  memory.addGroup(TENANT, ADMINS_GROUP, { users: [GROUP_ADMIN.id], displayName: 'Rollout admins' });
  for (const g of [PILOT, PILOT_EU]) memory.addGroup(TENANT, g.id, { displayName: g.displayName });
  memory.addGroup(OTHER_TENANT, 'c0000000-0000-4000-8000-00000000000c', { displayName: 'Pilot elsewhere' });
  const logged: Logged[] = [];
  const log = {
    info: (details: object, message: string) => void logged.push({ level: 'info', details, message }),
    warn: (details: object, message: string) => void logged.push({ level: 'warn', details, message }),
    error: (details: object, message: string) => void logged.push({ level: 'error', details, message }),
  };
  const directory = options.directory === undefined ? memory : options.directory;
  const facts = new DirectoryFacts({ directory, adminGroups: [ADMINS_GROUP], clock: base.clock, log });
  const deps: Deps = { ...base, log, facts };
  const router = new Router(COMMANDS, ACTIONS, deps, pino({ level: 'silent' }));
  return { router, memory, logged, deps };
};

let n = 0;
const turnOf = (from: { id: string; name: string }, tenantId = TENANT): Turn => ({
  tenantId,
  from,
  conversation: { id: 'conv-1', type: 'personal', serviceUrl: 'https://smba.example/' },
  activityId: `search-${++n}`,
  activityKey: `conv-1|search-${n}`,
  localTimezone: null,
  sentAt: null,
  send: async () => {},
  sendPrivately: async () => true,
  clickedMessageId: null,
  update: async () => {},
  defer: () => {},
});

const query = (queryText: unknown, queryOptions: unknown = { skip: 0, top: 15 }) => ({
  queryText,
  kind: 'search',
  dataset: GROUP_DATASET,
  queryOptions,
});

const choices = (title: string, value: string) => ({ title, value });
const searchResponse = (results: { title: string; value: string }[]) => ({
  statusCode: 200,
  type: 'application/vnd.microsoft.search.searchResponse',
  value: { results },
});
const error = (statusCode: number, code: string, message: unknown = expect.any(String)) => ({
  statusCode,
  type: 'application/vnd.microsoft.error',
  value: { code, message },
});

describe('group search (application/search, dataset entra-groups)', () => {
  it('an admin finds groups by name in their own tenant: display names to read, object ids to submit', async () => {
    const { router } = setUp();
    expect(await router.handleSearch(turnOf(ADMIN), query('  pilot users eu '))).toEqual(
      searchResponse([choices('Pilot users EU', PILOT_EU.id)]),
    );
    expect(await router.handleSearch(turnOf(ADMIN, OTHER_TENANT), query('elsewhere'))).toEqual(
      searchResponse([choices('Pilot elsewhere', 'c0000000-0000-4000-8000-00000000000c')]),
    );
    expect(await router.handleSearch(turnOf(ADMIN), query('elsewhere'))).toEqual(searchResponse([]));
  });

  it('groups of the same name are told apart by their id', async () => {
    const { router, memory } = setUp();
    memory.addGroup(TENANT, 'd0000000-0000-4000-8000-00000000000d', { displayName: 'pilot users' });
    const body = await router.handleSearch(turnOf(ADMIN), query('pilot'));
    expect(body).toEqual(
      searchResponse([
        choices('Pilot users (b0000000…)', PILOT.id),
        choices('Pilot users EU', PILOT_EU.id),
        choices('pilot users (d0000000…)', 'd0000000-0000-4000-8000-00000000000d'),
      ]),
    );
  });

  it('a member of ADMIN_GROUP_IDS may search; anyone else is refused without asking Graph for groups', async () => {
    const { router, memory } = setUp();
    expect(await router.handleSearch(turnOf(GROUP_ADMIN), query('pilot users eu'))).toEqual(
      searchResponse([choices('Pilot users EU', PILOT_EU.id)]),
    );
    expect(await router.handleSearch(turnOf(MEMBER), query('pilot'))).toEqual(
      error(400, 'Forbidden', 'Only rollout admins can search groups.'),
    );
    expect(memory.calls.searchGroups).toBe(1);
  });

  it('when Graph cannot say whether the searcher is a group admin, the search says so (fail closed)', async () => {
    const { router, memory } = setUp();
    memory.fail({ method: 'memberGroups', error: new DirectoryError('unavailable', 'down') });
    const body = await router.handleSearch(turnOf(MEMBER), query('pilot'));
    expect(body).toEqual(error(500, 'GraphUnavailable', expect.stringContaining('cannot check your role')));
    expect(memory.calls.searchGroups).toBe(0);
  });

  it(`empty text has no choices and asks nothing; text is at most ${SEARCH_TEXT_MAX} characters after trimming`, async () => {
    const { router, memory } = setUp();
    for (const text of ['', '   ', undefined]) {
      expect(await router.handleSearch(turnOf(ADMIN), query(text))).toEqual(searchResponse([]));
    }
    expect(memory.calls.searchGroups).toBe(0);
    const longest = `${'p'.repeat(SEARCH_TEXT_MAX)}  `;
    expect(await router.handleSearch(turnOf(ADMIN), query(longest))).toEqual(searchResponse([]));
    expect(await router.handleSearch(turnOf(ADMIN), query(`${longest}p`))).toEqual(
      error(400, 'BadRequest', `Type at most ${SEARCH_TEXT_MAX} characters to search.`),
    );
    expect(memory.calls.searchGroups).toBe(1);
  });

  it(`pages: skip and top from the client, at most ${SEARCH_TOP_MAX} choices, none past ${MAX_GROUP_RESULTS} groups`, async () => {
    const limits: number[] = [];
    const { router, memory } = setUp();
    for (let i = 0; i < 40; i++) {
      memory.addGroup(TENANT, `e0000000-0000-4000-8000-${String(i).padStart(12, '0')}`, {
        displayName: `Wave ${String(i).padStart(2, '0')}`,
      });
    }
    const search = memory.searchGroups.bind(memory);
    memory.searchGroups = (tenantId, text, limit) => (limits.push(limit), search(tenantId, text, limit));
    const titles = async (options: unknown) => {
      const body = (await router.handleSearch(turnOf(ADMIN), query('wave', options))) as {
        value: { results: { title: string }[] };
      };
      return body.value.results.map((r) => r.title);
    };
    expect(await titles({ skip: 0, top: 2 })).toEqual(['Wave 00', 'Wave 01']);
    expect(await titles({ skip: 2, top: 2 })).toEqual(['Wave 02', 'Wave 03']);
    expect(await titles({ skip: 0, top: 500 })).toHaveLength(SEARCH_TOP_MAX);
    // Options of the wrong type fall back to the defaults (the first 15).
    expect(await titles({ skip: 'x', top: -1 })).toHaveLength(15);
    expect(await titles('nonsense')).toHaveLength(15);
    expect(await titles({ skip: 38, top: 5 })).toEqual(['Wave 38', 'Wave 39']);
    expect(await titles({ skip: MAX_GROUP_RESULTS, top: 5 })).toEqual([]);
    expect(limits).toEqual([2, 4, SEARCH_TOP_MAX, 15, 15, 43]);
  });

  it('the text reaches the directory as typed (the Graph directory escapes it), trimmed', async () => {
    const texts: string[] = [];
    const { router, memory } = setUp();
    const search = memory.searchGroups.bind(memory);
    memory.searchGroups = (tenantId, text, limit) => (texts.push(text), search(tenantId, text, limit));
    await router.handleSearch(turnOf(ADMIN), query(' "HR" \\ team" OR displayName:x '));
    expect(texts).toEqual(['"HR" \\ team" OR displayName:x']);
  });

  it('without Graph the search says that group search needs it, and that pasting an id works', async () => {
    const { router } = setUp({ directory: null });
    expect(await router.handleSearch(turnOf(ADMIN), query('pilot'))).toEqual(
      error(
        400,
        'GraphNotConfigured',
        expect.stringMatching(/needs Microsoft Graph.*paste the group's object id/),
      ),
    );
  });

  it('a 403 from Graph names Group.Read.All; other failures say what happened; each is logged', async () => {
    const cases: [DirectoryError, number, string, RegExp][] = [
      [
        new DirectoryError('forbidden', 'refused', 'Group.Read.All'),
        500,
        'GraphPermissionMissing',
        /Group\.Read\.All/,
      ],
      [new DirectoryError('throttled', 'busy'), 500, 'GraphBusy', /busy/],
      [new DirectoryError('unavailable', 'timed out'), 500, 'GraphUnavailable', /did not answer/],
      [new DirectoryError('invalid', 'bad request'), 400, 'BadRequest', /could not search for that text/],
    ];
    for (const [err, statusCode, code, message] of cases) {
      const { router, memory, logged } = setUp();
      memory.fail({ method: 'searchGroups', error: err });
      const body = await router.handleSearch(turnOf(ADMIN), query('pilot'));
      expect(body).toEqual(error(statusCode, code, expect.stringMatching(message)));
      expect(logged).toEqual([
        { level: 'warn', details: { err, tenantId: TENANT, kind: err.kind }, message: 'group search failed' },
      ]);
    }
  });

  it('a malformed search or an unknown dataset is a 400 that says why', async () => {
    const { router, memory } = setUp();
    for (const value of [
      null,
      'pilot',
      [],
      {},
      { ...query('pilot'), dataset: 7 },
      query(42),
      query({ a: 1 }),
    ]) {
      expect(await router.handleSearch(turnOf(ADMIN), value)).toEqual(
        error(400, 'BadRequest', expect.stringMatching(/^This search is not valid/)),
      );
    }
    expect(await router.handleSearch(turnOf(ADMIN), { ...query('pilot'), dataset: 'npm' })).toEqual(
      error(400, 'BadRequest', 'Unknown search “npm”.'),
    );
    expect(memory.calls.searchGroups).toBe(0);
  });
});

describe('the application/search invoke in the turn logic', () => {
  /** A TurnContext that records what the turn sends (the invoke response among it). */
  const contextFor = (value: unknown, aadObjectId = ADMIN.id) => {
    const sent: { type?: string; value?: unknown }[] = [];
    const activity = {
      type: 'invoke',
      name: 'application/search',
      id: `act-${++n}`,
      channelId: 'msteams',
      serviceUrl: 'https://smba.example/',
      from: { id: `29:${aadObjectId}`, name: 'Someone', aadObjectId },
      conversation: { id: 'a:personal', conversationType: 'personal', tenantId: TENANT },
      channelData: { tenant: { id: TENANT } },
      recipient: { id: '28:bot' },
      value,
    };
    const context = {
      activity,
      sendActivity: async (a: { type?: string; value?: unknown }) => (sent.push(a), { id: 'r' }),
    } as unknown as TurnContext;
    return { context, sent };
  };
  const logicFor = (router: Router, invokeMs = 4000) =>
    createBotLogic(router, pino({ level: 'silent' }), {
      anonymous: false,
      appId: 'app',
      deadlines: { invokeMs, messageMs: 10_000 },
      wait: async () => {},
    });

  it('is answered with the search response (not 501), the identity from the activity', async () => {
    const { router } = setUp();
    const { context, sent } = contextFor(query('pilot users eu'));
    await logicFor(router)(context);
    expect(sent).toEqual([
      {
        type: 'invokeResponse',
        value: { status: 200, body: searchResponse([choices('Pilot users EU', PILOT_EU.id)]) },
      },
    ]);
    const refused = contextFor(query('pilot'), MEMBER.id);
    await logicFor(router)(refused.context);
    expect(refused.sent).toEqual([
      { type: 'invokeResponse', value: { status: 200, body: error(400, 'Forbidden') } },
    ]);
  });

  it('a directory that does not answer is a search error within the invoke deadline', async () => {
    const { router, memory } = setUp();
    memory.searchGroups = () => new Promise(() => {});
    const { context, sent } = contextFor(query('pilot'));
    const started = Date.now();
    await logicFor(router, 300)(context);
    expect(Date.now() - started).toBeLessThan(300);
    expect(sent).toEqual([
      {
        type: 'invokeResponse',
        value: {
          status: 200,
          body: error(
            500,
            'Unavailable',
            'The search did not finish in time. Please type again in a moment.',
          ),
        },
      },
    ]);
  });

  it('a bug in the search is an internal error response, never a crash', async () => {
    const { router, memory } = setUp();
    memory.searchGroups = async () => {
      throw new TypeError('boom');
    };
    const { context, sent } = contextFor(query('pilot'));
    await logicFor(router)(context);
    expect(sent).toEqual([
      { type: 'invokeResponse', value: { status: 200, body: error(500, 'InternalError') } },
    ]);
  });
});

describe("the forms' group pickers", () => {
  const A = '0a000000-0000-4000-8000-000000000001';
  const B = '0a000000-0000-4000-8000-000000000002';

  it('picked ids join the pasted ones (kept as typed), one per line, each once; the pickers empty', () => {
    expect(
      withPickedGroups({
        audienceGroups: `${A.toUpperCase()}, \n`,
        audienceGroupPicks: `${A},${B},${B.toUpperCase()}`,
        signoffGroups: '',
        signoffGroupPicks: B,
        name: 'x',
      }),
    ).toEqual({
      audienceGroups: `${A.toUpperCase()},\n${B}`,
      audienceGroupPicks: '',
      signoffGroups: B,
      signoffGroupPicks: '',
      name: 'x',
    });
  });

  it('nothing picked changes nothing; a form without pickers (settings) is left as it is', () => {
    expect(withPickedGroups({ audienceGroups: `${A}\n${A}`, audienceGroupPicks: ' ' })).toEqual({
      audienceGroups: `${A}\n${A}`,
      audienceGroupPicks: '',
    });
    expect(withPickedGroups({ name: 'x', audienceGroups: A })).toEqual({ name: 'x', audienceGroups: A });
  });
});

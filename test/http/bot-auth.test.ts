import { ADELE, message } from '../support/activities';
import {
  BotFrameworkIssuer,
  invalidAuthorizations,
  trustTestCa,
  type Claims,
  type SignOptions,
} from '../support/bot-framework-issuer';
import { startAuthenticatedHarness } from '../support/authenticated-harness';
import { startHarness, type Harness } from '../support/harness';
import { WriteCountingTable } from '../support/write-counting-table';

/**
 * Real Bot Framework authentication over HTTP: the bot validates tokens against a local OpenID
 * metadata + key set signed with test keys, and gets its own token from a local https token
 * endpoint (the bot runs in this process: the test CA is added to the default https agent).
 */
const APP_ID = '11111111-2222-4333-8444-555555555555';
const SECRET = 'test-client-secret-not-real';

trustTestCa();

interface Bot {
  h: Harness;
  tables: WriteCountingTable[];
  logs: Record<string, unknown>[];
  writes(): number;
}

const startBot = async (env: Record<string, string>): Promise<Bot> => {
  const tables = [new WriteCountingTable(), new WriteCountingTable(), new WriteCountingTable()];
  const logs: Record<string, unknown>[] = [];
  const h = await startHarness({
    env: { ROLLOUT_ADMINS: ADELE.id, ...env },
    table: tables[0],
    feedbackTable: tables[1],
    signoffTable: tables[2],
    logStream: { write: (line) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { h, tables, logs, writes: () => tables.reduce((n, t) => n + t.writes, 0) };
};

const now = () => Math.floor(Date.now() / 1000);

describe('with a local Bot Framework issuer', () => {
  let issuer: BotFrameworkIssuer;
  let bot: Bot;
  const say = (text: string, authorization?: string) =>
    bot.h.post(
      message(text, { serviceUrl: bot.h.connector.url }),
      authorization === undefined ? {} : { Authorization: authorization },
    );
  const channelAuth = (overrides: Claims = {}, options: SignOptions = {}) =>
    issuer.channelAuth(APP_ID, bot.h.connector.url, overrides, options);

  beforeAll(async () => {
    issuer = await new BotFrameworkIssuer().start();
    bot = await startBot(issuer.env(APP_ID, SECRET));
  });
  afterAll(async () => {
    await bot.h.close();
    await issuer.stop();
  });

  it('accepts a valid channel token, and the reply reaches the connector with the bot’s own token', async () => {
    const res = await say('rollout new Auth check', channelAuth());
    expect(res.status).toBe(200);
    await bot.h.server.settled();
    expect(bot.writes()).toBeGreaterThan(0);
    const replies = bot.h.connector.calls.filter((c) => c.method === 'POST');
    expect(replies.length).toBeGreaterThan(0);
    expect(bot.h.connector.texts().join('\n')).toMatch(/Created “Auth check”/);
    // The bot's own token came from the local token endpoint, for the Bot Framework's scope.
    expect(issuer.tokenRequests).toHaveLength(1);
    expect(issuer.tokenRequests[0]).toEqual({
      path: '/botframework.com/oauth2/v2.0/token',
      form: expect.objectContaining({
        grant_type: 'client_credentials',
        client_id: APP_ID,
        client_secret: SECRET,
        scope: 'https://api.botframework.com/.default',
      }) as unknown,
    });
    for (const call of replies) expect(call.authorization).toBe(`Bearer ${issuer.issuedTokens[0]}`);
    // Neither the inbound token, the bot's own token nor its secret is in any log line.
    const logged = JSON.stringify(bot.logs);
    expect(logged).not.toContain(issuer.issuedTokens[0]);
    expect(logged).not.toContain(SECRET);
  });

  // The cases are built per test: their times are relative to now.
  const names = invalidAuthorizations(new BotFrameworkIssuer(), APP_ID, 'http://x/').map(([name]) => name);

  it.each(names)('%s → 401, nothing stored, nothing sent', async (name) => {
    const authorization = invalidAuthorizations(issuer, APP_ID, bot.h.connector.url).find(
      ([n]) => n === name,
    )?.[1];
    bot.h.connector.clear();
    bot.logs.length = 0;
    const before = bot.writes();
    const tokensBefore = issuer.tokenRequests.length;
    const res = await say('rollout new Should not exist', authorization);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'Unauthorized', message: expect.any(String) as unknown } });
    expect(JSON.stringify(res.body)).not.toMatch(/jwt|signature|expired|key|http/i);
    await bot.h.server.settled();
    expect(bot.writes()).toBe(before);
    expect(bot.h.connector.calls).toEqual([]);
    expect(issuer.tokenRequests.length).toBe(tokensBefore);
    // A client's bad token is no server error: logged at warn at most.
    expect(bot.logs.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('logs why a request was refused, and botbuilder’s console output goes through the logger', async () => {
    const expired = channelAuth({ nbf: now() - 7200, exp: now() - 400 });
    bot.logs.length = 0;
    expect((await say('help', expired)).status).toBe(401);
    const refusal = bot.logs.find((l) => l.msg === 'request not authenticated: 401');
    expect(refusal).toMatchObject({ level: 40, reason: 'The token has expired' });
    // The SDK console.error()s an expired token's error: it arrives as a log line, not on stderr.
    expect(bot.logs.some((l) => l.source === 'console' && l.level === 40)).toBe(true);
    expect(JSON.stringify(bot.logs)).not.toContain(expired.slice(7));
  });
});

describe('when the signing keys cannot be loaded', () => {
  const unauthorizedBody = { error: { code: 'ServiceUnavailable', message: expect.any(String) as unknown } };

  it.each([
    ['the metadata endpoint answers 500', 'error'],
    ['the metadata endpoint never answers (time-out)', 'hang'],
  ] as const)('%s → 503 with a short generic body, logged, nothing stored or sent', async (_name, mode) => {
    const issuer = await new BotFrameworkIssuer().start();
    const bot = await startBot(issuer.env(APP_ID, SECRET));
    try {
      issuer.metadataMode = mode;
      const started = Date.now();
      const res = await bot.h.post(message('help', { serviceUrl: bot.h.connector.url }), {
        Authorization: issuer.channelAuth(APP_ID, bot.h.connector.url),
      });
      expect(res.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(6000);
      expect(res.body).toEqual(unauthorizedBody);
      expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|http|500|ECONN|fetch/);
      const logged = bot.logs.find(
        (l) => l.msg === 'Bot Framework signing keys unavailable: request refused with 503',
      );
      expect(logged).toMatchObject({ level: 50, url: issuer.channelMetadataUrl });
      expect(String(logged?.reason)).toMatch(mode === 'hang' ? /no answer within \d+ ms/ : /HTTP 500/);
      await bot.h.server.settled();
      expect(bot.writes()).toBe(0);
      expect(bot.h.connector.calls).toEqual([]);
    } finally {
      await bot.h.close();
      await issuer.stop();
    }
  });

  it('the metadata host is unreachable → 503 without the internal error text', async () => {
    const issuer = await new BotFrameworkIssuer().start();
    const channelMetadataUrl = issuer.channelMetadataUrl;
    await issuer.stop(); // nothing listens there any more
    const bot = await startBot({
      ...issuer.env(APP_ID, SECRET),
      ToBotFromChannelOpenIdMetadataUrl: channelMetadataUrl,
    });
    try {
      const res = await bot.h.post(message('help', { serviceUrl: bot.h.connector.url }), {
        Authorization: issuer.channelAuth(APP_ID, bot.h.connector.url),
      });
      expect(res.status).toBe(503);
      expect(res.body).toEqual(unauthorizedBody);
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|request to/);
      expect(
        bot.logs.find((l) => l.msg === 'Bot Framework signing keys unavailable: request refused with 503'),
      ).toMatchObject({
        reason: expect.stringMatching(/ECONNREFUSED/) as unknown,
      });
      expect(bot.writes()).toBe(0);
    } finally {
      await bot.h.close();
    }
  });

  it('keys loaded once stay in use when the endpoint goes down later', async () => {
    const issuer = await new BotFrameworkIssuer().start();
    const bot = await startBot(issuer.env(APP_ID, SECRET));
    try {
      const post = (overrides: Claims = {}) =>
        bot.h.post(message('help', { serviceUrl: bot.h.connector.url }), {
          Authorization: issuer.channelAuth(APP_ID, bot.h.connector.url, overrides),
        });
      expect((await post()).status).toBe(200);
      issuer.metadataMode = 'error';
      expect((await post()).status).toBe(200);
      // An unknown key id with the endpoint down is still just an unknown key: 401.
      const stranger = issuer.channelAuth(APP_ID, bot.h.connector.url, {}, { key: issuer.strangerKey });
      const res = await bot.h.post(message('help', { serviceUrl: bot.h.connector.url }), {
        Authorization: stranger,
      });
      expect(res.status).toBe(401);
    } finally {
      await bot.h.close();
      await issuer.stop();
    }
  });
});

describe('startAuthenticatedHarness (the fuzz suite’s entry point)', () => {
  it('answers a valid token and refuses every invalid one', async () => {
    const h = await startAuthenticatedHarness();
    try {
      const activity = () => message('help', { serviceUrl: h.connector.url });
      expect((await h.post(activity(), { Authorization: h.validAuthorization() })).status).toBe(200);
      for (const [name, authorization] of h.invalidAuthorizations()) {
        const res = await h.post(
          activity(),
          authorization === undefined ? {} : { Authorization: authorization },
        );
        expect([name, res.status]).toEqual([name, 401]);
      }
    } finally {
      await h.close();
    }
  });
});

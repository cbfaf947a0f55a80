import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADELE, message } from '../support/activities';
import { BotFrameworkIssuer, TEST_CA_PATH } from '../support/bot-framework-issuer';
import { startBotProcess, type BotProcess } from '../support/bot-process';
import { FakeConnector } from '../support/fake-connector';

/**
 * `npm start` with Bot Framework authentication against the local issuer, as production runs it:
 * the test CA reaches the bot through NODE_EXTRA_CA_CERTS (read at process start), MSAL gets the
 * bot's own token from the local https authority, and botbuilder's console output is JSON logs.
 */
const APP_ID = '22222222-3333-4444-8555-666666666666';
const SECRET = 'process-test-secret-not-real';

let issuer: BotFrameworkIssuer;
let connector: FakeConnector;
let dataDir: string;
let bot: BotProcess | null = null;

beforeAll(async () => {
  issuer = await new BotFrameworkIssuer().start();
  connector = await new FakeConnector().start();
  dataDir = mkdtempSync(join(tmpdir(), 'rollout-auth-process-'));
  bot = await startBotProcess({
    ...issuer.env(APP_ID, SECRET),
    NODE_EXTRA_CA_CERTS: TEST_CA_PATH,
    ROLLOUT_ADMINS: ADELE.id,
    DATA_DIR: dataDir,
    NODE_ENV: 'development',
  });
}, 60_000);
afterAll(async () => {
  if (bot && bot.child.exitCode === null) await bot.stop('SIGTERM');
  await connector.stop();
  await issuer.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (activity: unknown, authorization: string) =>
  fetch(`${bot!.url}/api/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: authorization },
    body: JSON.stringify(activity),
  });

it('a valid token is answered, and the reply carries the bot’s own token from the local authority', async () => {
  const res = await post(
    message('help', { serviceUrl: connector.url }),
    issuer.channelAuth(APP_ID, connector.url),
  );
  expect(res.status).toBe(200);
  const reply = connector.calls.find((c) => c.method === 'POST');
  expect(reply?.authorization).toBe(`Bearer ${issuer.issuedTokens[0]}`);
  expect(issuer.tokenRequests[0]?.form).toMatchObject({
    client_id: APP_ID,
    grant_type: 'client_credentials',
  });
});

it('a bad token is 401, and botbuilder’s console output is a scrubbed JSON log line, not stderr', async () => {
  connector.clear();
  const now = Math.floor(Date.now() / 1000);
  const expired = issuer.channelAuth(APP_ID, connector.url, { nbf: now - 7200, exp: now - 400 });
  const res = await post(message('help', { serviceUrl: connector.url }), expired);
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({
    error: { code: 'Unauthorized', message: 'The request is not authorized.' },
  });
  expect(connector.calls).toEqual([]);
  const deadline = Date.now() + 5000;
  while (!bot!.logs.some((l) => l.source === 'console') && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 20));
  }
  expect(bot!.logs.some((l) => l.source === 'console' && l.level === 40)).toBe(true);
  expect(bot!.stderr).not.toMatch(/TokenExpiredError|jwt expired/);
  const everything = JSON.stringify(bot!.logs) + bot!.stderr;
  expect(everything).not.toContain(expired.slice(7));
  expect(everything).not.toContain(SECRET);
  expect(everything).not.toContain(issuer.issuedTokens[0]);
});

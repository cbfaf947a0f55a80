import { ANNOUNCE_UNAVAILABLE } from '../../src/app/announce/announce-common';
import { ADELE, fact, invoke, LEE, message } from '../support/activities';
import { startHarness, type Harness } from '../support/harness';

/**
 * The announce commands and buttons over real HTTP (the server, the adapter, the router): the
 * admin check of every command and button, and the buttons' data checked at the edge. (The whole
 * flow, with the server's announcements wired: announce-flow.test.ts.)
 */
let h: Harness;
let rolloutId = '';
const say = async (text: string, from = ADELE) => {
  await h.post(message(text, { serviceUrl: h.connector.url, from }));
  await h.server.settled();
  return h.connector.texts().at(-1) ?? '';
};

beforeAll(async () => {
  h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id } });
  await say('rollout new Copilot');
  rolloutId = fact(h.connector.cards().at(-1) ?? {}, 'Rollout id') ?? '';
});
afterAll(() => h.close());

it.each(['announce', 'announce cancel', 'announce retry', 'announce report'])(
  '%s: a non-admin is refused',
  async (command) => {
    expect(await say(`${command} ${rolloutId}`, LEE)).toMatch(
      new RegExp(`only the rollout's admins can use \`${command}\``),
    );
  },
);

/** What a button answers where announcements are wired (the refusal) or not (that they are not). */
const REFUSED = new RegExp(`only the rollout's admins|${ANNOUNCE_UNAVAILABLE}`);

it('the preview buttons refuse a non-admin (never an error); malformed data is refused with 400', async () => {
  const data = { announcementId: 'a-1', rolloutId, stageId: 'pilot' };
  for (const verb of ['announcement.send', 'announcement.test', 'announcement.skip']) {
    const res = await h.post(invoke(verb, data, { serviceUrl: h.connector.url, from: LEE }));
    expect(res).toMatchObject({
      status: 200,
      body: { statusCode: 200, value: expect.stringMatching(REFUSED) },
    });
  }
  const bad = await h.post(
    invoke('announcement.send', { ...data, at: 'tomorrow' }, { serviceUrl: h.connector.url }),
  );
  expect(bad).toMatchObject({ status: 200, body: { statusCode: 400 } });
  const forged = await h.post(
    invoke('announcement.gotit', { announcementId: 'a-1', part: 'x' }, { serviceUrl: h.connector.url }),
  );
  expect(forged).toMatchObject({ status: 200, body: { statusCode: 400 } });
});

it('help lists the announce commands', async () => {
  const text = await say('help');
  for (const usage of [
    'announce [rollout] [--stage id] [--at "YYYY-MM-DD HH:mm"]',
    'announce cancel [rollout]',
    'announce retry [rollout]',
    'announce report [rollout]',
  ]) {
    expect(text).toContain(`\`${usage}\``);
  }
});

import { ADELE, fact, invoke, LEE, message } from '../support/activities';
import { startHarness, type Harness } from '../support/harness';

/**
 * "Stop reminding me" (`reminders.stop`, on a feedback nudge) and `reminders on [rollout]` over
 * real HTTP: anyone may use them, for themselves (identity from the activity), idempotently.
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

it('Stop reminding me replaces the card with how to undo it, the same when clicked again', async () => {
  const answers: string[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await h.post(
      invoke('reminders.stop', { rolloutId }, { serviceUrl: h.connector.url, from: LEE, scope: 'personal' }),
    );
    expect(res.status).toBe(200);
    answers.push(JSON.stringify(res.body));
  }
  expect(answers[0]).toContain(
    "You won't get more reminders about Copilot. Type `reminders on Copilot` to undo.",
  );
  expect(answers[1]).toBe(answers[0]);
  // The card no longer offers its buttons.
  expect(answers[0]).not.toContain('reminders.stop');
});

it('reminders on undoes it for the person asking, the same when said again', async () => {
  expect(await say(`reminders on ${rolloutId}`, LEE)).toBe(
    'Reminders about Copilot are on again: you may get a feedback nudge while its current stage asks for feedback.',
  );
  expect(await say(`reminders on ${rolloutId}`, LEE)).toContain('Reminders about Copilot are on again');
});

it('malformed data is refused with 400; a rollout that does not exist is said so', async () => {
  const bad = await h.post(
    invoke('reminders.stop', { rolloutId: 7 }, { serviceUrl: h.connector.url, from: LEE }),
  );
  expect(bad).toMatchObject({ status: 200, body: { statusCode: 400 } });
  const gone = await h.post(
    invoke('reminders.stop', { rolloutId: 'ro-nope' }, { serviceUrl: h.connector.url, from: LEE }),
  );
  expect(JSON.stringify(gone.body)).toContain('That rollout no longer exists.');
});

it('help lists reminders on', async () => {
  expect(await say('help')).toContain('`reminders on [rollout]`');
});

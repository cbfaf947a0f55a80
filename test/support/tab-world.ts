import { ADELE, invoke, LEE, message, type ActivityOptions, type Scope } from './activities';
import { requireAction, type Card } from './cards';
import type { Harness } from './harness';

/** People of the tab's tests besides Adele (admin) and Lee (pilot user who shares their name). */
export const MEGAN = { id: '00000000-0000-4000-8000-0000000000a3', name: 'Megan Bowen' };
export const ALEX = { id: '00000000-0000-4000-8000-0000000000a4', name: 'Alex Wilber' };
export type Someone = typeof ADELE;

export const ANSWER = {
  rating: '4',
  installed: 'yes',
  category: 'functionality',
  severity: 'none',
  platform: 'windows',
  comment: 'Works',
  shareName: 'true',
};

/**
 * A rollout as people make it in Teams, through the real server: Adele creates "Teams Premium" in a
 * channel and forces it to the pilot; Lee reports a blocker and shares his name; Alex answers
 * anonymously with a major issue; Megan a plain answer. `headers` authenticates the bot's activities
 * (an authenticated harness's channel token).
 */
export const seedRollout = async (
  h: Harness,
  headers: () => Record<string, string> = () => ({}),
): Promise<void> => {
  const say = (text: string, from: Someone = ADELE, scope: Scope = 'channel') =>
    h.post(message(text, { serviceUrl: h.connector.url, from, scope }), headers());
  await say('rollout new Teams Premium');
  await say('advance phase --force "lab done"');
  await say('advance phase --force "pilot group chosen"');
  await h.server.settled();
  const answer = (from: Someone, values: Record<string, string>) => answerFeedback(h, from, values, headers);
  await answer(LEE, { ...ANSWER, severity: 'blocker', category: 'sign-in', comment: 'Sign-in loops' });
  await answer(ALEX, {
    ...ANSWER,
    severity: 'major',
    rating: '2',
    platform: 'macos',
    comment: 'Slow on Mac',
    shareName: 'false',
  });
  await answer(MEGAN, { ...ANSWER, rating: '5', comment: 'Great' });
  await h.server.settled();
};

/**
 * Someone answers the current stage's feedback card in their personal chat (`feedback`, then the
 * form's Send with `values` over the form's own data).
 */
export const answerFeedback = async (
  h: Harness,
  from: Someone,
  values: Record<string, string>,
  headers: () => Record<string, string> = () => ({}),
): Promise<void> => {
  await h.post(message('feedback', { serviceUrl: h.connector.url, from, scope: 'personal' }), headers());
  const form = h.connector.cards().at(-1) as Card;
  const data = { ...requireAction(form, 'feedback.submit').data, ...values };
  const res = await h.post(
    invoke('feedback.submit', data, { serviceUrl: h.connector.url, scope: 'personal', from }),
    headers(),
  );
  if (res.status !== 200) throw new Error(`feedback not stored: ${res.status}`);
  await h.server.settled();
};

/** The seeded rollout's channel, and a second one (another rollout coordinated elsewhere). */
export const OTHER_CHANNEL = '19:0000000000000000000000000000dddd@thread.tacv2';

/**
 * A message to the bot (in the seeded rollout's channel unless `conversationId` says otherwise),
 * then the work it deferred; answers the bot's last text reply.
 */
export const sayTo = async (
  h: Harness,
  text: string,
  options: { from?: Someone; scope?: Scope; conversationId?: string } = {},
): Promise<string> => {
  const activity: ActivityOptions = {
    serviceUrl: h.connector.url,
    from: options.from ?? ADELE,
    scope: options.scope ?? 'channel',
    ...(options.conversationId ? { conversationId: options.conversationId } : {}),
  };
  const res = await h.post(message(text, activity));
  if (res.status !== 200) throw new Error(`"${text}" answered ${res.status}`);
  await h.server.settled();
  return h.connector.texts().at(-1) ?? '';
};

/** An Action.Execute click on a card in the channel (or `scope`), then the work it deferred. */
export const clickCard = async (
  h: Harness,
  verb: string,
  data: Record<string, unknown>,
  from: Someone = ADELE,
  scope: Scope = 'channel',
): Promise<unknown> => {
  const res = await h.post(invoke(verb, data, { serviceUrl: h.connector.url, scope, from }));
  if (res.status !== 200) throw new Error(`${verb} answered ${res.status}`);
  await h.server.settled();
  return res.body;
};

/** A CodeBlock's text in a card (the plan export's YAML). */
const codeOf = (node: unknown): string | null => {
  if (!node || typeof node !== 'object') return null;
  const n = node as Record<string, unknown>;
  if (n.type === 'CodeBlock' && typeof n.codeSnippet === 'string') return n.codeSnippet;
  for (const value of Object.values(n)) {
    const found = codeOf(value);
    if (found !== null) return found;
  }
  return null;
};

/**
 * The plan changed as an admin does in Teams: `plan export`, the YAML edited, `plan import` and
 * its Import. Throws unless the bot says it imported.
 */
export const editPlan = async (h: Harness, edit: (yaml: string) => string): Promise<void> => {
  await sayTo(h, 'plan export');
  const yaml = codeOf(h.connector.cards().at(-1));
  if (yaml === null) throw new Error('plan export showed no YAML');
  await sayTo(h, 'plan import');
  const form = h.connector.cards().at(-1) as Card;
  const body = JSON.stringify(
    await clickCard(h, 'plan.import', { ...requireAction(form, 'plan.import').data, f_yaml: edit(yaml) }),
  );
  if (body.includes('Nothing was imported')) throw new Error(`plan not imported: ${body.slice(0, 600)}`);
};

/** The help desk of the tab's tests (ROLLOUT_HELPDESK): Hal answers readiness, Pat never does. */
export const HAL = { id: '00000000-0000-4000-8000-0000000000a5', name: 'Hal Desk' };
export const PAT = { id: '00000000-0000-4000-8000-0000000000a6', name: 'Pat Support' };
/** A fourth pilot user, who answers on the second day. */
export const NESTOR = { id: '00000000-0000-4000-8000-0000000000a7', name: 'Nestor Wilke' };
export const HELPDESK_ENV = `${HAL.id},${PAT.id}`;
const DAY = 24 * 3_600_000;

/** Runs the daily digest job at the clock's time (the rollout's snapshot of that local date). */
export const runDigest = async (h: Harness): Promise<void> => {
  await h.server.runJob('daily-digest', h.clock.now());
};

/**
 * The seeded rollout (`seedRollout`) lived in for a day more, through the bot: its plan gives the
 * pilot an audience (Lee, Alex, Megan, Nestor) and a time frame; it is paused and resumed; the
 * daily digest snapshots day 1 (three answers), Nestor answers the next day and the digest
 * snapshots day 2 (four); the help desk (HAL, PAT: `HELPDESK_ENV` as ROLLOUT_HELPDESK) is asked
 * for readiness and Hal answers Ready; the pilot is announced (preview, Send) and the fan-out
 * drained. Needs the harness's env `ROLLOUT_HELPDESK: HELPDESK_ENV`.
 */
export const liveRollout = async (h: Harness): Promise<void> => {
  await seedRollout(h);
  const members = [LEE, ALEX, MEGAN, NESTOR].map((p) => p.id).join(', ');
  await editPlan(h, (yaml) =>
    yaml.replace(
      /\n {2}pilot:\n {4}timeFrame:\n {6}start: null\n {6}end: null\n/,
      `\n  pilot:\n    audience: { members: [${members}] }\n    timeFrame:\n      start: 2026-02-09\n      end: 2026-02-20\n`,
    ),
  );
  expectReply(await sayTo(h, 'pause --reason "waiting for the sign-in fix"'), /is paused/);
  h.clock.advance(60_000);
  expectReply(await sayTo(h, 'resume'), /is active again/);
  await runDigest(h);
  h.clock.advance(DAY);
  await answerFeedback(h, NESTOR, { ...ANSWER, rating: '3', comment: 'Fine on Windows' });
  await runDigest(h);
  expectReply(await sayTo(h, 'signoff request'), /Asked the help desk for readiness/);
  const request = h.connector.cards().at(-1) as Card;
  await clickCard(
    h,
    'signoff.answer',
    requireAction(request, 'signoff.answer', (d) => d.ready === true).data,
    HAL,
  );
  await sayTo(h, 'announce');
  const preview = h.connector.cards().at(-1) as Card;
  const sent = JSON.stringify(
    await clickCard(h, 'announcement.send', requireAction(preview, 'announcement.send').data),
  );
  if (!sent.includes('Sent by')) throw new Error(`announcement not sent: ${sent.slice(0, 400)}`);
  await h.server.fanout.drain();
  await h.server.settled();
};

/** A second rollout, "Viva Insights", coordinated in another channel and left in its first phase. */
export const secondRollout = async (h: Harness): Promise<void> => {
  await sayTo(h, 'rollout new Viva Insights', { conversationId: OTHER_CHANNEL });
};

const expectReply = (text: string, pattern: RegExp): void => {
  if (!pattern.test(text)) throw new Error(`the bot said "${text.slice(0, 300)}", not ${String(pattern)}`);
};

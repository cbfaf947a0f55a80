import { ADELE, invoke, LEE, message, type Scope } from './activities';
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
  const answer = async (from: Someone, values: Record<string, string>) => {
    await say('feedback', from, 'personal');
    const form = h.connector.cards().at(-1) as Card;
    const data = { ...requireAction(form, 'feedback.submit').data, ...values };
    const res = await h.post(
      invoke('feedback.submit', data, { serviceUrl: h.connector.url, scope: 'personal', from }),
      headers(),
    );
    if (res.status !== 200) throw new Error(`feedback not stored: ${res.status}`);
  };
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

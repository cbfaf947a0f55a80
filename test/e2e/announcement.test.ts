import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { startPlayground, type Playground } from '../../src/cli/playground-process';
import { startBotProcess, type BotProcess } from '../support/bot-process';
import {
  ADELE,
  describeInChromium,
  launchChromium,
  openPlayground,
  playgroundPage,
  requireChromium,
  SHOTS,
} from '../support/playground-browser';

/**
 * A phase announcement in the Microsoft 365 Agents Playground (0.2.28), in real headless Chromium:
 * an admin announces the current stage, Send fans it out, the recipient sees the personal card in
 * her personal chat and clicks "Got it", and the announcement's post in the rollout's group chat
 * shows the counts.
 *
 * What the Playground does, as read in its bundle (`dist/index.js`) and checked against it with a
 * recording bot before this test was written:
 *
 * - Conversations. The left pane lists "Personal Chat" (the configuration's `personalChat.id`,
 *   `a:personal-chat-adele`), "Rollout group chat" (`groupChat.id`, `19:group-chat@thread.v2`,
 *   conversationType `groupChat`) and, under "Teams Channel", the team's "General" and "Rollouts"
 *   channels (`19:rollouts@thread.tacv2`, conversationType `channel`). Clicking an entry shows
 *   that conversation (only its messages are in the DOM); the first visit to a channel sends the
 *   bot an `installationUpdate` and a `conversationUpdate` (teamMemberAdded). The personal chat
 *   gets both at page load. The current user is always Adele Vance (`user-id-0`, aadObjectId
 *   …a1); the configured other users exist only as members.
 * - Mentions. In the group chat and in a channel the bot receives a message only when it is
 *   @mentioned: typing `@Ro` opens a menu (role menuitem) of the bot and the members; picking
 *   "Rollout" puts a mention in, and the bot receives `<at>Rollout</at> …` with a mention entity.
 *   Without it nothing reaches the bot (checked). In a channel every top-level message is a new
 *   post and the bot's turn is in `19:rollouts@thread.tacv2;messageid=<post>` (the thread); a
 *   proactive send to the bare channel id makes a new post (at the top of the channel), to the
 *   thread id a reply in it. The group chat is one flat list, in order: this test coordinates the
 *   rollout there, which keeps "the n-th card" meaningful.
 * - createConversation (POST /v3/conversations). Not group: `createPersonalChat(members[0].id)`,
 *   keyed on the literal member id. With `user-id-0` it answers the existing personal chat
 *   (`a:personal-chat-adele`), so a send shows there. With Adele's aadObjectId (the id Teams
 *   itself accepts) it makes a new chat `<guid>@test.user` for a user id that does not exist, and
 *   a send to it fails 500 `{"code":"UserNotFound"}`; with another user's id (`user-id-1`) the
 *   send answers 201 but is never shown (only chats of the current user reach the browser). So the
 *   recipient's personal chat must come from a stored reference: Adele's messages in her personal
 *   chat (and the installationUpdate at page load) are captured, and the bot's continueConversation
 *   to `a:personal-chat-adele` is used. Group (`isGroup`): it needs `channelData.channel.id` and
 *   posts to that channel.
 * - Proactive sends (POST /v3/conversations/{id}/activities without a turn) show up at once,
 *   also while another conversation is on screen (the list entry's preview changes; the messages
 *   are there on switching to it). A card sent proactively is clickable like a reply's.
 * - Updates (PUT /v3/conversations/{id}/activities/{activityId}) replace the message in place (its
 *   position stays), on screen at once and also when made while another conversation is shown;
 *   in personal and group chats, channel posts and replies in a channel thread alike.
 *   DELETE is not implemented (the Playground logs a warning and answers an error).
 * - Action.Execute: the Playground sends `adaptiveCard/action` (without `trigger`) from the
 *   conversation the card is in, with `replyToId` the card's message id, and replaces the card
 *   with the invoke response's card for the clicker, with a "Your response was sent to the app"
 *   note under it; an invoke answered with a message (no card) leaves the card as it was and shows
 *   the message's text on the page. There is no automatic `refresh`.
 * - Headless Debian Chromium has no emoji font: "📣" and "✅" render as boxes in the screenshots
 *   (the text is there; fonts-noto-color-emoji would draw them).
 */
/** The plan imported: the current stage (scope) lists Adele as its audience, with its communication plan. */
const PLAN = `version: 1
name: Notes rollout
timeZone: UTC
phases:
  scope:
    audience: { members: [${ADELE}] }
    communication:
      whatIsDeployed: Contoso Notes 3 on every laptop
      howAndWhen: It installs itself overnight; restart once in the morning.
      businessPurpose: One place for meeting notes.
      selfHelpUrl: https://example.com/notes-help
      helpDeskContact: Call 4242 or write to help@example.com
  poc: {}
  pilot: {}
  enterprise: {}
  operations: {}
`;

describeInChromium()('announcements in the Agents Playground (Chromium)', () => {
  let dataDir: string;
  let bot: BotProcess;
  let playground: Playground;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    requireChromium();
    mkdirSync(SHOTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'rollout-e2e-announce-'));
    bot = await startBotProcess({ DATA_DIR: dataDir, ROLLOUT_ADMINS: ADELE });
    playground = await startPlayground({ botEndpoint: `${bot.url}/api/messages` });
    browser = await launchChromium();
    page = await openPlayground(browser, playground.url);
  }, 90_000);

  afterAll(async () => {
    // The page as it was last, passed or failed (what a failed wait was looking at).
    await page?.screenshot({ path: join(SHOTS, 'announce-last.png') }).catch(() => undefined);
    if (bot)
      writeFileSync(join(SHOTS, 'announce-bot.log'), bot.logs.map((l) => JSON.stringify(l)).join('\n'));
    await browser?.close();
    await playground?.stop();
    if (bot && bot.child.exitCode === null) await bot.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const { cards, compose, visible, type, card } = playgroundPage(() => page);
  /** Shows a conversation by clicking its entry in the left pane. */
  const open = async (name: 'Personal Chat' | 'Rollout group chat') => {
    await page.getByText(name, { exact: true }).click();
    await compose().waitFor();
  };
  /** Sends a message to the bot in the group chat: @Rollout picked from the mention menu, then the text. */
  const say = async (text: string) => {
    const box = compose();
    await box.click();
    await box.pressSequentially('@Ro');
    await page.getByRole('menuitem', { name: 'Rollout' }).click();
    await box.pressSequentially(` ${text}`);
    await box.press('Enter');
  };

  /**
   * The value of a card's fact (the Playground renders a FactSet as `.ac-fact-title` cells each
   * followed by its `.ac-fact-value`) when it reads `value`: wait for it to be visible.
   */
  const fact = (within: Locator, title: string, value: string): Locator =>
    within
      .locator('.ac-fact-title')
      .filter({ hasText: new RegExp(`^\\s*${title}\\s*$`) })
      .locator('xpath=following-sibling::*[1]')
      .filter({ hasText: new RegExp(`^\\s*${value}\\s*$`) });

  it('an admin announces the stage, Adele gets the card and clicks Got it, the group chat shows the counts', async () => {
    // Adele meets the bot in her personal chat: her reference (a:personal-chat-adele) is stored.
    await type('help');
    await visible(page.getByText(/rollout new/).first());

    // The rollout is coordinated in the group chat.
    await open('Rollout group chat');
    await say('rollout new Notes rollout');
    const status = await card(1, 'announce-rollout-new');
    await visible(status.getByText('Current phase'));

    // The plan: the current stage (scope) is for Adele, with its communication plan.
    await say('plan import');
    const importing = await card(2, 'announce-plan-import');
    await importing.locator('textarea').first().fill(PLAN);
    await importing.getByRole('button', { name: 'Import' }).click();
    await visible(cards().nth(1).getByText('Contoso Notes 3 on every laptop'));

    // The preview: one recipient (the listed member), the communication plan, and the three buttons.
    await say('announce');
    const preview = await card(3, 'announce-preview');
    await visible(preview.getByText('Announce Project scope?'));
    await visible(preview.getByText(/Goes to 1 person \(the members listed in the plan\)/));
    await visible(preview.getByText('Contoso Notes 3 on every laptop'));
    await visible(preview.getByRole('button', { name: 'Send a test to me' }));
    await visible(preview.getByRole('button', { name: 'Skip' }));

    // Send a test to me: the test card reaches Adele's personal chat alone, and the preview keeps its buttons.
    await preview.getByRole('button', { name: 'Send a test to me' }).click();
    await visible(page.getByText(/I sent you a test of the announcement in our personal chat/));
    await open('Personal Chat');
    const test = cards().filter({ hasText: 'Test — only you got this' });
    await visible(test.getByText('What is coming: Project scope'));
    await visible(test.getByText('Contoso Notes 3 on every laptop'));
    await test.screenshot({ path: join(SHOTS, 'announce-test.png') });
    await open('Rollout group chat');
    await visible(cards().nth(2).getByRole('button', { name: 'Send', exact: true }));
    await cards().nth(2).getByRole('button', { name: 'Send', exact: true }).click();

    // The announcement, posted to the group chat with its counts: sent to its one recipient.
    const post = cards().filter({ hasText: '📣 Announcement: Project scope' });
    await visible(post);
    await visible(post.getByText('Contoso Notes 3 on every laptop'));
    await visible(fact(post, 'Recipients', '1'));
    await visible(fact(post, 'Sent', '1'));
    await visible(fact(post, 'Got it', '0'));
    await post.screenshot({ path: join(SHOTS, 'announce-post.png') });

    // Adele's personal card (once), with the communication plan and "Got it".
    await open('Personal Chat');
    const personal = cards()
      .filter({ hasText: 'What is coming: Project scope' })
      .filter({ hasNotText: 'Test — only you got this' });
    await visible(personal);
    expect(await personal.count()).toBe(1);
    expect(await cards().filter({ hasText: 'What is coming: Project scope' }).count()).toBe(2); // and the test
    await visible(personal.getByText('Contoso Notes 3 on every laptop'));
    await visible(personal.getByText('It installs itself overnight; restart once in the morning.'));
    await visible(personal.getByText(/Call 4242 or write to help@example.com/));
    await personal.screenshot({ path: join(SHOTS, 'announce-personal.png') });
    const position = (await cards().count()) - 1; // the newest card of the chat: this one
    expect(await cards().nth(position).innerText()).toContain('What is coming: Project scope');
    await personal.getByRole('button', { name: 'Got it' }).click();

    // In its place, the card thanks her (the invoke's answer) and has no "Got it" any more.
    const thanked = cards().nth(position);
    await visible(thanked.getByText(/Thanks/));
    expect(await thanked.getByRole('button', { name: 'Got it' }).count()).toBe(0);
    await thanked.screenshot({ path: join(SHOTS, 'announce-got-it.png') });

    // In the group chat the post, updated in place (at most every 5 s), shows got it 1; status too.
    await open('Rollout group chat');
    await visible(fact(post, 'Got it', '1'));
    await visible(fact(post, 'Recipients', '1'));
    await visible(fact(post, 'Sent', '1'));
    expect(await post.count()).toBe(1);
    await post.screenshot({ path: join(SHOTS, 'announce-counts.png') });
    await say('status');
    const counted = cards().filter({ hasText: 'Announcement of Project scope' });
    await visible(
      counted.getByText(/Announcement of Project scope \(done\): 1 recipient · 1 sent · 1 got it/),
    );
    await counted.screenshot({ path: join(SHOTS, 'announce-status.png') });
    await page.screenshot({ path: join(SHOTS, 'announce-playground.png') });
  }, 180_000);
});

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
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
 * A rollout driven as a person would, in the Microsoft 365 Agents Playground in real (headless)
 * Chromium: typed commands, a clicked card button, and assertions on what is rendered on screen.
 */
describeInChromium()('in the Agents Playground (Chromium)', () => {
  let dataDir: string;
  let bot: BotProcess;
  let playground: Playground;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    requireChromium();
    mkdirSync(SHOTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'rollout-e2e-'));
    bot = await startBotProcess({ DATA_DIR: dataDir, ROLLOUT_ADMINS: ADELE, ROLLOUT_HELPDESK: ADELE });
    playground = await startPlayground({ botEndpoint: `${bot.url}/api/messages` });
    browser = await launchChromium();
    page = await openPlayground(browser, playground.url);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await playground?.stop();
    if (bot && bot.child.exitCode === null) await bot.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const { cards, visible, type, card } = playgroundPage(() => page);

  it('creates a rollout, ticks a checklist item by clicking, and advances', async () => {
    await type('rollout new Browser rollout');
    const status = await card(1, 'rollout-new');
    await visible(status.getByText('Current phase'));
    await visible(status.getByText('Project scope', { exact: true }).first());

    await type('checklist');
    const checklist = await card(2, 'checklist');
    await visible(checklist.getByText('0 of 6 done').first());
    await checklist.getByRole('button', { name: 'Tick' }).first().click();
    await visible(
      cards()
        .nth(1)
        .getByText(/Done by Adele Vance/),
    );
    await visible(cards().nth(1).getByText('1 of 6 done').first());
    await cards()
      .nth(1)
      .screenshot({ path: join(SHOTS, 'checklist-ticked.png') });

    await type('advance phase');
    await visible(page.getByText(/cannot leave Project scope yet/));
    await type('advance phase --force "browser test"');
    await visible(page.getByText(/advanced from Project scope to Proof of concept/));
    // Entering a stage (announce: prompt, the default) posts the announcement's preview after the reply.
    const preview = await card(3, 'announcement-preview');
    await visible(preview.getByText('Announce Proof of concept?'));
    await visible(preview.getByRole('button', { name: 'Send', exact: true }));

    await type('status');
    const after = await card(4, 'status-after-advance');
    await visible(after.getByText('Proof of concept', { exact: true }).first());
    await page.screenshot({ path: join(SHOTS, 'playground.png') });
  }, 120_000);

  it('a pilot user fills in the feedback card, sends it, and sees the thank-you card', async () => {
    // Continues the rollout above (in its proof of concept): into the pilot, which takes feedback.
    await type('advance phase --force "lab tests done"');
    await visible(page.getByText(/advanced from Proof of concept to Pilot/));
    await visible((await card(5, 'announcement-preview-pilot')).getByText('Announce Pilot?'));

    await type('feedback');
    const form = await card(6, 'feedback-form');
    await visible(form.getByText('Send feedback'));
    await form.getByText('4 – Very good').click();
    await form.getByText('Partly', { exact: true }).click();
    // Category and platform are drop-down lists (compact choice sets: Fluent comboboxes).
    const choose = async (n: number, option: string) => {
      await form.getByRole('combobox').nth(n).click();
      await page.getByRole('option', { name: option, exact: true }).click();
    };
    await choose(0, 'Sign-in');
    await form.getByText('Minor – an annoyance').click();
    await choose(1, 'Windows');
    await form.locator('textarea').first().fill('Sign-in asks twice on first start.');
    await form.getByRole('button', { name: 'Send feedback' }).click();

    // The form is replaced, for this person, by the thank-you card showing the answers.
    const thanks = cards().nth(5);
    await visible(thanks.getByText(/Thanks/));
    await visible(thanks.getByText('Sign-in asks twice on first start.'));
    await visible(thanks.getByRole('button', { name: 'Edit' }));
    await thanks.screenshot({ path: join(SHOTS, 'feedback-thanks.png') });

    await type('feedback summary');
    const summary = await card(7, 'feedback-summary');
    await visible(summary.getByText('Sign-in asks twice on first start.'));
  }, 120_000);

  it('the help desk clicks Ready on a readiness request and the tally changes', async () => {
    // Continues the rollout above (in its pilot): entering the enterprise rollout needs sign-off.
    await type('signoff request');
    const request = await card(8, 'signoff-request');
    await visible(request.getByText('Help-desk readiness: Enterprise rollout'));
    await visible(request.getByText('Not answered (1)'));
    await request.getByRole('button', { name: 'Ready', exact: true }).click();
    // The card changes for the person who clicked (their own view: "Your answer: Ready") and then
    // for everyone (the posted message updated with the tally): both show the new tally.
    const answered = cards().nth(7);
    await visible(answered.getByText('Ready (1)'));
    await visible(answered.getByText('Not answered (0)'));
    await answered.screenshot({ path: join(SHOTS, 'signoff-ready.png') });
  }, 120_000);
});

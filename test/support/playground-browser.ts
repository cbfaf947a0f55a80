import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ROOT } from './bot-process';

/**
 * What the browser tests share: Chromium (Debian's, or CHROMIUM_PATH), the Microsoft 365 Agents
 * Playground's page in it, and the helpers that drive it as a person would (typed messages, cards
 * waited for on screen and saved as screenshots).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';
export const ADELE = '00000000-0000-4000-8000-0000000000a1'; // the Playground's current user (playground/agents-playground.yml)
/** Where the screenshots go. */
export const SHOTS = join(ROOT, 'test-results');

/**
 * `describe` when Chromium is there, or in CI (where `requireChromium` fails the tests without
 * it); else `describe.skip`, saying how to get it.
 */
export const describeInChromium = (): typeof describe => {
  if (!haveChromium && !inCi) {
    process.stdout.write(
      `Browser tests skipped: no Chromium at ${CHROMIUM} (install Debian's chromium with apt-get install chromium, or set CHROMIUM_PATH).\n`,
    );
  }
  return haveChromium || inCi ? describe : describe.skip;
};

/** Throws in CI without Chromium (the tests would otherwise be skipped unnoticed). */
export const requireChromium = (): void => {
  if (!haveChromium)
    throw new Error(`CI=true but no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium`);
};

/** Headless Chromium, with nothing of its own going on the network. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

/** The helpers that drive the Playground's page; `page` is read at each call (opened in beforeAll). */
export const playgroundPage = (page: () => Page) => {
  const cards = () => page().locator('.ac-adaptiveCard');
  /** The compose box: a rich-text editor (contenteditable, role textbox). */
  const compose = () => page().locator('[contenteditable="true"][role="textbox"]').first();
  /** Fails unless the element is (or becomes) visible on screen within 20 s. */
  const visible = (locator: Locator) => locator.first().waitFor({ state: 'visible', timeout: 20_000 });
  /** Sends a message as typed (no mention: in a personal chat the bot gets it all the same). */
  const type = async (text: string) => {
    const box = compose();
    await box.click();
    await box.fill(text);
    await box.press('Enter');
  };
  /** Waits for the n-th card (1-based) of the conversation on screen and saves a screenshot of it. */
  const card = async (n: number, name: string): Promise<Locator> => {
    const locator = cards().nth(n - 1);
    await locator.waitFor();
    await locator.screenshot({ path: join(SHOTS, `${name}.png`) });
    return locator;
  };
  return { cards, compose, visible, type, card };
};

/** A page of the Playground at `url`, once its compose box is there. */
export const openPlayground = async (browser: Browser, url: string): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(url);
  const { compose } = playgroundPage(() => page);
  await compose().waitFor();
  return page;
};

import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { teamsDarkTheme, teamsHighContrastTheme, teamsLightTheme } from '@fluentui/react-components';
import type { Browser, Page } from 'playwright-core';
import type {
  AuditResponse,
  DashboardResponse,
  RolloutsResponse,
  StageFeedbackView,
} from '../../src/tab/api-types';
import { dayLabel } from '../../web/src/format';
import { CATEGORIES, CATEGORY_LABELS, PLATFORM_LABELS, PLATFORMS } from '../../web/src/options';
import { cardText, TENANT } from '../support/activities';
import {
  apiGet,
  attributes,
  auditShowsOnly,
  barValues,
  chartsDrawn,
  describeInChromium,
  elementStyle,
  launchChromium,
  luminance,
  newTabPage,
  openDashboard,
  requireBuiltTab,
  requireChromium,
  rgb,
  seriesOf,
  SHOTS,
  styleOf,
  pageWidths,
  scrollToTop,
  visible,
  WAIT_MS,
  widths,
  type TabPage,
} from '../support/dashboard-browser';
import { startHarness, type Harness } from '../support/harness';
import { ALEX, HAL, HELPDESK_ENV, liveRollout, PAT, sayTo, secondRollout } from '../support/tab-world';

/**
 * The dashboard tab (web/, built into dist/web/tab) in real headless Chromium against the running
 * bot (the real server in-process: restify, the tab API, memory tables, the fake Bot Connector, a
 * test clock). The rollout is made through the bot as people make it in Teams (tab-world's
 * `liveRollout`); the page runs in local mode (no sign-in) for that tenant, whose local person is
 * an admin (ROLLOUT_ADMINS empty). What the page shows is compared with what the API and `status`
 * say, and the API's figures with what was stored.
 */
const ENV = { TAB_LOCAL_TENANT_ID: TENANT, ROLLOUT_HELPDESK: HELPDESK_ENV };

/** The rollouts' ids by name, as the API lists them. */
const idsByName = async (h: Harness): Promise<Record<string, string>> => {
  const list = await apiGet<RolloutsResponse>(h.server.url, 'rollouts');
  return Object.fromEntries(list.rollouts.map((r) => [r.name, r.id]));
};

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describeInChromium()('the dashboard tab in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    requireChromium();
    requireBuiltTab();
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });

  describe('a rollout lived in through the bot', () => {
    let h: Harness;
    let ids: Record<string, string>;
    let tab: TabPage;
    let premium: string;

    beforeAll(async () => {
      h = await startHarness({ env: ENV });
      await liveRollout(h);
      await secondRollout(h);
      ids = await idsByName(h);
      premium = ids['Teams Premium'] ?? '';
      tab = await newTabPage(browser);
    }, 30_000);
    afterAll(async () => {
      await tab?.close();
      await h?.close();
    });

    it('the personal tab lists both rollouts with their stage, status and gate, and opens one', async () => {
      const { page } = tab;
      const list = await apiGet<RolloutsResponse>(h.server.url, 'rollouts');
      expect(list.rollouts.map((r) => r.name).sort()).toEqual(['Teams Premium', 'Viva Insights']);

      await page.goto(`${h.server.url}/tab/`);
      await visible(page.getByTestId('local-banner'));
      const rows = page.getByTestId('rollout-row');
      await visible(rows);
      expect(await rows.count()).toBe(2);
      await expect(page.getByTestId('rollout-scope').getAttribute('data-scope')).resolves.toBe('tenant');
      for (const r of list.rollouts) {
        const row = page.locator(`[data-testid="rollout-row"][data-rollout-id="${r.id}"]`);
        await visible(row);
        const cells = row.getByRole('cell');
        await expect(cells.nth(0).innerText()).resolves.toBe(r.name);
        await expect(cells.nth(1).innerText()).resolves.toBe(r.stageLabel);
        await expect(row.getByTestId('status-badge').getAttribute('data-status')).resolves.toBe(r.status);
        const gate = row.getByTestId('gate-badge');
        await expect(gate.getAttribute('data-passes')).resolves.toBe(String(r.gate.passes));
        await expect(gate.innerText()).resolves.toBe(`${r.gate.met} of ${r.gate.total} met`);
      }
      // What was made through the bot: the pilot (forced twice), and a new rollout in its first phase.
      const byName = Object.fromEntries(list.rollouts.map((r) => [r.name, r]));
      expect(byName['Teams Premium']).toMatchObject({ stageLabel: 'Pilot', status: 'active' });
      expect(byName['Viva Insights']).toMatchObject({ stageLabel: 'Project scope', status: 'active' });
      expect(byName['Teams Premium']?.gate).toEqual({ passes: false, met: 2, total: 6 });
      await shot(page, 'list');

      // Opening a row shows its dashboard, and its address says which.
      await page
        .locator(`[data-testid="rollout-row"][data-rollout-id="${premium}"]`)
        .getByTestId('rollout-open')
        .click();
      await visible(page.locator(`[data-testid="dashboard"][data-rollout-id="${premium}"]`));
      expect(new URL(page.url()).searchParams.get('rollout')).toBe(premium);
      await expect(page.getByTestId('rollout-name').innerText()).resolves.toBe('Teams Premium');
    });

    it("one rollout's dashboard shows each section from the stored data", async () => {
      const { page } = tab;
      const data = await apiGet<DashboardResponse>(h.server.url, `rollouts/${premium}`);
      const dashboard = await openDashboard(page, `${h.server.url}/tab/?rollout=${premium}`);
      await chartsDrawn(page);
      await expect(dashboard.getByTestId('rollout-stage').innerText()).resolves.toBe('Pilot');
      await expect(dashboard.getByTestId('status-badge').first().getAttribute('data-status')).resolves.toBe(
        'active',
      );

      // Timeline: every stage, the current one highlighted, the two forced advances, the pause.
      const timeline = dashboard.getByTestId('timeline');
      const stages = timeline.getByTestId('timeline-stage');
      expect(await attributes(stages, 'data-stage-id')).toEqual(data.timeline.stages.map((s) => s.stageId));
      const current = timeline.locator('[data-testid="timeline-stage"][data-current="true"]');
      expect(await current.count()).toBe(1);
      await expect(current.getAttribute('data-stage-id')).resolves.toBe('pilot');
      await expect(current.getAttribute('aria-current')).resolves.toBe('step');
      await visible(current.getByText('Current', { exact: true }));
      const highlight = await elementStyle(current, 'background-color');
      const plain = await elementStyle(
        timeline.locator('[data-testid="timeline-stage"][data-stage-id="scope"]'),
        'background-color',
      );
      expect(highlight).not.toBe(plain);
      const forced = timeline.getByTestId('timeline-forced');
      expect(await forced.allInnerTexts()).toEqual([
        expect.stringMatching(/Forced advance .* by Adele Vance: lab done$/),
        expect.stringMatching(/Forced advance .* by Adele Vance: pilot group chosen$/),
      ]);
      const events = timeline.getByTestId('timeline-event');
      expect(await attributes(events, 'data-kind')).toEqual(['forced', 'forced', 'paused', 'resumed']);
      expect(data.timeline.events.map((e) => e.kind)).toEqual(['forced', 'forced', 'paused', 'resumed']);
      await expect(events.nth(2).innerText()).resolves.toMatch(
        /Paused .*: Paused: waiting for the sign-in fix$/,
      );
      await expect(events.nth(3).innerText()).resolves.toMatch(/Resumed .*: Resumed$/);
      await expect(current.innerText()).resolves.toMatch(/planned 9 Feb 2026 – 20 Feb 2026/);

      // Gate: each criterion as the API measures it, and as `status` says it.
      await sayTo(h, `status ${premium}`);
      const status = cardText(h.connector.cards().at(-1));
      const gate = dashboard.getByTestId('gate');
      const rows = gate.getByTestId('gate-criterion');
      expect(await rows.count()).toBe(data.gate.criteria.length);
      expect(data.gate.criteria.length).toBe(6);
      for (const c of data.gate.criteria) {
        const row = gate.locator(`[data-testid="gate-criterion"][data-criterion-id="${c.id}"]`);
        await expect(row.getAttribute('data-met')).resolves.toBe(String(c.met));
        const cells = await row.getByRole('cell').allInnerTexts();
        expect(cells.map((t) => t.trim())).toEqual([
          c.label,
          c.measured,
          c.target,
          expect.stringContaining(c.met ? 'Met' : 'Not met'),
          c.reason,
        ]);
        expect(status).toContain(
          `${c.met ? '✅' : '❌'} **${c.label}**: ${c.measured} (target: ${c.target})`,
        );
      }
      await expect(gate.getByTestId('gate-badge').innerText()).resolves.toBe('2 of 6 met');

      // Feedback: the figures and the charts' data are the stored counts (four answers in the pilot).
      const pilot = data.feedback.stages.find((s) => s.stageId === 'pilot') as StageFeedbackView;
      expect(pilot).toMatchObject({
        responses: 4,
        platforms: { windows: 3, macos: 1 },
        categories: { 'sign-in': 1, functionality: 3 },
        openBlockers: 1,
        openMajors: 1,
      });
      const stage = dashboard.locator('[data-testid="feedback-stage"][data-stage-id="pilot"]');
      await expect(stage.getByTestId('feedback-responses').innerText()).resolves.toBe(
        String(pilot.responses),
      );
      await expect(stage.getByTestId('feedback-open-issues').innerText()).resolves.toBe('1 / 1');
      const platforms = await seriesOf(stage.getByTestId('chart-platforms-pilot'));
      expect(barValues(platforms, PLATFORMS, PLATFORM_LABELS)).toEqual(
        Object.fromEntries(PLATFORMS.map((p) => [p, pilot.platforms[p] ?? 0])),
      );
      const categories = await seriesOf(stage.getByTestId('chart-categories-pilot'));
      expect(barValues(categories, CATEGORIES, CATEGORY_LABELS)).toEqual(
        Object.fromEntries(CATEGORIES.map((c) => [c, pilot.categories[c] ?? 0])),
      );
      // The bars add up to the responses (one platform and one category per answer).
      const sum = (values: (number | null)[] | undefined) =>
        (values ?? []).reduce<number>((a, v) => a + (v ?? 0), 0);
      expect(sum(platforms.datasets[0]?.values)).toBe(pilot.responses);
      expect(sum(categories.datasets[0]?.values)).toBe(pilot.responses);

      // The daily history: the digest's snapshots of day 1 (three answers) and day 2 (four).
      expect(pilot.history.map((p) => [p.date, p.responses, p.added])).toEqual([
        ['2026-02-10', 3, 3],
        ['2026-02-11', 4, 1],
      ]);
      const history = await seriesOf(stage.getByTestId('chart-history-pilot'));
      expect(history.labels).toEqual(pilot.history.map((p) => dayLabel(p.date)));
      expect(history.datasets).toEqual([
        { label: 'Responses', values: [3, 4] },
        { label: 'Average rating', values: pilot.history.map((p) => p.averageRating) },
      ]);
      await expect(stage.getByTestId('history-since').innerText()).resolves.toBe(
        'History begins 10 Feb 2026.',
      );

      // Blockers and majors with their severity; the name only where the API gives one (Lee shared his).
      const issues = dashboard.getByTestId('issues').getByTestId('issue');
      expect(await issues.count()).toBe(data.feedback.issues.length);
      for (const issue of data.feedback.issues) {
        // (A reference is sealed anew in each answer: the comment finds the issue.)
        const item = dashboard.getByTestId('issue').filter({ hasText: issue.comment });
        expect(await item.count()).toBe(1);
        const text = await item.innerText();
        expect(text).toContain(issue.severity === 'blocker' ? 'Blocker' : 'Major');
        expect(text).toContain(issue.comment);
        expect(text).toContain('Open');
        if (issue.name !== null) expect(text).toContain(issue.name);
      }
      expect(data.feedback.issues.map((i) => [i.severity, i.comment, i.name]).sort()).toEqual([
        ['blocker', 'Sign-in loops', 'Lee Gu'],
        ['major', 'Slow on Mac', null],
      ]);
      const everything = await page.locator('body').innerText();
      expect(everything).not.toContain(ALEX.name);

      // Sign-off: the request made with `signoff request`, Hal's Ready, Pat not answered.
      const request = dashboard.getByTestId('signoff-request');
      expect(await request.count()).toBe(1);
      const asked = data.signoff[0];
      expect(asked).toMatchObject({ stageLabel: 'Enterprise rollout', status: 'open', ready: [HAL.name] });
      expect(asked?.notAnswered).toEqual([PAT.id]); // Pat never met the bot: the id, as the card shows
      await expect(request.getAttribute('data-status')).resolves.toBe('open');
      await expect(request.getByTestId('signoff-ready').getAttribute('data-count')).resolves.toBe('1');
      await expect(request.getByTestId('signoff-ready').innerText()).resolves.toContain(HAL.name);
      await expect(request.getByTestId('signoff-not-answered').innerText()).resolves.toContain(PAT.id);
      await expect(request.getByTestId('signoff-tally').innerText()).resolves.toMatch(
        /^1 ready · 0 not ready · 1 not answered · policy: Everyone must be ready · no deadline$/,
      );

      // Reach: the announcement sent from its preview, after the fan-out.
      const reach = data.announcements[0];
      expect(reach).toMatchObject({ stageLabel: 'Pilot', state: 'done', recipients: 4, sent: 4, gotIt: 0 });
      const row = dashboard.getByTestId('announcement');
      expect(await row.count()).toBe(1);
      for (const key of ['recipients', 'sent', 'gotIt', 'failed', 'pending'] as const) {
        await expect(row.locator(`[data-column="${key}"]`).innerText()).resolves.toBe(String(reach?.[key]));
      }

      // Audit: the first page as the API has it; filtered by kind, only that kind.
      const audit = await apiGet<AuditResponse>(h.server.url, `rollouts/${premium}/audit`);
      const entries = dashboard.getByTestId('audit').getByTestId('audit-entry');
      expect(await attributes(entries, 'data-kind')).toEqual(audit.entries.map((e) => e.kind));
      expect(audit.entries.map((e) => e.kind)).toEqual(
        expect.arrayContaining([
          'rollout-created',
          'phase-advanced',
          'rollout-paused',
          'rollout-resumed',
          'plan-changed',
          'signoff-requested',
        ]),
      );
      await shot(page, 'dashboard-default');

      await dashboard.getByTestId('audit-kind').selectOption('rollout-paused');
      await dashboard.getByTestId('audit-apply').click();
      await auditShowsOnly(page, 'rollout-paused');
      const paused = await apiGet<AuditResponse>(
        h.server.url,
        `rollouts/${premium}/audit?kind=rollout-paused`,
      );
      expect(paused.entries).toHaveLength(1);
      expect(await entries.count()).toBe(1);
      await expect(entries.first().innerText()).resolves.toContain('waiting for the sign-in fix');
    });

    it('an admin resolves the blocker from the tab: the API, `status` and the audit say so', async () => {
      const { page } = tab;
      const before = await apiGet<DashboardResponse>(h.server.url, `rollouts/${premium}`);
      const blocker = before.feedback.issues.find((i) => i.severity === 'blocker');
      if (!blocker) throw new Error('no blocker listed');
      const dashboard = await openDashboard(page, `${h.server.url}/tab/?rollout=${premium}`);
      // (A reference is sealed anew in each answer: the comment finds the issue.)
      const item = dashboard.getByTestId('issue').filter({ hasText: blocker.comment });
      await expect(item.getAttribute('data-resolved')).resolves.toBe('false');
      await item.getByTestId('issue-resolve').click();
      const form = item.getByTestId('issue-resolve-form');
      // An empty note is refused on the page, and nothing is sent.
      await form.getByRole('button', { name: 'Mark resolved' }).click();
      await visible(form.getByText('Say how it was resolved.'));
      // A minute passes while the note is typed (the test clock: the dashboard's reload after the
      // change is of a later moment, so the audit log below it loads its first page again).
      h.clock.advance(60_000);
      await form.locator('textarea').fill('Fixed in build 1.2: sign-in no longer loops');
      await form.getByRole('button', { name: 'Mark resolved' }).click();
      await visible(dashboard.getByTestId('notice'));
      await visible(
        dashboard.locator('[data-testid="issue"][data-resolved="true"]').filter({ hasText: blocker.comment }),
      );
      await expect(item.getByTestId('issue-resolution').innerText()).resolves.toMatch(
        /^Resolved by Local user, .*: Fixed in build 1\.2: sign-in no longer loops$/,
      );
      await visible(item.getByTestId('issue-reopen'));

      const after = await apiGet<DashboardResponse>(h.server.url, `rollouts/${premium}`);
      expect(after.feedback.issues.find((i) => i.comment === blocker.comment)?.resolution).toMatchObject({
        by: 'Local user',
        note: 'Fixed in build 1.2: sign-in no longer loops',
      });
      expect(after.feedback.stages.find((s) => s.stageId === 'pilot')?.openBlockers).toBe(0);
      expect(after.gate.criteria.find((c) => c.id === 'pilot:feedback-blockers')).toMatchObject({
        met: true,
        measured: '0',
      });
      await sayTo(h, `status ${premium}`);
      expect(cardText(h.connector.cards().at(-1))).toContain(
        '✅ **Pilot: open blockers**: 0 (target: at most 0)',
      );
      const audit = await apiGet<AuditResponse>(
        h.server.url,
        `rollouts/${premium}/audit?kind=issue-resolved`,
      );
      expect(audit.entries).toHaveLength(1);
      expect(audit.entries[0]).toMatchObject({ kind: 'issue-resolved', by: 'Local user' });

      // The page's audit log has it too (the refreshed first page, and filtered by its kind).
      await visible(dashboard.locator('[data-testid="audit-entry"][data-kind="issue-resolved"]'));
      await dashboard.getByTestId('audit-kind').selectOption('issue-resolved');
      await dashboard.getByTestId('audit-apply').click();
      await auditShowsOnly(page, 'issue-resolved');
      await expect(dashboard.getByTestId('audit-entry').innerText()).resolves.toContain('Local user');
      await shot(page, 'dashboard-resolved');
    });
  });

  describe('themes, a narrow screen, and nothing from elsewhere', () => {
    let h: Harness;
    let premium: string;
    let url: string;

    beforeAll(async () => {
      h = await startHarness({ env: ENV });
      await liveRollout(h);
      premium = (await idsByName(h))['Teams Premium'] ?? '';
      url = `${h.server.url}/tab/?rollout=${premium}`;
    }, 30_000);
    afterAll(async () => {
      await h?.close();
    });

    const withPage = async (
      options: { width?: number; height?: number },
      run: (tab: TabPage) => Promise<void>,
    ): Promise<void> => {
      const tab = await newTabPage(browser, options);
      try {
        await run(tab);
      } finally {
        await tab.close();
      }
    };

    it.each([
      ['dark', teamsDarkTheme],
      ['contrast', teamsHighContrastTheme],
    ] as const)('the %s theme renders the dashboard in its colours', async (name, theme) => {
      await withPage({}, async ({ page, errors }) => {
        const dashboard = await openDashboard(page, `${url}&theme=${name}`);
        await chartsDrawn(page);
        await expect(page.getByTestId('shell').getAttribute('data-theme')).resolves.toBe(name);
        // The page's background and text are the theme's, and dark.
        const background = await styleOf(page, '[data-testid="shell"]', 'background-color');
        const text = await styleOf(page, '[data-testid="shell"]', 'color');
        // FluentProvider paints its own element with the theme's background 1 (over .shell's background 2).
        expect([rgb(theme.colorNeutralBackground1), rgb(theme.colorNeutralBackground2)]).toContain(
          background,
        );
        expect(text).toBe(rgb(theme.colorNeutralForeground1));
        expect(luminance(background)).toBeLessThan(0.05);
        expect(luminance(text)).toBeGreaterThan(0.9);
        const section = await styleOf(page, '[data-testid="gate"]', 'background-color');
        expect(section).toBe(rgb(theme.colorNeutralBackground1));
        expect(section).not.toBe(rgb(teamsLightTheme.colorNeutralBackground1));
        if (name === 'contrast') {
          // High contrast: black and white only, sections outlined in the foreground colour.
          expect(background).toBe('rgb(0, 0, 0)');
          expect(await styleOf(page, '[data-testid="gate"]', 'border-top-color')).toBe(
            rgb(theme.colorNeutralStroke2),
          );
        }
        await visible(dashboard.getByTestId('gate-criterion'));
        expect(errors).toEqual([]);
        await shot(page, `dashboard-${name}`);
      });
    });

    it('at 320 px the page does not scroll sideways and every section is on screen', async () => {
      await withPage({ width: 320, height: 800 }, async ({ page }) => {
        const dashboard = await openDashboard(page, url);
        await chartsDrawn(page);
        const sizes = await pageWidths(page);
        expect(sizes.scroll).toBeLessThanOrEqual(320);
        expect(sizes.body).toBeLessThanOrEqual(320);
        for (const id of [
          'timeline',
          'gate',
          'feedback',
          'issues',
          'mine',
          'signoff',
          'announcements',
          'audit',
        ]) {
          const section = dashboard.getByTestId(id);
          await section.scrollIntoViewIfNeeded();
          await visible(section);
          const box = await section.boundingBox();
          expect(box).not.toBeNull();
          expect(box!.x).toBeGreaterThanOrEqual(0);
          expect(box!.x + box!.width).toBeLessThanOrEqual(320);
          expect(box!.height).toBeGreaterThan(20);
        }
        // The wide tables scroll inside their sections instead.
        const gateScroll = dashboard.getByTestId('gate').locator('.scroll');
        const inner = await widths(gateScroll);
        expect(inner.scroll).toBeGreaterThan(inner.client);
        await scrollToTop(page);
        await shot(page, 'dashboard-320');
        // The first screen as a phone shows it (the full page is too tall to read at once).
        await page.screenshot({ path: join(SHOTS, 'dashboard-320-top.png') });
        await dashboard
          .getByTestId('feedback')
          .screenshot({ path: join(SHOTS, 'dashboard-320-feedback.png') });
      });
    });

    it("every request goes to the bot's origin, with no CSP violation; framed without Teams it says so", async () => {
      const origin = new URL(h.server.url).origin;
      await withPage({}, async ({ page, requests, violations, errors }) => {
        await page.goto(`${h.server.url}/tab/`);
        await visible(page.getByTestId('rollout-row'));
        await page.getByTestId('rollout-open').first().click();
        await visible(page.getByTestId('audit-entry'));
        await chartsDrawn(page);
        await page.goto(`${url}&theme=dark`);
        await visible(page.getByTestId('audit-entry'));
        await chartsDrawn(page);
        expect(requests.length).toBeGreaterThan(5);
        expect(requests.filter((r) => new URL(r).origin !== origin)).toEqual([]);
        expect(requests.some((r) => r.includes('/api/tab/rollouts/'))).toBe(true);
        expect(violations).toEqual([]);
        expect(errors).toEqual([]);
      });

      // Framed by a page of the bot's own origin (`frame-ancestors` allows 'self'; another origin
      // would not be allowed to frame it at all) that never answers teams-js: after its timeout
      // (5 s; the page has no parameter for a shorter one) the tab says it is not in Teams.
      await withPage({}, async ({ page, requests, violations }) => {
        const parent = `${h.server.url}/e2e-parent.html`;
        await page.route(parent, (route) =>
          route.fulfill({
            status: 200,
            contentType: 'text/html',
            body: `<!doctype html><title>Not Teams</title><iframe id="tab" src="${url}" width="900" height="600"></iframe>`,
          }),
        );
        await page.goto(parent);
        const frame = page.frameLocator('#tab');
        await visible(frame.getByTestId('shell'));
        await frame.getByTestId('not-in-teams').waitFor({ state: 'visible', timeout: 10_000 });
        await expect(frame.getByTestId('not-in-teams').innerText()).resolves.toContain(
          'This page only works inside Microsoft Teams or opened directly.',
        );
        // Nothing of the rollout was asked for: the API is called only once a host is known.
        expect(requests.filter((r) => r.includes('/api/tab/'))).toEqual([]);
        expect(requests.filter((r) => new URL(r).origin !== origin)).toEqual([]);
        expect(violations).toEqual([]);
        await shot(page, 'not-in-teams');
      });

      // A parent of another origin (a page on another port) may not frame the tab at all.
      const other = createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end(`<!doctype html><title>Elsewhere</title><iframe id="tab" src="${url}"></iframe>`);
      });
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      try {
        await withPage({}, async ({ page }) => {
          const refused = page.waitForEvent('console', {
            predicate: (m) => /frame-ancestors/.test(m.text()),
            timeout: WAIT_MS,
          });
          await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
          await expect(refused.then((m) => m.text())).resolves.toMatch(
            /violates .*frame-ancestors.* has been blocked/,
          );
          expect(await page.frameLocator('#tab').getByTestId('shell').count()).toBe(0);
        });
      } finally {
        await new Promise((resolve) => other.close(resolve));
      }
    }, 30_000);
  });
});

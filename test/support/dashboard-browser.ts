import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { tabDirectory } from '../../src/tab/tab-pages';
import { label } from '../../web/src/options';

export { describeInChromium, launchChromium, requireChromium, SHOTS } from './playground-browser';

/**
 * What the dashboard tab's browser tests share: a page of the tab in its own browser context with
 * every request and every Content-Security-Policy violation recorded, waits for what the page
 * shows, and the charts' data as the page puts it on them (`data-series`).
 */

/** Fails (rather than testing a stale or missing page) unless `npm run build` built the tab. */
export const requireBuiltTab = (): void => {
  if (!existsSync(join(tabDirectory(), 'index.html'))) {
    throw new Error(`The tab is not built (no ${tabDirectory()}/index.html): run \`npm run build\` first`);
  }
};

/** How long a wait for something on the page lasts before the test fails. */
export const WAIT_MS = 15_000;

export interface TabPage {
  page: Page;
  context: BrowserContext;
  /** Every URL the page (and its frames, workers) asked for, in order. */
  requests: string[];
  /** Content-Security-Policy violations: the console's reports and `securitypolicyviolation` events. */
  violations: string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
  close(): Promise<void>;
}

/**
 * A fresh browser context (no cache, no storage) and page, `width` × `height` CSS pixels, recording
 * its requests and CSP violations from the first navigation on.
 */
export const newTabPage = async (
  browser: Browser,
  options: { width?: number; height?: number } = {},
): Promise<TabPage> => {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    // No service worker could serve a request unseen.
    serviceWorkers: 'block',
  });
  const requests: string[] = [];
  const violations: string[] = [];
  const errors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  await context.exposeBinding('__cspViolation', (_source, text: string) => {
    violations.push(text);
  });
  // In the page (a string: this project's TypeScript has no DOM types).
  await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolation(e.violatedDirective + ' blocked ' + e.blockedURI + ' (' + location.href + ')');
  });`);
  // Every wait of an action or assertion fails the test in time, saying what it waited for.
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const watch = (p: Page) => {
    p.on('console', (message) => {
      const text = message.text();
      if (/Content[- ]Security[- ]Policy/i.test(text)) violations.push(text);
      else if (message.type() === 'error') errors.push(text);
    });
    p.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  };
  watch(page);
  return { page, context, requests, violations, errors, close: () => context.close() };
};

/** Fails unless the element is (or becomes) visible. */
export const visible = (locator: Locator): Promise<void> =>
  locator.first().waitFor({ state: 'visible', timeout: WAIT_MS });

/** The tab's dashboard of one rollout loaded: its sections there, the audit log's first page in. */
export const openDashboard = async (page: Page, url: string): Promise<Locator> => {
  await page.goto(url);
  const dashboard = page.getByTestId('dashboard');
  await visible(dashboard);
  await visible(dashboard.getByTestId('audit-entry'));
  return dashboard;
};

/**
 * The page's globals as the page-side functions below use them: this project's TypeScript has no
 * DOM types. (Page-side code is passed as functions, never strings: the page's CSP has no
 * 'unsafe-eval', and a string would be evaluated by eval in the page.)
 */
interface PageNode {
  getAttribute(name: string): string | null;
  scrollWidth: number;
  clientWidth: number;
  width: number;
  style: { boxSizing: string };
}
/** (Each page-side function names `globalThis` itself: a function is sent to the page alone.) */
interface PageGlobal {
  document: {
    querySelector(selector: string): PageNode | null;
    querySelectorAll(selector: string): ArrayLike<PageNode>;
    documentElement: PageNode;
    body: PageNode;
  };
  getComputedStyle(el: PageNode): { getPropertyValue(p: string): string };
  scrollTo(x: number, y: number): void;
}

/** Every chart on the page drawn by Chart.js (it sizes its canvas when it draws). */
export const chartsDrawn = async (page: Page): Promise<void> => {
  await page.waitForFunction(
    () => {
      const canvases = Array.from(
        (globalThis as unknown as PageGlobal).document.querySelectorAll('figure.chart canvas'),
      );
      return canvases.length > 0 && canvases.every((c) => c.style.boxSizing !== '' && c.width > 0);
    },
    undefined,
    { timeout: WAIT_MS },
  );
};

/** Waits until the audit log lists entries of `kind` only (a filter applied). */
export const auditShowsOnly = async (page: Page, kind: string): Promise<void> => {
  await page.waitForFunction(
    (k: string) => {
      const rows = Array.from(
        (globalThis as unknown as PageGlobal).document.querySelectorAll('[data-testid="audit-entry"]'),
      );
      return rows.length > 0 && rows.every((r) => r.getAttribute('data-kind') === k);
    },
    kind,
    { timeout: WAIT_MS },
  );
};

/** The page's widths: the document's scroll width, its client width and the body's scroll width. */
export const pageWidths = (page: Page): Promise<{ scroll: number; client: number; body: number }> =>
  page.evaluate(() => {
    const { documentElement, body } = (globalThis as unknown as PageGlobal).document;
    return {
      scroll: documentElement.scrollWidth,
      client: documentElement.clientWidth,
      body: body.scrollWidth,
    };
  });

export const scrollToTop = (page: Page): Promise<void> =>
  page.evaluate(() => (globalThis as unknown as PageGlobal).scrollTo(0, 0));

export interface Series {
  labels: string[];
  datasets: { label: string; values: (number | null)[] }[];
}

/** A chart's data, as the page put it on the chart's wrapper. */
export const seriesOf = async (chart: Locator): Promise<Series> => {
  const raw = await chart.getAttribute('data-series', { timeout: WAIT_MS });
  if (raw === null) throw new Error('the chart has no data-series');
  return JSON.parse(raw) as Series;
};

/**
 * A bar chart's values by key, read through the labels the page shows for each key (`labels`):
 * what `counts` would be if the chart drew them. Keys without a bar read as undefined.
 */
export const barValues = (
  series: Series,
  keys: readonly string[],
  labels: Record<string, string>,
): Record<string, number | null | undefined> => {
  const values = series.datasets[0]?.values ?? [];
  return Object.fromEntries(
    keys.map((k) => {
      const i = series.labels.indexOf(label(labels, k));
      return [k, i >= 0 ? values[i] : undefined];
    }),
  );
};

/** A computed style property of the first element matching `selector`. */
export const styleOf = (page: Page, selector: string, property: string): Promise<string> =>
  page.evaluate(
    ([sel, prop]) => {
      const el = (globalThis as unknown as PageGlobal).document.querySelector(sel);
      if (el === null) throw new Error(`nothing matches ${sel}`);
      return (globalThis as unknown as PageGlobal).getComputedStyle(el).getPropertyValue(prop);
    },
    [selector, property] as const,
  );

/** What the page-side helpers below use of an element (this project's TypeScript has no DOM types). */
interface PageElement {
  getAttribute(name: string): string | null;
  scrollWidth: number;
  clientWidth: number;
  ownerDocument: {
    defaultView: { getComputedStyle(el: unknown): { getPropertyValue(p: string): string } };
  };
}

/** A computed style property of the element `locator` finds. */
export const elementStyle = (locator: Locator, property: string): Promise<string> =>
  locator.evaluate(
    (el: unknown, prop: string) => {
      const e = el as PageElement;
      return e.ownerDocument.defaultView.getComputedStyle(e).getPropertyValue(prop);
    },
    property,
    { timeout: WAIT_MS },
  );

/** The `attribute` of every element `locator` finds, in document order. */
export const attributes = (locator: Locator, attribute: string): Promise<(string | null)[]> =>
  locator.evaluateAll(
    (els: unknown[], name: string) => els.map((e) => (e as PageElement).getAttribute(name)),
    attribute,
  );

/** An element's scroll width and client width (whether its content is wider than it). */
export const widths = (locator: Locator): Promise<{ scroll: number; client: number }> =>
  locator.evaluate(
    (el: unknown) => ({ scroll: (el as PageElement).scrollWidth, client: (el as PageElement).clientWidth }),
    undefined,
    { timeout: WAIT_MS },
  );

/** `#rrggbb` as the `rgb(r, g, b)` a computed style answers. */
export const rgb = (hex: string): string => {
  const n = Number.parseInt(hex.replace('#', ''), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
};

/** Relative luminance (0 black … 1 white) of a computed `rgb(…)` colour. */
export const luminance = (color: string): number => {
  const parts = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(color);
  if (!parts) throw new Error(`not an rgb colour: ${color}`);
  const [r, g, b] = parts.slice(1, 4).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

/** The tab API's JSON as the page gets it (local mode: no token), within a deadline. */
export const apiGet = async <T>(base: string, path: string): Promise<T> => {
  const res = await fetch(`${base}/api/tab/${path}`, { signal: AbortSignal.timeout(5_000) });
  if (res.status !== 200) throw new Error(`GET /api/tab/${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
};

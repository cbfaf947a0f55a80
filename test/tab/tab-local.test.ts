import { ADELE, message, TENANT } from '../support/activities';
import type { Card } from '../support/cards';
import { startHarness, type Harness } from '../support/harness';
import type { MeResponse, RolloutsResponse } from '../../src/tab/api-types';
import { FRAME_ANCESTORS } from '../../src/tab/tab-pages';

/**
 * The tab without sign-in: the anonymous bot on loopback serves it for TAB_LOCAL_TENANT_ID (the page
 * says it is in local mode); its pages carry a CSP that frames them in Teams' origins only; TABS=false
 * serves none of it. (`npm test` builds the page first.)
 */
let h: Harness;
afterEach(() => h.close());

const get = (path: string, init: RequestInit = {}) =>
  fetch(`${h.server.url}${path}`, { redirect: 'manual', ...init });
const say = (text: string) =>
  h.post(message(text, { serviceUrl: h.connector.url, from: ADELE, scope: 'channel' }));

type OpenUrl = { type: string; title?: string; url?: string };
const actionsOf = (card: Card): OpenUrl[] =>
  ((card.actions ?? []) as OpenUrl[]).filter((a) => a.type === 'Action.OpenUrl');

describe('local mode', () => {
  beforeEach(async () => {
    h = await startHarness({ env: { TAB_LOCAL_TENANT_ID: TENANT } });
  });

  it('answers without a token for the local tenant, everyone an admin with no admin configured', async () => {
    await say('rollout new Teams Premium');
    const me = (await (await get('/api/tab/me')).json()) as MeResponse;
    expect(me).toEqual({
      tenantId: TENANT,
      user: { id: 'local-user', name: 'Local user' },
      admin: true,
      mode: 'local',
    });
    const list = (await (await get('/api/tab/rollouts')).json()) as RolloutsResponse;
    expect(list.rollouts.map((r) => r.name)).toEqual(['Teams Premium']);
  });

  it('the status card opens the dashboard at the rollout, in the browser', async () => {
    await say('rollout new Teams Premium');
    const list = (await (await get('/api/tab/rollouts')).json()) as RolloutsResponse;
    const id = list.rollouts[0]?.id ?? '';
    await say('status');
    const open = actionsOf(h.connector.cards().at(-1) as Card).find((a) => a.title === 'Open dashboard');
    expect(open?.url).toBe(`${h.server.url}/tab/?rollout=${id}`);
  });

  it('serves the page framed by Teams origins only, with nothing from outside, never cached', async () => {
    const page = await get('/tab/');
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`frame-ancestors ${FRAME_ANCESTORS.join(' ')}`);
    expect(page.headers.get('x-frame-options')).toBeNull();
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    // Every script and style the page loads is the bot's own (relative), and none is inline.
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) expect(src).toMatch(/^((\.\/)?assets\/[A-Za-z0-9_.-]+|data:,)$/);
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
    const asset = await get(`/tab/${sources.find((s) => s.endsWith('.js'))?.replace(/^\.\//, '')}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect((await get('/tab/config')).status).toBe(200);
  });

  it('refuses paths outside the assets and redirects /tab to /tab/ keeping the query', async () => {
    for (const path of ['/tab/assets/..%2F..%2Fpackage.json', '/tab/assets/.env', '/tab/assets/x.exe']) {
      expect([404, 400]).toContain((await get(path)).status);
    }
    const moved = await get('/tab?rollout=abc');
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe('tab/?rollout=abc');
  });

  it('bounds what the API reads: an oversized body is refused, a bad id is not found, the body must be JSON', async () => {
    const big = await get('/api/tab/rollouts/x/feedback', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ stageId: 'pilot', answer: { comment: 'x'.repeat(600 * 1024) } }),
    });
    expect(big.status).toBe(413);
    expect((await get(`/api/tab/rollouts/${'x'.repeat(300)}`)).status).toBe(404);
    const notJson = await get('/api/tab/rollouts/x/issues', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"ref":',
    });
    expect(notJson.status).toBe(400);
  });
});

describe('off, or remote without sign-in', () => {
  it('TABS=false serves no tab, no API and no dashboard button', async () => {
    h = await startHarness({ env: { TABS: 'false', TAB_LOCAL_TENANT_ID: TENANT } });
    expect((await get('/tab/')).status).toBe(404);
    expect((await get('/api/tab/me')).status).toBe(404);
    await say('rollout new Teams Premium');
    await say('status');
    expect(actionsOf(h.connector.cards().at(-1) as Card).map((a) => a.title)).not.toContain('Open dashboard');
  });

  it('an anonymous bot off loopback (ALLOW_ANONYMOUS_REMOTE) gives the tab no data', async () => {
    h = await startHarness({
      env: { HOST: '0.0.0.0', ALLOW_ANONYMOUS_REMOTE: 'true', TAB_LOCAL_TENANT_ID: TENANT },
    });
    const res = await get('/api/tab/rollouts');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('SignInUnavailable');
  });
});

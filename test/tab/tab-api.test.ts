import { ADELE, LEE, TENANT } from '../support/activities';
import {
  AUTH_APP_ID,
  startAuthenticatedHarness,
  type AuthenticatedHarness,
} from '../support/authenticated-harness';
import { EntraIssuer } from '../support/entra-issuer';
import { ALEX, MEGAN, seedRollout, type Someone } from '../support/tab-world';
import type {
  AuditResponse,
  DashboardResponse,
  FeedbackResponse,
  MeResponse,
  ResolveResponse,
  RolloutsResponse,
} from '../../src/tab/api-types';

/**
 * The dashboard tab's API through the real server, with Teams SSO tokens signed by a local
 * stand-in for Entra ID (its per-tenant OpenID metadata and key set over real HTTP).
 */
const BOT_DOMAIN = 'rollout.contoso.com';
const OTHER_TENANT = '72f988bf-0000-4000-8000-000000000002';
const STRANGER_TENANT = '72f988bf-0000-4000-8000-000000000009';

let h: AuthenticatedHarness;
let entra: EntraIssuer;
let rolloutId: string;

const tokenFor = (
  person: Someone,
  options: { tenant?: string; ver?: '1.0' | '2.0'; claims?: object } = {},
) => {
  const claims = {
    ...entra.claims(options.tenant ?? TENANT, person.id, AUTH_APP_ID, BOT_DOMAIN, Date.now(), options.ver),
    name: person.name,
    ...options.claims,
  };
  return entra.sign(claims);
};

const call = async <T>(
  path: string,
  options: {
    as?: Someone | null;
    token?: string;
    method?: string;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; body: T; text: string; headers: Headers }> => {
  const token = options.token ?? (options.as === null ? undefined : tokenFor(options.as ?? ADELE));
  const res = await fetch(`${h.server.url}${path}`, {
    method: options.method ?? 'GET',
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, text, headers: res.headers };
};

beforeAll(async () => {
  entra = await new EntraIssuer().start();
  h = await startAuthenticatedHarness({
    env: {
      BOT_DOMAIN,
      TAB_AUTHORITY_HOST: entra.authorityHost,
      ALLOWED_TENANT_IDS: `${TENANT},${OTHER_TENANT}`,
    },
  });
  await seedRollout(h, () => ({ Authorization: h.validAuthorization() }));
  const list = await call<RolloutsResponse>('/api/tab/rollouts');
  expect(list.status).toBe(200);
  rolloutId = list.body.rollouts[0]?.id ?? '';
});
afterAll(async () => {
  await h.close();
  await entra.stop();
});

describe('sign-in', () => {
  it('a valid v2 token gets the person and their role; a v1 token (api:// audience) works too', async () => {
    const me = await call<MeResponse>('/api/tab/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      tenantId: TENANT,
      user: { id: ADELE.id, name: ADELE.name },
      admin: true,
      mode: 'sso',
    });
    const v1 = await call<MeResponse>('/api/tab/me', { token: tokenFor(LEE, { ver: '1.0' }) });
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ user: { id: LEE.id }, admin: false });
  });

  const now = () => Math.floor(Date.now() / 1000);
  it.each<[string, number, () => string | undefined]>([
    ['no token', 401, () => undefined],
    [
      'an expired token',
      401,
      () => tokenFor(ADELE, { claims: { exp: now() - 3600, iat: now() - 7200, nbf: now() - 7200 } }),
    ],
    [
      'another audience',
      401,
      () => tokenFor(ADELE, { claims: { aud: '99999999-2222-4333-8444-555555555555' } }),
    ],
    ['another issuer', 401, () => tokenFor(ADELE, { claims: { iss: entra.v2Issuer(OTHER_TENANT) } })],
    [
      'a bad signature',
      401,
      () =>
        entra.sign(entra.claims(TENANT, ADELE.id, AUTH_APP_ID, BOT_DOMAIN, Date.now()), {
          key: entra.strangerKey,
        }),
    ],
    ['a tenant not allowed', 403, () => tokenFor(ADELE, { tenant: STRANGER_TENANT })],
  ])('%s → %i and no data', async (_name, status, token) => {
    for (const path of ['/api/tab/me', '/api/tab/rollouts', `/api/tab/rollouts/${rolloutId}`]) {
      const t = token();
      const res = await call<{ error: { code: string; message: string } }>(
        path,
        t ? { token: t } : { as: null },
      );
      expect(res.status).toBe(status);
      expect(Object.keys(res.body)).toEqual(['error']);
      expect(res.text).not.toContain('Teams Premium');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it("another tenant's person gets 404 for this tenant's rollout id, and an empty list", async () => {
    const other = await call(`/api/tab/rollouts/${rolloutId}`, {
      token: tokenFor(ADELE, { tenant: OTHER_TENANT }),
    });
    expect(other.status).toBe(404);
    expect(other.text).not.toContain('Teams Premium');
    const list = await call<RolloutsResponse>('/api/tab/rollouts', {
      token: tokenFor(ADELE, { tenant: OTHER_TENANT }),
    });
    expect(list.body.rollouts).toEqual([]);
  });
});

describe('what each person sees', () => {
  it('the dashboard shows the gate as status measures it, the stages, issues and comments', async () => {
    const { status, body } = await call<DashboardResponse>(`/api/tab/rollouts/${rolloutId}`);
    expect(status).toBe(200);
    expect(body.rollout).toMatchObject({ name: 'Teams Premium', phase: 'pilot', status: 'active' });
    expect(body.viewer.admin).toBe(true);
    const pilot = body.feedback.stages.find((s) => s.stageId === 'pilot');
    expect(pilot).toMatchObject({ responses: 3, openBlockers: 1, openMajors: 1 });
    expect(pilot?.platforms).toMatchObject({ windows: 2, macos: 1 });
    expect(body.feedback.issues.map((i) => i.severity).sort()).toEqual(['blocker', 'major']);
    const blockers = body.gate.criteria.find((c) => /blocker/i.test(c.label));
    expect(blockers).toMatchObject({ met: false, measured: '1' });
    expect(body.gate.passes).toBe(false);
    expect(body.timeline.stages.find((s) => s.current && s.kind === 'phase')?.stageId).toBe('pilot');
    expect(body.timeline.events.filter((e) => e.kind === 'forced')).toHaveLength(2);
  });

  it('admins see names people shared, never anonymous ones; others see no names at all', async () => {
    const admin = await call<DashboardResponse>(`/api/tab/rollouts/${rolloutId}`);
    const names = admin.body.feedback.issues.map((i) => i.name);
    expect(names).toContain(LEE.name);
    expect(admin.text).not.toContain(ALEX.name);
    expect(admin.text).not.toContain(ALEX.id);
    for (const viewer of [MEGAN, LEE]) {
      const res = await call<DashboardResponse>(`/api/tab/rollouts/${rolloutId}`, { as: viewer });
      expect(res.status).toBe(200);
      expect(res.body.viewer.admin).toBe(false);
      expect(res.body.feedback.issues.every((i) => i.name === null)).toBe(true);
      expect(res.body.feedback.comments.every((c) => c.name === null)).toBe(true);
      for (const hidden of [ALEX.name, ALEX.id, LEE.id]) expect(res.text).not.toContain(hidden);
      if (viewer === MEGAN) expect(res.text).not.toContain(LEE.name);
    }
  });

  it('a pilot user lists the rollouts they answered for and sees their own answer', async () => {
    const list = await call<RolloutsResponse>('/api/tab/rollouts', { as: MEGAN });
    expect(list.body.scope).toBe('mine');
    expect(list.body.rollouts.map((r) => r.name)).toEqual(['Teams Premium']);
    expect(list.body.rollouts[0]).toMatchObject({ stageLabel: 'Pilot', gate: { passes: false } });
    // Someone the rollout does not concern (no audience lists them, no answer, no help desk) sees none.
    const stranger = { id: '00000000-0000-4000-8000-0000000000b9', name: 'Nestor Wilke' };
    expect((await call<RolloutsResponse>('/api/tab/rollouts', { as: stranger })).body.rollouts).toEqual([]);
    const mine = await call<DashboardResponse>(`/api/tab/rollouts/${rolloutId}`, { as: MEGAN });
    expect(mine.body.feedback.mine).toMatchObject({
      stageId: 'pilot',
      canAnswer: true,
      answer: { rating: 5, comment: 'Great' },
    });
  });

  it('anyone of the tenant opens a rollout by name, as `status` finds it', async () => {
    const found = await call<{ id: string }>(
      `/api/tab/rollouts/lookup?name=${encodeURIComponent('teams premium')}`,
      { as: MEGAN },
    );
    expect(found).toMatchObject({ status: 200, body: { id: rolloutId } });
    expect((await call(`/api/tab/rollouts/lookup?name=nothing`, { as: MEGAN })).status).toBe(404);
  });
});

describe('changes from the tab', () => {
  it('an admin resolves the blocker with a note (audited); a retry changes nothing; others are refused', async () => {
    const before = await call<DashboardResponse>(`/api/tab/rollouts/${rolloutId}`);
    const blocker = before.body.feedback.issues.find((i) => i.severity === 'blocker');
    if (!blocker) throw new Error('no blocker listed');
    const refused = await call(`/api/tab/rollouts/${rolloutId}/issues`, {
      as: MEGAN,
      method: 'POST',
      body: { ref: blocker.ref, resolved: true, note: 'me' },
    });
    expect(refused.status).toBe(403);
    const done = await call<ResolveResponse>(`/api/tab/rollouts/${rolloutId}/issues`, {
      method: 'POST',
      body: { ref: blocker.ref, resolved: true, note: 'Fixed in 1.2' },
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      outcome: 'done',
      issue: { resolution: { note: 'Fixed in 1.2', by: ADELE.name } },
    });
    const again = await call<ResolveResponse>(`/api/tab/rollouts/${rolloutId}/issues`, {
      method: 'POST',
      body: { ref: blocker.ref, resolved: true, note: 'Fixed in 1.2' },
    });
    expect(again.body.outcome).toBe('unchanged');
    const after = await call<DashboardResponse>(`/api/tab/rollouts/${rolloutId}`);
    expect(after.body.feedback.stages.find((s) => s.stageId === 'pilot')?.openBlockers).toBe(0);
    const audit = await call<AuditResponse>(`/api/tab/rollouts/${rolloutId}/audit?kind=issue-resolved`);
    expect(audit.body.entries).toHaveLength(1);
    expect(audit.body.entries[0]).toMatchObject({ kind: 'issue-resolved', by: ADELE.name });
    const denied = await call<AuditResponse>(
      `/api/tab/rollouts/${rolloutId}/audit?kind=access-denied&person=${MEGAN.id}`,
    );
    expect(denied.body.entries.length).toBeGreaterThanOrEqual(1);
    expect(denied.body.entries.every((e) => e.kind === 'access-denied' && e.by === MEGAN.name)).toBe(true);
    // The person filter takes the name the log shows, too.
    const byName = await call<AuditResponse>(
      `/api/tab/rollouts/${rolloutId}/audit?person=${encodeURIComponent(MEGAN.name)}`,
    );
    expect(byName.body.entries.map((e) => e.kind)).toEqual(denied.body.entries.map((e) => e.kind));
    // An altered reference opens nothing (one character of its authentication tag changed).
    const at = 20;
    const swapped = blocker.ref[at] === 'A' ? 'B' : 'A';
    const altered = await call(`/api/tab/rollouts/${rolloutId}/issues`, {
      method: 'POST',
      body: {
        ref: `${blocker.ref.slice(0, at)}${swapped}${blocker.ref.slice(at + 1)}`,
        resolved: false,
        note: '',
      },
    });
    expect(altered.status).toBe(400);
  });

  it('a pilot user edits their answer: bad input is refused field by field; a retry with the same key stores once', async () => {
    const answer = {
      rating: 3,
      installed: 'partly',
      category: 'performance',
      severity: 'minor',
      platform: 'windows',
      comment: 'Slower today',
      shareName: false,
    };
    const bad = await call<{ error: { fields: Record<string, string> } }>(
      `/api/tab/rollouts/${rolloutId}/feedback`,
      {
        as: MEGAN,
        method: 'PUT',
        body: { stageId: 'pilot', answer: { ...answer, rating: 9 } },
      },
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields)).toEqual(['rating']);
    const key = '6b0c3c1e-8a7d-4d51-9f4e-1f0b7d2a9c11';
    const send = () =>
      call<FeedbackResponse>(`/api/tab/rollouts/${rolloutId}/feedback`, {
        as: MEGAN,
        method: 'PUT',
        body: { stageId: 'pilot', answer },
        headers: { 'Idempotency-Key': key },
      });
    const first = await send();
    expect(first.status).toBe(200);
    expect(first.body.mine.answer).toMatchObject({ rating: 3, comment: 'Slower today' });
    expect((await send()).body.message).toMatch(/already saved/);
    const after = await call<DashboardResponse>(`/api/tab/rollouts/${rolloutId}`);
    expect(after.body.feedback.stages.find((s) => s.stageId === 'pilot')?.responses).toBe(3);
  });

  it('admins get a signed single-use export link; others are refused', async () => {
    const link = await call<{ url: string; expiresAt: string }>(`/api/tab/rollouts/${rolloutId}/export`, {
      method: 'POST',
      body: {},
    });
    expect(link.status).toBe(200);
    expect(link.body.url).toMatch(/\/exports\/feedback\?token=/);
    const refused = await call(`/api/tab/rollouts/${rolloutId}/export`, {
      as: LEE,
      method: 'POST',
      body: {},
    });
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain('token=');
  });

  it('the audit log pages and refuses a kind that does not exist', async () => {
    const page = await call<AuditResponse>(`/api/tab/rollouts/${rolloutId}/audit`);
    expect(page.status).toBe(200);
    expect(page.body.entries.length).toBeGreaterThan(0);
    expect(page.body.kinds).toContain('phase-advanced');
    expect((await call(`/api/tab/rollouts/${rolloutId}/audit?kind=nonsense`)).status).toBe(400);
  });
});

import { createPublicKey } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { tamperSignature, type Claims, type SignOptions } from '../support/bot-framework-issuer';
import { EntraIssuer } from '../support/entra-issuer';
import {
  TENANT_CACHE_LIMIT,
  TabTokenValidator,
  type TabTokenSettings,
  type TokenCheck,
} from '../../src/tab/entra-token';

/**
 * The dashboard tab's Teams SSO token check, against a stand-in for Entra ID over real HTTP on
 * 127.0.0.1 (per-tenant v1 and v2 OpenID metadata and key sets, every request counted). The clock
 * is injected: tokens are minted for `now`, and the validator reads the same `now`.
 */

const APP_ID = '3f1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const BOT_DOMAIN = 'rollout.contoso.example';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const OID = 'B5A4C3D2-E1F0-4A9B-8C7D-6E5F4A3B2C1D';
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

const issuer = new EntraIssuer();
let now = T0;

beforeAll(async () => {
  await issuer.start();
});
afterAll(() => issuer.stop());
beforeEach(() => {
  issuer.reset();
  now = T0;
});

const validator = (settings: Partial<TabTokenSettings> = {}): TabTokenValidator =>
  new TabTokenValidator({
    appId: APP_ID,
    botDomain: BOT_DOMAIN,
    allowedTenants: [],
    homeTenantId: null,
    authorityHost: issuer.authorityHost,
    timeoutMs: 2000,
    now: () => now,
    ...settings,
  });

/** A valid token's claims (at T0 unless `at`), with `overrides` (undefined removes a claim). */
const claims = (overrides: Claims = {}, ver: '1.0' | '2.0' = '2.0', tenant = TENANT, at = T0): Claims => {
  const all: Claims = { ...issuer.claims(tenant, OID, APP_ID, BOT_DOMAIN, at, ver), ...overrides };
  for (const [name, value] of Object.entries(all)) if (value === undefined) delete all[name];
  return all;
};
const bearer = (jwt: string): string => `Bearer ${jwt}`;
const token = (overrides: Claims = {}, ver: '1.0' | '2.0' = '2.0', sign: SignOptions = {}): string =>
  bearer(issuer.sign(claims(overrides, ver), sign));

const refusal = (check: TokenCheck) => (check.ok ? { ok: true } : { status: check.status, code: check.code });
const invalid = { status: 401, code: 'InvalidToken' };

describe('valid Teams SSO tokens', () => {
  it('a v2 token (aud the app id) gives the tenant and the person (oid lower case, name)', async () => {
    const check = await validator().validate(token());
    expect(check).toEqual({
      ok: true,
      identity: { tenantId: TENANT, person: { id: OID.toLowerCase(), name: 'Ada Lovelace' } },
    });
    // The tenant's v2 metadata (for the keys, and for the issuer) and its key set; nothing else.
    expect([...issuer.requests].sort()).toEqual(
      [
        `/${TENANT}/discovery/v2.0/keys`,
        `/${TENANT}/v2.0/.well-known/openid-configuration`,
        `/${TENANT}/v2.0/.well-known/openid-configuration`,
      ].sort(),
    );
  });

  it('a v1 token (aud the Application ID URI, issuer from the v1 metadata) is accepted', async () => {
    const check = await validator().validate(token({}, '1.0'));
    expect(check).toMatchObject({
      ok: true,
      identity: { tenantId: TENANT, person: { id: OID.toLowerCase() } },
    });
    expect(issuer.count(`/${TENANT}/.well-known/openid-configuration`)).toBe(1);
  });

  it('either audience form is accepted in either version; with no BOT_DOMAIN only the app id', async () => {
    const uri = `api://${BOT_DOMAIN}/${APP_ID}`;
    const v = validator();
    expect((await v.validate(token({ aud: uri }, '2.0'))).ok).toBe(true);
    expect((await v.validate(token({ aud: APP_ID }, '1.0'))).ok).toBe(true);
    expect((await v.validate(token({ aud: uri.toUpperCase() }))).ok).toBe(true);
    const noDomain = validator({ botDomain: null });
    expect((await noDomain.validate(token({ aud: APP_ID }))).ok).toBe(true);
    expect(refusal(await noDomain.validate(token({ aud: uri })))).toEqual(invalid);
  });

  it('the name falls back to preferred_username, else empty', async () => {
    const v = validator();
    const named = async (overrides: Claims) => {
      const check = await v.validate(token(overrides));
      return check.ok ? check.identity.person.name : `refused: ${check.code}`;
    };
    expect(await named({ name: undefined })).toBe('ada@contoso.example');
    expect(await named({ name: ' ', preferred_username: undefined })).toBe('');
  });

  it('a v2 metadata issuer written with {tenantid} names the tenant', async () => {
    issuer.templatedIssuer = true;
    expect((await validator().validate(token())).ok).toBe(true);
  });

  it('keys and issuers are fetched once per tenant, not per token', async () => {
    const v = validator();
    for (let i = 0; i < 5; i++) expect((await v.validate(token())).ok).toBe(true);
    expect(issuer.requests).toHaveLength(3);
  });
});

describe('time', () => {
  it('expired beyond the 5-minute skew → 401 TokenExpired; within it → accepted', async () => {
    const v = validator();
    now = T0 + 3600_000 + 6 * 60_000; // exp was an hour after T0
    expect(await v.validate(token())).toEqual({
      ok: false,
      status: 401,
      code: 'TokenExpired',
      message: expect.stringMatching(/expired/),
    });
    now = T0 + 3600_000 + 4 * 60_000;
    expect((await v.validate(token())).ok).toBe(true);
  });

  it('nbf in the future beyond the skew → 401; iat in the future, missing, or after exp → 401; no exp → 401', async () => {
    const v = validator();
    const t = Math.floor(T0 / 1000);
    expect(refusal(await v.validate(token({ nbf: t + 600, iat: t })))).toEqual(invalid);
    expect(await v.validate(token({ nbf: t + 200, iat: t }))).toMatchObject({ ok: true });
    expect(refusal(await v.validate(token({ iat: t + 600, nbf: undefined })))).toEqual(invalid);
    expect(refusal(await v.validate(token({ iat: undefined })))).toEqual(invalid);
    expect(refusal(await v.validate(token({ iat: t + 200, exp: t + 100 })))).toEqual(invalid);
    expect(refusal(await v.validate(token({ exp: undefined })))).toEqual(invalid);
    expect(refusal(await v.validate(token({ exp: String(t + 3600) })))).toEqual(invalid);
  });
});

describe('refused tokens (401)', () => {
  it('a wrong audience: another app, another domain, none', async () => {
    const v = validator();
    for (const aud of ['99999999-8888-4777-8666-555555555555', `api://evil.example/${APP_ID}`, undefined]) {
      expect(refusal(await v.validate(token({ aud })))).toEqual(invalid);
    }
    expect(refusal(await v.validate(token({ aud: [APP_ID] })))).toEqual(invalid);
  });

  it('a wrong issuer: another tenant’s, another host’s, the other version’s, the public v1 issuer at the stand-in', async () => {
    const v = validator();
    expect(refusal(await v.validate(token({ iss: issuer.v2Issuer(OTHER_TENANT) })))).toEqual(invalid);
    expect(
      refusal(await v.validate(token({ iss: `https://login.microsoftonline.com/${TENANT}/v2.0` }))),
    ).toEqual(invalid);
    expect(refusal(await v.validate(token({ iss: issuer.v1Issuer(TENANT) }, '2.0')))).toEqual(invalid);
    expect(refusal(await v.validate(token({ iss: issuer.v2Issuer(TENANT) }, '1.0')))).toEqual(invalid);
    // The issuer comes from the v1 metadata, not from a built-in https://sts.windows.net/<tid>/.
    expect(refusal(await v.validate(token({ iss: `https://sts.windows.net/${TENANT}/` }, '1.0')))).toEqual(
      invalid,
    );
    expect(refusal(await v.validate(token({ iss: undefined })))).toEqual(invalid);
  });

  it('a bad signature: a key not in the key set under its kid, an altered payload, a flipped byte', async () => {
    const v = validator();
    const stranger = issuer.sign(claims(), { key: issuer.strangerKey, kid: issuer.signingKey.kid });
    expect(refusal(await v.validate(bearer(stranger)))).toEqual(invalid);
    const [header, , signature] = issuer.sign(claims()).split('.');
    const altered = Buffer.from(
      JSON.stringify(claims({ oid: '00000000-0000-4000-8000-000000000001' })),
    ).toString('base64url');
    expect(refusal(await v.validate(bearer(`${header}.${altered}.${signature}`)))).toEqual(invalid);
    expect(refusal(await v.validate(bearer(tamperSignature(issuer.sign(claims())))))).toEqual(invalid);
    expect(refusal(await v.validate(bearer(`${header}.${altered}.`)))).toEqual(invalid);
  });

  it('alg none and HS256 (the public key as HMAC secret) are refused before anything is fetched', async () => {
    const v = validator();
    const pem = createPublicKey({ key: issuer.signingKey.jwk, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    expect(refusal(await v.validate(token({}, '2.0', { alg: 'none', kid: issuer.signingKey.kid })))).toEqual(
      invalid,
    );
    expect(
      refusal(
        await v.validate(token({}, '2.0', { alg: 'HS256', kid: issuer.signingKey.kid, hmacSecret: pem })),
      ),
    ).toEqual(invalid);
    expect(refusal(await v.validate(token({}, '2.0', { header: { alg: 'RS512' } })))).toEqual(invalid);
    expect(refusal(await v.validate(token({}, '2.0', { header: { crit: ['exp'] } })))).toEqual(invalid);
    expect(issuer.requests).toEqual([]);
  });

  it('no kid → 401; an unknown kid → 401, refreshing the key set at most once an hour', async () => {
    const v = validator();
    expect(refusal(await v.validate(token({}, '2.0', { header: { kid: undefined } })))).toEqual(invalid);
    expect(refusal(await v.validate(token({}, '2.0', { header: { kid: '' } })))).toEqual(invalid);
    expect(issuer.requests).toEqual([]);

    expect((await v.validate(token())).ok).toBe(true);
    expect(issuer.count('/keys')).toBe(1);
    const unknown = () => token({}, '2.0', { key: issuer.strangerKey });
    for (let i = 0; i < 3; i++) expect(refusal(await v.validate(unknown()))).toEqual(invalid);
    expect(issuer.count('/keys')).toBe(1);

    now = T0 + 61 * 60_000;
    const later = () => bearer(issuer.sign(claims({}, '2.0', TENANT, now), { key: issuer.strangerKey }));
    for (let i = 0; i < 3; i++) expect(refusal(await v.validate(later()))).toEqual(invalid);
    expect(issuer.count('/keys')).toBe(2);
  });

  it('a rolled-over key (published after the key set was read) is found by the hourly refresh', async () => {
    const v = validator();
    expect((await v.validate(token())).ok).toBe(true);
    issuer.published.push(issuer.strangerKey);
    now = T0 + 61 * 60_000;
    const rolled = bearer(issuer.sign(claims({}, '2.0', TENANT, now), { key: issuer.strangerKey }));
    expect((await v.validate(rolled)).ok).toBe(true);
    expect(issuer.count('/keys')).toBe(2);
  });

  it('missing, garbled and oversized headers → 401 InvalidToken, nothing fetched', async () => {
    const v = validator();
    const valid = issuer.sign(claims());
    const oversized = issuer.sign(claims({ padding: 'x'.repeat(9000) }));
    const cases: (string | undefined)[] = [
      undefined,
      '',
      'Bearer ',
      'Bearer',
      `Basic ${Buffer.from('user:secret').toString('base64')}`,
      `Bearer ${valid} extra`,
      `Bearer${valid}`,
      'Bearer not-a-token',
      'Bearer a.b',
      'Bearer a.b.c.d',
      `Bearer ${valid.split('.').slice(0, 2).join('.')}.`,
      `Bearer !!!.${valid.split('.')[1]}.${valid.split('.')[2]}`,
      `Bearer ${Buffer.from('[1]').toString('base64url')}.${valid.split('.')[1]}.${valid.split('.')[2]}`,
      `Bearer ${valid.split('.')[0]}.${Buffer.from('not json').toString('base64url')}.${valid.split('.')[2]}`,
      `Bearer ${valid.split('.')[0]}.${Buffer.from('null').toString('base64url')}.${valid.split('.')[2]}`,
      bearer(oversized),
    ];
    for (const authorization of cases) {
      const check = await v.validate(authorization);
      expect({ authorization: authorization?.slice(0, 40), ...refusal(check) }).toEqual({
        authorization: authorization?.slice(0, 40),
        ...invalid,
      });
    }
    expect(issuer.requests).toEqual([]);
    // A bearer token up to 8 KiB is read.
    expect((await v.validate(token({ padding: 'x'.repeat(4000) }))).ok).toBe(true);
  });

  it('the user claims: no access_as_user scope, no scope (an app token), a look-alike; oid missing or no GUID', async () => {
    const v = validator();
    for (const overrides of [
      { scp: 'User.Read' },
      { scp: undefined, roles: ['access_as_user'] },
      { scp: 'access_as_user_x openid' },
      { scp: ['access_as_user'] },
      { oid: undefined },
      { oid: 'not-a-guid' },
    ]) {
      expect(refusal(await v.validate(token(overrides)))).toEqual(invalid);
    }
    expect((await v.validate(token({ scp: 'openid access_as_user profile' }))).ok).toBe(true);
  });

  it('tid or ver missing or malformed → 401 before anything is fetched', async () => {
    const v = validator();
    for (const overrides of [
      { tid: undefined },
      { tid: 'contoso.example' },
      { tid: `../${TENANT}` },
      { ver: undefined },
      { ver: '3.0' },
    ]) {
      expect(refusal(await v.validate(token(overrides)))).toEqual(invalid);
    }
    expect(issuer.requests).toEqual([]);
  });

  it('no refusal repeats the token', async () => {
    const v = validator();
    const jwt = issuer.sign(claims({ aud: 'some-other-audience' }));
    const check = await v.validate(bearer(jwt));
    expect(check.ok).toBe(false);
    const message = check.ok ? '' : check.message;
    for (const part of jwt.split('.')) expect(message).not.toContain(part.slice(0, 16));
    expect(message).not.toContain('some-other-audience');
  });
});

describe('tenants (403)', () => {
  it('a tenant not in ALLOWED_TENANT_IDS → 403 TenantNotAllowed, and no request reached Entra', async () => {
    const v = validator({ allowedTenants: [TENANT] });
    const other = bearer(issuer.sign(claims({}, '2.0', OTHER_TENANT)));
    expect(await v.validate(other)).toEqual({
      ok: false,
      status: 403,
      code: 'TenantNotAllowed',
      message: expect.any(String),
    });
    expect(issuer.requests).toEqual([]);
    expect(v.tenantCacheSize).toBe(0);
    expect((await v.validate(token({ tid: TENANT.toUpperCase() }))).ok).toBe(true);
  });

  it('a home tenant (SingleTenant / UserAssignedMSI): any other tenant → 403, even one in ALLOWED_TENANT_IDS', async () => {
    const v = validator({ homeTenantId: TENANT, allowedTenants: [TENANT, OTHER_TENANT] });
    const check = await v.validate(bearer(issuer.sign(claims({}, '2.0', OTHER_TENANT))));
    expect(refusal(check)).toEqual({ status: 403, code: 'TenantNotAllowed' });
    expect(issuer.requests).toEqual([]);
    expect((await v.validate(token())).ok).toBe(true);
  });

  it(`${TENANT_CACHE_LIMIT + 100} tenants keep at most ${TENANT_CACHE_LIMIT} in the cache, the least recently used dropped`, async () => {
    const v = validator();
    const tenants = Array.from(
      { length: TENANT_CACHE_LIMIT + 100 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const signed = (tenant: string) => bearer(issuer.sign(claims({}, '2.0', tenant)));
    const first = tenants[0] ?? '';
    for (let i = 0; i < tenants.length; i += 25) {
      const batch = tenants.slice(i, i + 25);
      const checks = await Promise.all(batch.map((tenant) => v.validate(signed(tenant))));
      expect(checks.every((check) => check.ok)).toBe(true);
      // The first tenant, used again and again, stays.
      expect((await v.validate(signed(first))).ok).toBe(true);
      expect(v.tenantCacheSize).toBeLessThanOrEqual(TENANT_CACHE_LIMIT);
    }
    expect(v.tenantCacheSize).toBe(TENANT_CACHE_LIMIT);
    expect(issuer.count(`/${first}/`)).toBe(3);
    // The second tenant was not used since: dropped, so its keys are fetched again.
    const second = tenants[1] ?? '';
    expect(issuer.count(`/${second}/`)).toBe(3);
    expect((await v.validate(signed(second))).ok).toBe(true);
    expect(issuer.count(`/${second}/`)).toBe(6);
    expect(v.tenantCacheSize).toBe(TENANT_CACHE_LIMIT);
  });
});

describe('keys unavailable (503)', () => {
  it('a silent key endpoint → 503 KeysUnavailable within the deadline', async () => {
    issuer.keysMode = 'hang';
    const v = validator({ timeoutMs: 300 });
    const started = performance.now();
    const check = await v.validate(token());
    const elapsed = performance.now() - started;
    expect(check).toEqual({ ok: false, status: 503, code: 'KeysUnavailable', message: expect.any(String) });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
  });

  it('silent metadata → 503 within the deadline', async () => {
    issuer.metadataMode = 'hang';
    const v = validator({ timeoutMs: 300 });
    const started = performance.now();
    expect(refusal(await v.validate(token()))).toEqual({ status: 503, code: 'KeysUnavailable' });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('metadata answering 500 → 503, answered at once for 5 s, then tried again and accepted', async () => {
    issuer.metadataMode = 'error';
    const v = validator();
    expect(refusal(await v.validate(token()))).toEqual({ status: 503, code: 'KeysUnavailable' });
    const seen = issuer.requests.length;
    expect(seen).toBeGreaterThan(0);
    issuer.metadataMode = 'ok';
    now = T0 + 4000;
    expect(refusal(await v.validate(token()))).toEqual({ status: 503, code: 'KeysUnavailable' });
    expect(issuer.requests.length).toBe(seen);
    now = T0 + 6000;
    expect((await v.validate(token())).ok).toBe(true);
    expect(issuer.requests.length).toBe(seen + 3);
  });

  it('the key set answering 500 → 503; the issuer read meanwhile is kept', async () => {
    issuer.keysMode = 'error';
    const v = validator();
    expect(refusal(await v.validate(token()))).toEqual({ status: 503, code: 'KeysUnavailable' });
    issuer.keysMode = 'ok';
    now = T0 + 6000;
    expect((await v.validate(token())).ok).toBe(true);
    // The issuer document was read once; the v2 metadata twice more for the keys.
    expect(issuer.count('/v2.0/.well-known/openid-configuration')).toBe(3);
  });
});

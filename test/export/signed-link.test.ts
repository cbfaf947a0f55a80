import { createHmac } from 'node:crypto';
import { MAX_TOKEN_LENGTH, newNonce, signExportToken, verifyExportToken } from '../../src/export/signed-link';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const EXPIRES = Date.parse('2026-02-10T17:40:00.000Z');
const CLAIMS = {
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  rolloutId: 'ro-0123456789',
  expiresAt: EXPIRES,
  nonce: 'AAECAwQFBgcICQoLDA0ODw',
};
const token = signExportToken(SECRET, CLAIMS);
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('signed export links', () => {
  it('round trip: a token verifies to its claims before it expires', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyExportToken(SECRET, token, EXPIRES - 1)).toEqual({ ok: true, claims: CLAIMS });
  });

  it('is short enough for a link (at most ~500 characters even with long ids)', () => {
    expect(token.length).toBeLessThan(300);
    const long = signExportToken(SECRET, {
      ...CLAIMS,
      tenantId: 't'.repeat(200),
      rolloutId: 'r'.repeat(200),
    });
    expect(long.length).toBeLessThanOrEqual(700);
    expect(verifyExportToken(SECRET, long, 0).ok).toBe(true);
  });

  it('expires at exactly expiresAt', () => {
    expect(verifyExportToken(SECRET, token, EXPIRES)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyExportToken(SECRET, token, EXPIRES + 60_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('a tampered payload fails the signature check', () => {
    const signature = token.split('.')[1]!;
    for (const claims of [
      { ...CLAIMS, rolloutId: 'ro-other' },
      { ...CLAIMS, tenantId: '00000000-0000-4000-8000-000000000000' },
      { ...CLAIMS, expiresAt: EXPIRES + 86_400_000 },
    ]) {
      expect(verifyExportToken(SECRET, `${b64(claims)}.${signature}`, 0)).toEqual({
        ok: false,
        reason: 'bad-signature',
      });
    }
  });

  it('a changed signature or another secret fails the signature check', () => {
    const [payload, signature] = token.split('.') as [string, string];
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    expect(verifyExportToken(SECRET, `${payload}.${flipped}`, 0)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyExportToken(`${SECRET}x`, token, 0)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyExportToken(SECRET, signExportToken(`${SECRET}x`, CLAIMS), 0)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('a second spelling of the same signature does not verify', () => {
    // 43 base64url characters carry 258 bits: the last character's low 2 bits are padding.
    const [payload, signature] = token.split('.') as [string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(signature.at(-1)!);
    const twin = `${signature.slice(0, -1)}${alphabet[last ^ 1]}`;
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
    expect(verifyExportToken(SECRET, `${payload}.${twin}`, 0)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it.each<[string, string]>([
    ['an empty string', ''],
    ['garbage', 'not a token'],
    ['no signature', token.split('.')[0]!],
    ['three parts', `${token}.x`],
    ['a short signature', `${token.split('.')[0]}.abc`],
    ['characters outside base64url', `${token.split('.')[0]}.${'+'.repeat(43)}`],
    ['too long (over 2,000 characters)', `${'A'.repeat(MAX_TOKEN_LENGTH)}.${token.split('.')[1]}`],
  ])('refuses %s as malformed', (_name, bad) => {
    expect(verifyExportToken(SECRET, bad, 0)).toEqual({ ok: false, reason: 'malformed' });
  });

  it.each<[string, unknown]>([
    ['a payload that is not JSON', null],
    ['claims of the wrong shape', { ...CLAIMS, expiresAt: '2026-02-10' }],
    ['a missing claim', { tenantId: CLAIMS.tenantId, rolloutId: CLAIMS.rolloutId, expiresAt: EXPIRES }],
    ['an extra claim', { ...CLAIMS, admin: true }],
    ['an empty rollout id', { ...CLAIMS, rolloutId: '' }],
  ])('refuses a correctly signed token with %s as malformed', (_name, claims) => {
    const payload = claims === null ? Buffer.from('{nope').toString('base64url') : b64(claims);
    const signature = createHmac('sha256', SECRET).update(payload).digest('base64url');
    expect(verifyExportToken(SECRET, `${payload}.${signature}`, 0)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('refuses to sign claims it would not accept', () => {
    expect(() => signExportToken(SECRET, { ...CLAIMS, tenantId: '' })).toThrow();
    expect(() => signExportToken(SECRET, { ...CLAIMS, expiresAt: 1.5 })).toThrow();
  });

  it('newNonce is 16 random bytes in base64url, different each time', () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    expect(nonces.size).toBe(100);
    for (const nonce of nonces) {
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(nonce, 'base64url')).toHaveLength(16);
    }
  });
});

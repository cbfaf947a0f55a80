import { createHmac } from 'node:crypto';
import { SignedExportLinks } from '../../src/export/export-links';
import { exportPage } from '../../src/export/export-endpoint';
import { signExportToken, verifyExportToken } from '../../src/export/signed-link';
import { TestClock } from '../support/harness';

/** A link names what it exports (feedback, or an announcement's deliveries) in its signed claims. */
const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const clock = new TestClock();
const links = new SignedExportLinks({
  secret: SECRET,
  ttlMinutes: 10,
  clock,
  baseUrl: () => 'https://bot.example',
});
const tokenOf = (url: string): string => new URL(url).searchParams.get('token') ?? '';
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

it('a deliveries link checks back to its announcement; a plain one to the feedback', () => {
  const deliveries = links.check(
    tokenOf(links.issue('t1', 'r1', { kind: 'deliveries', announcementId: 'a1' }).url),
  );
  expect(deliveries).toMatchObject({
    ok: true,
    tenantId: 't1',
    rolloutId: 'r1',
    subject: { kind: 'deliveries', announcementId: 'a1' },
  });
  const feedback = links.check(tokenOf(links.issue('t1', 'r1').url));
  expect(feedback).toMatchObject({ ok: true, subject: { kind: 'feedback' } });
});

it('a feedback link cannot be re-signed into a deliveries one: the signature covers the subject', () => {
  const token = tokenOf(links.issue('t1', 'r1').url);
  const [payload, signature] = token.split('.') as [string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const forged = `${b64({ ...claims, export: 'deliveries', announcementId: 'a1' })}.${signature}`;
  expect(verifyExportToken(SECRET, forged, clock.now().getTime())).toEqual({
    ok: false,
    reason: 'bad-signature',
  });
  expect(links.check(forged)).toMatchObject({ ok: false, status: 403 });
});

it('an announcement id without the deliveries kind (or the reverse) is no token, even correctly signed', () => {
  const base = {
    tenantId: 't1',
    rolloutId: 'r1',
    expiresAt: Date.now() + 60_000,
    nonce: 'AAECAwQFBgcICQoLDA0ODw',
  };
  expect(() => signExportToken(SECRET, { ...base, announcementId: 'a1' })).toThrow();
  expect(() => signExportToken(SECRET, { ...base, export: 'deliveries' })).toThrow();
  const payload = b64({ ...base, announcementId: 'a1' });
  const signed = `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
  expect(verifyExportToken(SECRET, signed, 0)).toEqual({ ok: false, reason: 'malformed' });
});

it('an expired link names the command that issues a new one of its kind', () => {
  const deliveries = tokenOf(links.issue('t1', 'r1', { kind: 'deliveries', announcementId: 'a1' }).url);
  const feedback = tokenOf(links.issue('t1', 'r1').url);
  clock.advance(11 * 60_000);
  expect(links.check(deliveries)).toMatchObject({
    ok: false,
    status: 410,
    message: expect.stringContaining('`announce report`'),
  });
  expect(links.check(feedback)).toMatchObject({
    ok: false,
    status: 410,
    message: expect.stringContaining('`feedback export`'),
  });
});

it('the page says what it downloads', () => {
  expect(exportPage('t', 'deliveries')).toContain('<h1>Announcement deliveries</h1>');
  expect(exportPage('t')).toContain('<h1>Feedback export</h1>');
});

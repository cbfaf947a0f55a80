import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** Longer than any token this module signs (about 200–500 characters): refused unread. */
export const MAX_TOKEN_LENGTH = 2000;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** An HMAC-SHA256 (32 bytes) in unpadded base64url. */
const SIGNATURE_LENGTH = 43;

const claimsSchema = z
  .strictObject({
    tenantId: z.string().min(1).max(200),
    rolloutId: z.string().min(1).max(200),
    expiresAt: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    nonce: z.string().regex(BASE64URL).min(16).max(64),
    /**
     * What the link exports: absent for the rollout's feedback (every link issued before there was
     * anything else, so those still verify), `deliveries` for one announcement's delivery rows.
     * Signed like the rest: a feedback link cannot be turned into another export.
     */
    export: z.literal('deliveries').optional(),
    announcementId: z.string().min(1).max(200).optional(),
  })
  .refine((c) => (c.export === 'deliveries') === (c.announcementId !== undefined), {
    message: 'an announcement id goes with a deliveries export, and only with one',
  });

/** What a download link grants: one rollout's export, until `expiresAt` (ms since the epoch). */
export type ExportClaims = z.infer<typeof claimsSchema>;

export type VerifyResult =
  { ok: true; claims: ExportClaims } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

/** 16 random bytes in base64url (22 characters): makes each link unique and usable once. */
export const newNonce = (): string => randomBytes(16).toString('base64url');

const sign = (secret: string, payload: string): string =>
  createHmac('sha256', secret).update(payload).digest('base64url');

/**
 * `<base64url JSON claims>.<base64url HMAC-SHA256 of the first part>`. The claims are checked
 * here too, so every token this issues verifies (until it expires).
 */
export const signExportToken = (secret: string, claims: ExportClaims): string => {
  const checked = claimsSchema.parse(claims);
  const payload = Buffer.from(JSON.stringify(checked), 'utf8').toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
};

/**
 * Checks the shape, then the signature (in constant time), then the claims, then the expiry:
 * a link is expired from `expiresAt` on. The signature covers the payload's text as sent, and is
 * compared as text, so no second spelling of a token verifies.
 */
export const verifyExportToken = (secret: string, token: string, now: number): VerifyResult => {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [payload = '', signature = ''] = parts;
  if (!BASE64URL.test(payload) || !BASE64URL.test(signature) || signature.length !== SIGNATURE_LENGTH) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = Buffer.from(sign(secret, payload), 'ascii');
  if (!timingSafeEqual(Buffer.from(signature, 'ascii'), expected)) {
    return { ok: false, reason: 'bad-signature' };
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = claimsSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  if (now >= parsed.data.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, claims: parsed.data };
};

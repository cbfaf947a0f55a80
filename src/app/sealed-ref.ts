import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { RefSealer } from './ports';

/**
 * Seals a reference a card must carry but must not reveal (which answer row an issue card is
 * about): AES-256-GCM with a fresh IV, so two cards about the same person carry unrelated
 * strings, and a forged or altered one does not open. The context (tenant and rollout) is bound as
 * associated data: a reference opens only where it was made, never in another tenant or rollout.
 * A reference has one spelling: text that decodes to the same bytes some other way (bits past the
 * data in the last character, padding, characters the decoder skips) is not it.
 */
export class AesRefSealer implements RefSealer {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHash('sha256').update(`card-ref\u0000${secret}`).digest();
  }

  seal(text: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  open(sealed: string, context: string): string | null {
    try {
      if (sealed.length > 2000) return null;
      const raw = Buffer.from(sealed, 'base64url');
      if (raw.length < 29 || raw.toString('base64url') !== sealed) return null;
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}

import type { Clock, ExportLinks } from '../app/ports';
import { newNonce, signExportToken, verifyExportToken } from './signed-link';

export const EXPORT_PATH = '/exports/feedback';

export interface ExportLinkOptions {
  secret: string;
  ttlMinutes: number;
  clock: Clock;
  /** The URL people's browsers reach the bot at, without a trailing slash (known once listening). */
  baseUrl: () => string;
}

export type ExportClaim =
  | { ok: true; tenantId: string; rolloutId: string; nonce: string; expiresAt: number }
  | { ok: false; status: 400 | 403 | 410; message: string };

/** Issues and checks the feedback export's signed, expiring links (single use is the ledger's job). */
export class SignedExportLinks implements ExportLinks {
  constructor(private readonly options: ExportLinkOptions) {}

  issue(tenantId: string, rolloutId: string): { url: string; expiresAt: string } {
    const expiresAt = this.options.clock.now().getTime() + this.options.ttlMinutes * 60_000;
    const token = signExportToken(this.options.secret, { tenantId, rolloutId, expiresAt, nonce: newNonce() });
    return {
      url: `${this.options.baseUrl()}${EXPORT_PATH}?token=${token}`,
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }

  check(token: string): ExportClaim {
    const verdict = verifyExportToken(this.options.secret, token, this.options.clock.now().getTime());
    if (verdict.ok) return { ok: true, ...verdict.claims };
    switch (verdict.reason) {
      case 'expired':
        return {
          ok: false,
          status: 410,
          message: 'This download link has expired. Run `feedback export` in Teams for a new one.',
        };
      case 'bad-signature':
        return { ok: false, status: 403, message: 'This download link is not valid.' };
      case 'malformed':
        return { ok: false, status: 400, message: 'This is not a download link.' };
    }
  }
}

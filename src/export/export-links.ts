import type { Clock, ExportLinks, ExportSubject } from '../app/ports';

export type { ExportSubject };
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
  | {
      ok: true;
      tenantId: string;
      rolloutId: string;
      subject: ExportSubject;
      nonce: string;
      expiresAt: number;
    }
  | { ok: false; status: 400 | 403 | 410; message: string };

/** The command that issues a new link of the kind (an expired or used one says it). */
export const EXPORT_COMMANDS: Readonly<Record<ExportSubject['kind'], string>> = {
  feedback: 'feedback export',
  deliveries: 'announce report',
};

/**
 * Issues and checks the exports' signed, expiring links (single use is the ledger's job). A link
 * names what it exports in its signed claims.
 */
export class SignedExportLinks implements ExportLinks {
  constructor(private readonly options: ExportLinkOptions) {}

  issue(
    tenantId: string,
    rolloutId: string,
    subject: ExportSubject = { kind: 'feedback' },
  ): { url: string; expiresAt: string } {
    const expiresAt = this.options.clock.now().getTime() + this.options.ttlMinutes * 60_000;
    const token = signExportToken(this.options.secret, {
      tenantId,
      rolloutId,
      expiresAt,
      nonce: newNonce(),
      ...(subject.kind === 'deliveries'
        ? { export: 'deliveries', announcementId: subject.announcementId }
        : {}),
    });
    return {
      url: `${this.options.baseUrl()}${EXPORT_PATH}?token=${token}`,
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }

  check(token: string): ExportClaim {
    const verdict = verifyExportToken(this.options.secret, token, this.options.clock.now().getTime());
    if (verdict.ok) {
      const { export: kind, announcementId, ...claims } = verdict.claims;
      const subject: ExportSubject =
        kind === 'deliveries' && announcementId ? { kind, announcementId } : { kind: 'feedback' };
      return { ok: true, ...claims, subject };
    }
    switch (verdict.reason) {
      case 'expired':
        return {
          ok: false,
          status: 410,
          message: `This download link has expired. Run \`${EXPORT_COMMANDS[subjectOf(token)]}\` in Teams for a new one.`,
        };
      case 'bad-signature':
        return { ok: false, status: 403, message: 'This download link is not valid.' };
      case 'malformed':
        return { ok: false, status: 400, message: 'This is not a download link.' };
    }
  }
}

/**
 * The kind an expired link (signature checked) names, only to word its refusal: read from the
 * payload, which verified; anything unexpected reads as feedback.
 */
const subjectOf = (token: string): ExportSubject['kind'] => {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      export?: unknown;
    };
    return payload.export === 'deliveries' ? 'deliveries' : 'feedback';
  } catch {
    return 'feedback';
  }
};

import type { Logger } from 'pino';
import type { Response } from 'restify';
import type { Deps, TokenLedger } from '../app/ports';
import { stageLabel } from '../domain/feedback-access';
import { findStage } from '../domain/feedback-goals';
import { MAX_EXPORT_ROWS } from '../app/feedback-queries';
import { allDeliveries } from '../app/announce/announce-report';
import { deliveriesCsv } from './deliveries-csv';
import { EXPORT_COMMANDS, EXPORT_PATH, type ExportSubject, type SignedExportLinks } from './export-links';
import { feedbackCsv } from './feedback-csv';

export interface ExportEndpointDeps {
  deps: Pick<Deps, 'rollouts' | 'feedback' | 'announce'>;
  links: SignedExportLinks;
  ledger: TokenLedger;
  logger: Logger;
}

export const ALREADY_USED =
  'This download link was already used. Run `feedback export` in Teams for a new one.';
const alreadyUsed = (subject: ExportSubject): string =>
  ALREADY_USED.replace('feedback export', EXPORT_COMMANDS[subject.kind]);
export const NOT_NOW =
  'The answers could not be read just now. The link was not used up: try again in a moment.';
export const NOT_RECORDED =
  'The download could not be completed just now: try again in a moment (if the link says it was used, run `feedback export` in Teams for a new one).';

/** The download page: nothing from outside, no framing, no referrer, never cached. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

const refuse = (
  res: Response,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void => {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(`${message}\n`);
};

/** A file name safe in a Content-Disposition header. */
const fileName = (name: string, prefix = 'feedback'): string =>
  `${prefix}-${
    name
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'rollout'
  }.csv`;

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

/**
 * The form posts to the same path, relative to the page (so a reverse proxy's path prefix in
 * PUBLIC_BASE_URL is kept), with the token in the body, not the URL.
 */
const FORM_ACTION = EXPORT_PATH.slice(EXPORT_PATH.lastIndexOf('/') + 1);

/** What each export's page says (the page names no rollout: the link alone is the credential). */
const PAGE_TEXT: Readonly<Record<ExportSubject['kind'], { title: string; what: string }>> = {
  feedback: { title: 'Feedback export', what: 'Every answer as a CSV file.' },
  deliveries: {
    title: 'Announcement deliveries',
    what: 'Every recipient of the announcement and how it went, as a CSV file.',
  },
};

/** The page behind a link: the token only, in a hidden field (escaped all the same). */
export const exportPage = (
  token: string,
  kind: ExportSubject['kind'] = 'feedback',
): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${PAGE_TEXT[kind].title}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; color: #242424; }
button { font: inherit; padding: 0.5rem 1.25rem; border: 0; border-radius: 4px; background: #5b5fc7; color: #fff; cursor: pointer; }
</style>
</head>
<body>
<h1>${PAGE_TEXT[kind].title}</h1>
<p>${PAGE_TEXT[kind].what} The link works once: the file downloads when you press the button.</p>
<form method="post" action="${escapeHtml(FORM_ACTION)}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">Download CSV</button>
</form>
</body>
</html>
`;

/**
 * GET /exports/feedback?token=… — the page behind a signed link: the signature and expiry are
 * checked, nothing is used up and nothing is read. Link scanners and previews (which only GET)
 * therefore never burn a link; the person downloads with the page's button (a POST).
 */
export const serveExportPage = (links: SignedExportLinks, token: string, res: Response): void => {
  const claim = links.check(token);
  if (!claim.ok) return refuse(res, claim.status, claim.message);
  res.writeHead(200, { ...PAGE_HEADERS });
  res.end(exportPage(token, claim.subject.kind));
};

interface Built {
  csv: string;
  rows: number;
  name: string;
}
interface Refusal {
  status: 404;
  message: string;
}

/** The CSV a verified link names: the rollout's feedback, or one announcement's deliveries. */
const buildExport = async (
  deps: ExportEndpointDeps['deps'],
  claim: { tenantId: string; rolloutId: string; subject: ExportSubject },
): Promise<Built | Refusal> => {
  const rollout = (await deps.rollouts.get(claim.tenantId, claim.rolloutId))?.value;
  if (!rollout) return { status: 404, message: 'That rollout no longer exists.' };
  const { subject } = claim;
  if (subject.kind === 'deliveries') {
    const announcement = deps.announce
      ? (await deps.announce.store.get(claim.tenantId, subject.announcementId))?.value
      : undefined;
    // The announcement's own rollout only: a link names both, and both must hold.
    if (!deps.announce || !announcement || announcement.rolloutId !== rollout.id) {
      return { status: 404, message: 'That announcement no longer exists.' };
    }
    const deliveries = await allDeliveries({ announce: deps.announce }, announcement);
    return { csv: deliveriesCsv(deliveries), rows: deliveries.length, name: rollout.name };
  }
  const entries = await deps.feedback.entries(claim.tenantId, rollout.id, MAX_EXPORT_ROWS);
  const csv = feedbackCsv(entries, {
    stage: (stageId) => {
      const found = findStage(rollout, stageId);
      return found ? stageLabel(rollout, found) : stageId;
    },
  });
  return { csv, rows: entries.length, name: rollout.name };
};

/**
 * POST /exports/feedback (form field `token`) — the CSV behind a signed link: the signature and
 * expiry are checked, the CSV is built, then the link is used up (a second download is refused
 * with 410), then the file is sent. A storage failure before that leaves the link usable (503).
 * The link itself is the credential: only an admin's `feedback export` issues one.
 */
export const serveFeedbackExport = async (
  { deps, links, ledger, logger }: ExportEndpointDeps,
  token: string,
  res: Response,
): Promise<void> => {
  const claim = links.check(token);
  if (!claim.ok) return refuse(res, claim.status, claim.message);
  let built: Built | Refusal;
  try {
    built = await buildExport(deps, claim);
  } catch (err) {
    logger.error({ err, rolloutId: claim.rolloutId }, 'export: could not read what it exports');
    return refuse(res, 503, NOT_NOW, { 'Retry-After': '5' });
  }
  if ('status' in built) return refuse(res, built.status, built.message);
  const { csv, rows, name } = built;
  let first: boolean;
  try {
    first = await ledger.use(claim.nonce, new Date(claim.expiresAt).toISOString());
  } catch (err) {
    logger.error({ err, rolloutId: claim.rolloutId }, 'export: could not record the link as used');
    return refuse(res, 503, NOT_RECORDED, { 'Retry-After': '5' });
  }
  if (!first) return refuse(res, 410, alreadyUsed(claim.subject));
  logger.info({ rolloutId: claim.rolloutId, rows, export: claim.subject.kind }, 'exported');
  res.writeHead(200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${fileName(name, claim.subject.kind === 'deliveries' ? 'announcement' : 'feedback')}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(csv);
};

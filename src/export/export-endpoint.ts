import type { Logger } from 'pino';
import type { Response } from 'restify';
import type { Deps, TokenLedger } from '../app/ports';
import { stageLabel } from '../domain/feedback-access';
import { findStage } from '../domain/feedback-goals';
import { MAX_EXPORT_ROWS } from '../app/feedback-queries';
import type { SignedExportLinks } from './export-links';
import { feedbackCsv } from './feedback-csv';

export interface ExportEndpointDeps {
  deps: Pick<Deps, 'rollouts' | 'feedback'>;
  links: SignedExportLinks;
  ledger: TokenLedger;
  logger: Logger;
}

const refuse = (res: Response, status: number, message: string): void => {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${message}\n`);
};

/** A file name safe in a Content-Disposition header. */
const fileName = (name: string): string =>
  `feedback-${
    name
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'rollout'
  }.csv`;

/**
 * GET /exports/feedback/:token — the CSV behind a signed link: the signature and expiry are
 * checked, then the link is used up (a second download is refused), then the rows are read.
 * The link itself is the credential: only an admin's `feedback export` issues one.
 */
export const serveFeedbackExport = async (
  { deps, links, ledger, logger }: ExportEndpointDeps,
  token: string,
  res: Response,
): Promise<void> => {
  const claim = links.check(token);
  if (!claim.ok) return refuse(res, claim.status, claim.message);
  if (!(await ledger.use(claim.nonce, new Date(claim.expiresAt).toISOString()))) {
    return refuse(
      res,
      410,
      'This download link was already used. Run `feedback export` in Teams for a new one.',
    );
  }
  const rollout = (await deps.rollouts.get(claim.tenantId, claim.rolloutId))?.value;
  if (!rollout) return refuse(res, 404, 'That rollout no longer exists.');
  const entries = await deps.feedback.entries(claim.tenantId, rollout.id, MAX_EXPORT_ROWS);
  const csv = feedbackCsv(entries, {
    stage: (stageId) => {
      const found = findStage(rollout, stageId);
      return found ? stageLabel(rollout, found) : stageId;
    },
  });
  logger.info({ rolloutId: rollout.id, rows: entries.length }, 'feedback exported');
  res.writeHead(200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${fileName(rollout.name)}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(csv);
};

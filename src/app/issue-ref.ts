import { z } from 'zod';
import { refContext, type RefSealer } from './ports';

/** Which answer a blocker or major issue is: its stage and the answer's key (never the person's id). */
export interface IssueRef {
  stageId: string;
  personKey: string;
}

const issueRef = z.strictObject({
  stageId: z.string().min(1).max(140),
  personKey: z.string().regex(/^[0-9a-f]{32}$/, 'not an answer key'),
});

/**
 * The reference cards and the tab carry for an issue: sealed for its tenant and rollout (different
 * every time), so nothing shown links one person's answers across stages.
 */
export const sealIssueRef = (sealer: RefSealer, tenantId: string, rolloutId: string, ref: IssueRef): string =>
  sealer.seal(
    JSON.stringify({ stageId: ref.stageId, personKey: ref.personKey }),
    refContext(tenantId, rolloutId),
  );

/** The issue a sealed reference names; null when it does not open (altered, another rollout or key) or parse. */
export const openIssueRef = (
  sealer: RefSealer,
  tenantId: string,
  rolloutId: string,
  sealed: string,
): IssueRef | null => {
  const text = sealer.open(sealed, refContext(tenantId, rolloutId));
  if (text === null) return null;
  try {
    const parsed = issueRef.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
};

import type { Person } from './roles';

/** A position expressed for people and for machines. */
export interface PositionRef {
  phase: string;
  wave: number | null;
  label: string;
}

interface EventBase {
  by: Person;
  at: string;
}

/** What happened, as plain data. The domain never performs events; use cases hand them to ports. */
export type DomainEvent =
  | (EventBase & { type: 'rollout-created'; name: string })
  | (EventBase & {
      type: 'phase-advanced';
      from: PositionRef;
      to: PositionRef;
      forced: boolean;
      reason: string | null;
      unmet: string[];
    })
  | (EventBase & {
      type: 'checklist-ticked';
      stage: PositionRef;
      itemId: string;
      item: string;
      done: boolean;
    })
  | (EventBase & { type: 'rollout-paused'; reason: string | null })
  | (EventBase & { type: 'rollout-resumed' })
  | (EventBase & { type: 'rollout-closed' })
  | (EventBase & { type: 'access-denied'; command: string })
  | (EventBase & { type: 'issue-resolved'; summary: string })
  | (EventBase & { type: 'signoff-requested'; stageId: string; requestId: string; summary: string })
  | (EventBase & {
      type: 'signoff-answered' | 'signoff-superseded' | 'signoff-extended' | 'signoff-closed';
      summary: string;
    })
  | (EventBase & { type: 'helpdesk-bound' | 'helpdesk-unbound'; summary: string })
  | (EventBase & { type: 'issue-reopened'; summary: string })
  | (EventBase & { type: 'plan-changed'; section: string; revision: number; before: string; after: string })
  | (EventBase & {
      type: 'criterion-marked';
      stage: PositionRef;
      criterionId: string;
      goal: string;
      met: boolean;
      note: string | null;
    });

export type DomainEventType = DomainEvent['type'];

/** Every audit kind (the DomainEvent type values), e.g. to validate a filter on the audit log. */
export const AUDIT_KINDS = [
  'rollout-created',
  'phase-advanced',
  'checklist-ticked',
  'rollout-paused',
  'rollout-resumed',
  'rollout-closed',
  'access-denied',
  'issue-resolved',
  'signoff-requested',
  'signoff-answered',
  'signoff-superseded',
  'signoff-extended',
  'signoff-closed',
  'helpdesk-bound',
  'helpdesk-unbound',
  'issue-reopened',
  'plan-changed',
  'criterion-marked',
] as const satisfies readonly DomainEventType[];

// Every DomainEvent type is listed: this fails to compile when one is added without its kind.
const _everyKindListed: [Exclude<DomainEventType, (typeof AUDIT_KINDS)[number]>] extends [never]
  ? true
  : never = true;
void _everyKindListed;

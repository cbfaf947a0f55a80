import type { DomainEvent } from '../domain/events';
import type { AuditEntry } from './ports';

const summarise = (event: DomainEvent): string => {
  switch (event.type) {
    case 'rollout-created':
      return `Created “${event.name}”`;
    case 'phase-advanced': {
      const how = event.forced ? ` (forced: ${event.reason ?? 'no reason'})` : '';
      return `Advanced ${event.from.label} → ${event.to.label}${how}`;
    }
    case 'checklist-ticked':
      return `${event.done ? 'Ticked' : 'Unticked'} “${event.item}” (${event.stage.label})`;
    case 'rollout-paused':
      return event.reason ? `Paused: ${event.reason}` : 'Paused';
    case 'rollout-resumed':
      return 'Resumed';
    case 'rollout-closed':
      return 'Closed the rollout';
    case 'access-denied':
      return `Refused \`${event.command}\`: not an admin`;
    case 'plan-changed':
      return `Changed the plan (${event.section}), now revision ${event.revision}`;
    case 'issue-resolved':
    case 'issue-reopened':
    case 'signoff-requested':
    case 'signoff-answered':
    case 'signoff-superseded':
    case 'signoff-extended':
    case 'signoff-closed':
    case 'helpdesk-bound':
    case 'helpdesk-unbound':
      return event.summary;
    case 'criterion-marked':
      return `${event.met ? 'Marked met' : 'Marked not met'}: “${event.goal}”${event.note ? ` (${event.note})` : ''}`;
  }
};

/** Turns a domain event into the audit line stored beside the change. */
export const toAuditEntry = (rolloutId: string | null, event: DomainEvent): AuditEntry => ({
  rolloutId,
  type: event.type,
  by: event.by,
  at: event.at,
  summary: summarise(event),
  from: event.type === 'phase-advanced' ? event.from.label : null,
  to: event.type === 'phase-advanced' ? event.to.label : null,
  reason: event.type === 'phase-advanced' || event.type === 'rollout-paused' ? event.reason : null,
  before: event.type === 'plan-changed' ? event.before : null,
  after: event.type === 'plan-changed' ? event.after : null,
});

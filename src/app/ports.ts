import type { DomainEvent } from '../domain/events';
import type { Rollout, RolloutStatus } from '../domain/rollout';
import type { AccessPolicy, Person } from '../domain/roles';

export interface Clock {
  now(): Date;
}

/** A rollout as stored, with the ETag that guards the next write. */
export interface Stored<T> {
  value: T;
  etag: string;
}

/** One line of a rollout's (or the tenant's) audit log. */
export interface AuditEntry {
  rolloutId: string | null;
  type: DomainEvent['type'];
  by: Person;
  at: string;
  /** Human-readable summary, e.g. "Pilot → Enterprise rollout (forced: vendor sign-off)". */
  summary: string;
  from: string | null;
  to: string | null;
  reason: string | null;
  /** For plan changes: the plan before and after, as JSON (truncated when very large). */
  before: string | null;
  after: string | null;
}

/** Marks an activity as handled, written atomically with its effect. */
export interface ProcessedMarker {
  /** conversation id + activity id of the activity that caused the change. */
  key: string;
  /** The rollout the activity changed (or created). */
  rolloutId: string | null;
  /** What the person was told, so a redelivery can be answered the same way. */
  outcome: string;
  at: string;
}

/** A state change committed as one transaction in the rollout's partition. */
export interface RolloutCommit {
  rollout: Rollout;
  /** The ETag the change was decided on; null creates the rollout (fails if it exists). */
  ifMatch: string | null;
  audit: AuditEntry[];
  processed: ProcessedMarker | null;
}

export interface RolloutSummary {
  id: string;
  name: string;
  status: RolloutStatus;
  phase: string;
  conversationId: string;
  createdAt: string;
}

/**
 * Rollouts, their audit and processed-activity markers. `commit` is atomic and throws
 * `ConcurrencyError` when the ETag no longer matches, the rollout already exists, or the
 * marker was already written: the caller reloads and decides again.
 */
export interface RolloutRepository {
  get(tenantId: string, rolloutId: string): Promise<Stored<Rollout> | null>;
  list(tenantId: string, filter?: { conversationId?: string }): Promise<RolloutSummary[]>;
  commit(tenantId: string, change: RolloutCommit): Promise<Stored<Rollout>>;
  findProcessed(tenantId: string, key: string): Promise<ProcessedMarker | null>;
  /** Newest first. */
  audit(tenantId: string, rolloutId: string | null, limit: number): Promise<AuditEntry[]>;
  /** Audit entries that change no state (refusals); not guarded by an ETag. */
  appendAudit(tenantId: string, entries: AuditEntry[]): Promise<void>;
}

/** A storage probe for health checks: resolves when a real round trip succeeded. */
export interface HealthProbe {
  check(): Promise<void>;
}

export interface Settings {
  /** IANA time zone for rollouts whose creating activity carries none. */
  defaultTimeZone: string;
}

export interface Deps {
  rollouts: RolloutRepository;
  clock: Clock;
  access: AccessPolicy;
  settings: Settings;
}

import {
  audienceFingerprint,
  audienceHasGroups,
  audienceParts,
  leftOutReason,
  platformOf,
  type AudienceSpec,
  type DevicePlatform,
} from '../domain/audience';
import type { AudienceFact } from '../domain/feedback-access';
import type { Rollout } from '../domain/rollout';
import type { AccessPolicy, Person } from '../domain/roles';
import { DirectoryError } from './errors';
import { freshSnapshot } from './resolve-audience';
import type { Clock, Deps, Directory, Log } from './ports';
import { TtlCache } from './ttl-cache';

/** How long a person's group-derived role or audience membership is trusted. */
export const ROLE_CACHE_MS = 5 * 60_000;
/** People whose facts are cached at most (per kind). */
export const MAX_CACHED_PEOPLE = 10_000;

export const ROLE_UNAVAILABLE =
  'I cannot check your role right now (Microsoft Graph did not answer), so nothing was changed. Try again in a few minutes; reading commands still work.';

const lower = (id: string): string => id.toLowerCase();

/**
 * What Microsoft Graph says about a person, for a turn: their group-derived admin role and
 * whether they are in a stage's audience before its first snapshot. Answers are cached for at
 * most ROLE_CACHE_MS per person; failures are not cached (the next turn asks again).
 */
export class DirectoryFacts {
  private readonly admins: TtlCache<boolean>;
  private readonly audiences: TtlCache<boolean>;

  constructor(
    private readonly options: {
      directory: Directory | null;
      /** ADMIN_GROUP_IDS. */
      adminGroups: readonly string[];
      clock: Clock;
      log: Log;
      /**
       * Compares the permissions granted in a tenant with those the features need; the sentence
       * naming what is missing, or null. Run once per tenant, at its first turn (never refusing).
       */
      checkTenant?: ((tenantId: string) => Promise<string | null>) | null;
      /** Tracks work done in the background (shutdown and tests wait for it). */
      track?: (work: () => Promise<void>) => void;
    },
  ) {
    this.admins = new TtlCache(options.clock, ROLE_CACHE_MS, MAX_CACHED_PEOPLE);
    this.audiences = new TtlCache(options.clock, ROLE_CACHE_MS, MAX_CACHED_PEOPLE);
  }

  get directory(): Directory | null {
    return this.options.directory;
  }

  private readonly checked = new Set<string>();

  /**
   * Checks the tenant's Graph permissions the first time it is seen (in the background: the
   * turn does not wait), logging what is missing; a failed check is tried again at the next use.
   */
  checkPermissions(tenantId: string): Promise<void> {
    const check = this.options.checkTenant;
    if (!check || this.checked.has(tenantId) || this.checked.size >= MAX_CACHED_PEOPLE)
      return Promise.resolve();
    this.checked.add(tenantId);
    return check(tenantId).then(
      (missing) => {
        if (missing) this.options.log.warn({ tenantId }, missing);
        else this.options.log.info({ tenantId }, 'Microsoft Graph permissions are complete');
      },
      (err: unknown) => {
        this.checked.delete(tenantId);
        this.options.log.warn({ err, tenantId }, 'could not check the Microsoft Graph permissions');
      },
    );
  }

  /**
   * The access policy for `person` in this turn: the configured one, plus their admin role from
   * ADMIN_GROUP_IDS (checked transitively). When Graph cannot answer, `unavailable` says so and
   * the person has only the roles their listed ids give (fail closed).
   */
  async accessFor(base: AccessPolicy, tenantId: string, person: Person): Promise<AccessPolicy> {
    const { directory, adminGroups } = this.options;
    const { track = (work) => void work() } = this.options;
    track(() => this.checkPermissions(tenantId));
    const id = lower(person.id);
    if (!directory || adminGroups.length === 0 || base.everyoneIsAdmin || !id || base.admins.has(id))
      return base;
    const key = `${tenantId}|${id}`;
    let admin = this.admins.get(key);
    if (admin === undefined) {
      try {
        admin = (await directory.memberGroups(tenantId, id, adminGroups)).size > 0;
      } catch (err) {
        if (!(err instanceof DirectoryError)) throw err;
        this.options.log.warn({ err, tenantId }, 'could not check admin group membership');
        return { ...base, unavailable: ROLE_UNAVAILABLE };
      }
      this.admins.set(key, admin);
    }
    return admin ? { ...base, groupAdmins: new Set([id]) } : base;
  }

  /** Whether a group member qualifies for any of the parts, asked of Graph directly (cached). */
  async inAudienceDirectly(
    tenantId: string,
    parts: readonly AudienceSpec[],
    personId: string,
  ): Promise<boolean> {
    const directory = this.options.directory;
    if (!directory) return false;
    const id = lower(personId);
    const key = `${tenantId}|${id}|${audienceFingerprint(parts)}`;
    const cached = this.audiences.get(key);
    if (cached !== undefined) return cached;
    const groups = [...new Set(parts.flatMap((p) => p.groups))];
    const found = groups.length > 0 ? await directory.memberGroups(tenantId, id, groups) : new Set<string>();
    let qualifies = false;
    const inGroups = parts.filter((p) => p.groups.some((g) => found.has(g)));
    if (inGroups.length > 0) {
      const user = await directory.user(tenantId, id);
      const needsDevices = inGroups.some((p) => p.filters.platforms.length > 0);
      const platforms = needsDevices ? await this.platformsOf(directory, tenantId, id) : null;
      qualifies = user !== null && inGroups.some((p) => leftOutReason(p, user, platforms) === null);
    }
    this.audiences.set(key, qualifies);
    return qualifies;
  }

  private async platformsOf(
    directory: Directory,
    tenantId: string,
    id: string,
  ): Promise<Set<DevicePlatform>> {
    const devices = await directory.devicesOf(tenantId, [id]);
    return new Set(devices.flatMap((d) => platformOf(d.operatingSystem) ?? []));
  }
}

/**
 * Whether `person` is in the stage's audience, where Graph decides it: the plan names groups and
 * Graph is configured. Listed members are in; then the stage's current snapshot (one point read)
 * when it was resolved from today's definition, else Graph directly. `undefined` when the plan's
 * lists decide (no groups, or no Graph); `unknown` when Graph cannot answer.
 */
export const audienceFact = async (
  deps: Pick<Deps, 'facts' | 'audiences'>,
  tenantId: string,
  rollout: Rollout,
  stageId: string,
  person: Person,
): Promise<AudienceFact | undefined> => {
  const parts = audienceParts(rollout, stageId);
  const { facts, audiences } = deps;
  if (!facts.directory || !audienceHasGroups(parts)) return undefined;
  const id = lower(person.id);
  if (parts.some((p) => p.members.includes(id))) return 'in';
  try {
    const snapshot = await freshSnapshot(deps, rollout, stageId);
    if (snapshot) return (await audiences.isMember(snapshot, id)) ? 'in' : 'out';
    return (await facts.inAudienceDirectly(tenantId, parts, id)) ? 'in' : 'out';
  } catch (err) {
    if (!(err instanceof DirectoryError)) throw err;
    return 'unknown';
  }
};

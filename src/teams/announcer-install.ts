/**
 * PROACTIVE_INSTALL for the announcer: the app installed through Graph for a person Teams has no
 * chat with, by its id in the organisation's catalog (looked up once per tenant, then cached).
 */
import { DirectoryError } from '../app/errors';
import type { Clock, Directory, Log } from '../app/ports';
import { TtlCache } from '../app/ttl-cache';
import type { SendOutcome } from '../domain/announcement';

/** The app's catalog id per tenant is looked up once an hour; "not in the catalog" every 5 minutes. */
const CATALOG_TTL_MS = 60 * 60_000;
const NOT_IN_CATALOG_TTL_MS = 5 * 60_000;
const CATALOG_TENANTS = 1000;

export interface AppInstallerOptions {
  /** Graph; the announcer installs only when it has one. */
  directory?: Directory | null;
  /** The manifest's id (TEAMS_APP_ID, or derived from the bot id as the package does). */
  teamsAppExternalId: string;
  log: Pick<Log, 'warn'>;
  clock: Clock;
}

/** Installs the app for people, with the tenant's catalog id cached. */
export class AppInstaller {
  private readonly catalog: TtlCache<string>;
  private readonly notInCatalog: TtlCache<true>;

  constructor(private readonly options: AppInstallerOptions) {
    this.catalog = new TtlCache(options.clock, CATALOG_TTL_MS, CATALOG_TENANTS);
    this.notInCatalog = new TtlCache(options.clock, NOT_IN_CATALOG_TTL_MS, CATALOG_TENANTS);
  }

  /**
   * Installs the app for the person: its catalog id (cached per tenant), then the installation.
   * A refusal is the person's outcome (not installed; busy Graph: transient).
   */
  async install(tenantId: string, personId: string): Promise<'installed' | 'already' | SendOutcome> {
    const directory = this.options.directory as Directory;
    try {
      let appId = this.catalog.get(tenantId);
      if (!appId) {
        if (this.notInCatalog.get(tenantId))
          return { kind: 'not-installed', status: 'app not in the org catalog' };
        appId = (await directory.teamsAppId(tenantId, this.options.teamsAppExternalId)) ?? undefined;
        if (!appId) {
          this.notInCatalog.set(tenantId, true);
          this.options.log.warn(
            { tenantId, externalId: this.options.teamsAppExternalId },
            'PROACTIVE_INSTALL: the app is not in the organisation’s Teams app catalog: nobody can be installed for',
          );
          return { kind: 'not-installed', status: 'app not in the org catalog' };
        }
        this.catalog.set(tenantId, appId);
      }
      return await directory.installForUser(tenantId, personId, appId);
    } catch (err) {
      const kind = err instanceof DirectoryError ? err.kind : 'unavailable';
      const status = `install: ${err instanceof Error ? err.message : String(err)}`.slice(0, 120);
      if (kind === 'throttled' || kind === 'unavailable')
        return { kind: 'transient', status, unknown: false };
      this.options.log.warn(
        { tenantId, reason: status },
        'PROACTIVE_INSTALL: installing the app was refused',
      );
      return { kind: 'not-installed', status };
    }
  }
}

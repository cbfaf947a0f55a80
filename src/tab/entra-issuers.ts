import { fetchMetadata, MetadataUnavailableError } from '../teams/openid-metadata';

/** The two token formats Entra ID issues (`ver` claim); an app registration's `accessTokenAcceptedVersion` picks one. */
export type TokenVersion = '1.0' | '2.0';

/** With no issuer yet, how long a failure is answered at once instead of fetching again (as TimedOpenIdMetadata). */
const FAIL_FAST_MS = 5_000;

/** The tenant's OpenID metadata documents, by token version, under `authorityHost` (no trailing slash). */
export const tenantMetadataUrl = (authorityHost: string, tenantId: string, ver: TokenVersion): string =>
  ver === '2.0'
    ? `${authorityHost}/${tenantId}/v2.0/.well-known/openid-configuration`
    : `${authorityHost}/${tenantId}/.well-known/openid-configuration`;

/**
 * The issuer one tenant's tokens of one version carry, read from the tenant's OpenID metadata (its
 * `issuer`, `{tenantid}` replaced by the tenant id) rather than assumed: the v2 document names
 * `<authority>/<tid>/v2.0`, the v1 document `https://sts.windows.net/<tid>/` in the public cloud,
 * and the national clouds (and a test stand-in) their own. Read once (an issuer does not change)
 * within `timeoutMs`; concurrent requests share one fetch; a failure throws
 * MetadataUnavailableError, answered at once for FAIL_FAST_MS, then tried again. An issuer that
 * does not name the tenant is refused (a wrong document is no reason to accept any token).
 */
export class TenantIssuer {
  private issuer: string | null = null;
  private loading: Promise<string> | null = null;
  private failure: { at: number; error: MetadataUnavailableError } | null = null;

  constructor(
    readonly url: string,
    private readonly tenantId: string,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    if (this.issuer) return this.issuer;
    if (this.failure && this.now() < this.failure.at + FAIL_FAST_MS) throw this.failure.error;
    this.loading ??= this.load()
      .then(
        (issuer) => {
          this.issuer = issuer;
          this.failure = null;
          return issuer;
        },
        (err: unknown) => {
          const error =
            err instanceof MetadataUnavailableError
              ? err
              : new MetadataUnavailableError(this.url, String(err));
          this.failure = { at: this.now(), error };
          throw error;
        },
      )
      .finally(() => (this.loading = null));
    return this.loading;
  }

  private async load(): Promise<string> {
    const body = await fetchMetadata(this.url, AbortSignal.timeout(this.timeoutMs), this.timeoutMs);
    const template = (body as { issuer?: unknown } | null)?.issuer;
    if (typeof template !== 'string' || template.length > 512) {
      throw new MetadataUnavailableError(this.url, 'no issuer');
    }
    const issuer = template.replace(/\{tenantid\}/gi, this.tenantId);
    if (!issuer.toLowerCase().includes(this.tenantId)) {
      throw new MetadataUnavailableError(this.url, 'the issuer does not name the tenant');
    }
    return issuer;
  }
}

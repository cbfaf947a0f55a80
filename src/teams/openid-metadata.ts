import { createPublicKey } from 'node:crypto';
import { JwtTokenExtractor } from 'botframework-connector/lib/auth/jwtTokenExtractor';
import type { IOpenIdMetadataKey } from 'botframework-connector/lib/auth/openIdMetadata';

/** The signing keys could not be loaded (unreachable, too slow, or not an OpenID/JWKS document). */
export class MetadataUnavailableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`OpenID metadata unavailable: ${url}: ${reason}`);
    this.name = 'MetadataUnavailableError';
  }
}

interface Jwk {
  kid?: unknown;
  kty?: unknown;
  n?: unknown;
  e?: unknown;
  endorsements?: unknown;
}

const HOUR_MS = 60 * 60_000;

/** After a failed fetch: how long until the next try (requests meanwhile use what is cached). */
const RETRY_MS = 60_000;
/** With nothing cached, how long a failure is answered at once instead of fetching again. */
const FAIL_FAST_MS = 5_000;

/**
 * The SDK's OpenIdMetadata with a time limit, one fetch at a time, and stale keys kept.
 *
 * The SDK fetches the metadata and the key set with no time-out (a silent endpoint holds every
 * request until the OS gives up) and reports any failure as a bare fetch error. This one: both
 * requests share one deadline; concurrent requests share one fetch. With no keys yet, a request
 * waits for the fetch and a failure throws MetadataUnavailableError (the adapter answers 503; for
 * FAIL_FAST_MS after a failure the next requests get it at once). Keys once loaded stay in use:
 * after 24 hours they are refreshed in the background (a failure is retried after RETRY_MS), and a
 * token naming a key id not in the set triggers a refresh at most once an hour (key rollover), as
 * in the SDK.
 */
export class TimedOpenIdMetadata {
  private keys: Map<string, IOpenIdMetadataKey> | null = null;
  private lastUpdated = 0;
  private nextAttempt = 0;
  private failedAt = 0;
  private lastFailure: MetadataUnavailableError | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    readonly url: string,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async getKey(keyId: string): Promise<IOpenIdMetadataKey | null> {
    if (!this.keys) {
      if (this.lastFailure && this.now() < this.failedAt + FAIL_FAST_MS) throw this.lastFailure;
      await this.refresh();
    } else if (this.lastUpdated < this.now() - 24 * HOUR_MS && this.now() >= this.nextAttempt) {
      void this.refresh().catch(() => undefined);
    }
    const key = this.keys?.get(keyId) ?? null;
    if (key || this.lastUpdated >= this.now() - HOUR_MS || this.now() < this.nextAttempt) return key;
    await this.refresh().catch(() => undefined);
    return this.keys?.get(keyId) ?? null;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.load()
      .then(
        () => {
          this.lastFailure = null;
        },
        (err: unknown) => {
          this.failedAt = this.now();
          this.nextAttempt = this.failedAt + RETRY_MS;
          this.lastFailure =
            err instanceof MetadataUnavailableError
              ? err
              : new MetadataUnavailableError(this.url, String(err));
          throw this.lastFailure;
        },
      )
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const get = (url: string): Promise<unknown> => fetchMetadata(url, signal, this.timeoutMs);
    const config = (await get(this.url)) as { jwks_uri?: unknown } | null;
    const jwksUri = config?.jwks_uri;
    if (typeof jwksUri !== 'string') throw new MetadataUnavailableError(this.url, 'no jwks_uri');
    const jwks = (await get(jwksUri)) as { keys?: unknown } | null;
    if (!Array.isArray(jwks?.keys)) throw new MetadataUnavailableError(jwksUri, 'no keys');
    const keys = new Map<string, IOpenIdMetadataKey>();
    for (const jwk of jwks.keys as Jwk[]) {
      const key = typeof jwk?.kid === 'string' ? toKey(jwk) : null;
      if (key && typeof jwk.kid === 'string') keys.set(jwk.kid, key);
    }
    this.keys = keys;
    this.lastUpdated = this.now();
  }
}

/**
 * GETs a metadata or key-set document as JSON within `signal` (a deadline of `timeoutMs`); any
 * failure is a MetadataUnavailableError saying what (fetch's own message is only "fetch failed":
 * the cause says ECONNREFUSED, ENOTFOUND…).
 */
export const fetchMetadata = async (
  url: string,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<unknown> => {
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'error', headers: { accept: 'application/json' } });
  } catch (err) {
    const cause = (err as { cause?: { message?: unknown } } | null)?.cause?.message;
    const reason = signal.aborted
      ? `no answer within ${timeoutMs} ms`
      : typeof cause === 'string'
        ? cause
        : String(err);
    throw new MetadataUnavailableError(url, reason);
  }
  if (!res.ok) throw new MetadataUnavailableError(url, `HTTP ${res.status}`);
  try {
    return await res.json();
  } catch {
    throw new MetadataUnavailableError(url, signal.aborted ? 'timed out reading the body' : 'not JSON');
  }
};

/** A published key as the SDK's validation takes it (PEM and endorsements); RSA keys only, as in the SDK. */
const toKey = (jwk: Jwk): IOpenIdMetadataKey | null => {
  if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return null;
  let key: string;
  try {
    key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
  } catch {
    return null;
  }
  const endorsements = Array.isArray(jwk.endorsements)
    ? jwk.endorsements.filter((e): e is string => typeof e === 'string')
    : undefined;
  return endorsements ? { key, endorsements } : { key };
};

/**
 * Makes the SDK's token validation use TimedOpenIdMetadata for each URL: its JwtTokenExtractor
 * keeps one metadata object per URL in a static map and uses the one it finds there. botbuilder is
 * pinned (4.23.3, archived upstream); a different shape fails here at start, not silently.
 */
export const useTimedOpenIdMetadata = (urls: readonly string[], timeoutMs: number): void => {
  const cache = (JwtTokenExtractor as unknown as { openIdMetadataCache?: unknown }).openIdMetadataCache;
  if (!(cache instanceof Map)) {
    throw new Error('botframework-connector changed: JwtTokenExtractor.openIdMetadataCache is not a Map');
  }
  for (const url of new Set(urls)) {
    const current: unknown = cache.get(url);
    if (current instanceof TimedOpenIdMetadata) continue;
    cache.set(url, new TimedOpenIdMetadata(url, timeoutMs));
  }
};

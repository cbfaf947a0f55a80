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

/**
 * The SDK's OpenIdMetadata with a time limit, one fetch at a time, and no stale cache thrown away.
 *
 * The SDK fetches the metadata and the key set with no time-out (a silent endpoint holds every
 * request until the OS gives up) and reports any failure as a bare fetch error. This one: both
 * requests share one deadline; concurrent requests share one refresh; a failed refresh keeps the
 * keys it had (they stay valid until the endpoint answers again) and, with no keys at all, throws
 * MetadataUnavailableError (the adapter answers 503). Keys are refreshed every 24 hours, and at most
 * once an hour when a token names a key id not in the set (key rollover), as the SDK does.
 */
export class TimedOpenIdMetadata {
  private keys: Jwk[] | null = null;
  private lastUpdated = 0;
  private refreshing: Promise<void> | null = null;

  constructor(
    readonly url: string,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async getKey(keyId: string): Promise<IOpenIdMetadataKey | null> {
    if (this.lastUpdated < this.now() - 24 * HOUR_MS) {
      await this.refresh();
    } else if (!this.findKey(keyId) && this.lastUpdated < this.now() - HOUR_MS) {
      await this.refresh().catch(() => undefined);
    }
    return this.findKey(keyId);
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = null));
    return this.refreshing.catch((err: unknown) => {
      if (!this.keys) throw err;
    });
  }

  private async load(): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const get = async (url: string): Promise<unknown> => {
      let res: Response;
      try {
        res = await fetch(url, { signal, redirect: 'error', headers: { accept: 'application/json' } });
      } catch (err) {
        // fetch's own message is only "fetch failed": the cause says what (ECONNREFUSED, ENOTFOUND).
        const cause = (err as { cause?: { message?: unknown } } | null)?.cause?.message;
        const reason = signal.aborted
          ? `no answer within ${this.timeoutMs} ms`
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
    const config = (await get(this.url)) as { jwks_uri?: unknown } | null;
    const jwksUri = config?.jwks_uri;
    if (typeof jwksUri !== 'string') throw new MetadataUnavailableError(this.url, 'no jwks_uri');
    const jwks = (await get(jwksUri)) as { keys?: unknown } | null;
    if (!Array.isArray(jwks?.keys)) throw new MetadataUnavailableError(jwksUri, 'no keys');
    this.keys = jwks.keys as Jwk[];
    this.lastUpdated = this.now();
  }

  private findKey(keyId: string): IOpenIdMetadataKey | null {
    const jwk = this.keys?.find((k) => typeof k.kid === 'string' && k.kid === keyId);
    // RSA keys only, as the SDK: its allowed algorithms are RS256, RS384 and RS512.
    if (!jwk || jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return null;
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
  }
}

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

import { verify } from 'node:crypto';
import type { Person } from '../domain/roles';
import { TimedOpenIdMetadata } from '../teams/openid-metadata';
import { TenantIssuer, tenantMetadataUrl, type TokenVersion } from './entra-issuers';

/**
 * The dashboard tab's sign-in: the bearer token the page gets from teams-js
 * `authentication.getAuthToken()` (Teams SSO), an Entra ID access token for the API the app
 * registration exposes (`api://<BOT_DOMAIN>/<MicrosoftAppId>`, scope `access_as_user`).
 *
 * What is checked, in this order (the first failure answers):
 * 1. `Authorization: Bearer <jwt>`, at most 8 KiB; three base64url parts; the header JSON names
 *    `alg: RS256` (never `none`, HS256 or anything else) and a `kid`; the payload is JSON.
 * 2. `tid` is a GUID, and the tenant is admitted BEFORE anything is fetched: with a home tenant
 *    (SingleTenant / UserAssignedMSI bots) only it, else with ALLOWED_TENANT_IDS only those
 *    (403 TenantNotAllowed); `ver` is 1.0 or 2.0.
 * 3. The tenant's signing keys (TimedOpenIdMetadata on `<authority>/<tid>/v2.0/.well-known/
 *    openid-configuration`: one deadline for metadata and key set, a key id it does not know
 *    refreshes at most once an hour) and the tenant's issuer for the token's version (TenantIssuer:
 *    read from the v2 or v1 metadata document, so national clouds and a test stand-in need no
 *    table of issuers), fetched together within `timeoutMs`; unavailable → 503 KeysUnavailable.
 *    One entry per tenant in a cache of at most TENANT_CACHE_LIMIT tenants, the least recently
 *    used dropped: cycling tenant ids cannot grow memory.
 * 4. The RS256 signature, with node:crypto, against the key the `kid` names (unknown kid → 401).
 * 5. Claims: `iss` is the tenant's issuer for `ver`; `aud` is `api://<botDomain>/<appId>` or
 *    `<appId>` (v1 tokens carry the Application ID URI, v2 tokens the app id; both are accepted
 *    either way); `exp` required and not past (5 minutes' clock skew: TokenExpired), `nbf` not
 *    ahead beyond the skew, `iat` a time not ahead beyond the skew and before `exp`; `oid` a GUID
 *    (the person's id); `scp` includes `access_as_user`, the scope Teams SSO asks for (a token for
 *    the app itself, without a user, has no `scp`).
 *
 * Bad input never throws: every outcome is a TokenCheck, and no message repeats the token.
 */

export interface TabTokenSettings {
  /** MicrosoftAppId: the app whose API the token is for. */
  appId: string;
  /** BOT_DOMAIN; null: only the app id is accepted as audience. */
  botDomain: string | null;
  /** ALLOWED_TENANT_IDS (lower case); empty: any tenant (but see homeTenantId). */
  allowedTenants: readonly string[];
  /** SingleTenant / UserAssignedMSI bots: MicrosoftAppTenantId; tokens of any other tenant are refused (403). Null: multi-tenant. */
  homeTenantId: string | null;
  /** TAB_AUTHORITY_HOST, e.g. https://login.microsoftonline.com (tests: http://127.0.0.1:<port>). */
  authorityHost: string;
  /** Deadline of the metadata + key fetch (ms). */
  timeoutMs: number;
  now?: () => number;
}

/** person.id: the `oid` claim (lower case); person.name: `name`, else `preferred_username`, else ''. */
export interface TabIdentity {
  tenantId: string;
  person: Person;
}

export type TokenCheck =
  { ok: true; identity: TabIdentity } | { ok: false; status: 401 | 403 | 503; code: string; message: string };

/** The scope the Teams SSO token must carry (Expose an API → Add a scope). */
export const SSO_SCOPE = 'access_as_user';
/** The longest Authorization header read (an Entra access token is 1.5–3 KB; groups overage stays well under). */
export const MAX_AUTHORIZATION_BYTES = 8 * 1024;
/** How many tenants' keys and issuers are kept; the least recently used is dropped beyond it. */
export const TENANT_CACHE_LIMIT = 500;
/** Clock skew tolerated on exp, nbf and iat (seconds). */
export const CLOCK_SKEW_SECONDS = 5 * 60;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BEARER = /^Bearer +([^\s]+) *$/i;

interface TenantEntry {
  keys: TimedOpenIdMetadata;
  issuers: Record<TokenVersion, TenantIssuer>;
}

type Refusal = Extract<TokenCheck, { ok: false }>;

const invalid = (why: string): Refusal => ({
  ok: false,
  status: 401,
  code: 'InvalidToken',
  message: `The sign-in token was refused: ${why}. Reload the tab to sign in again.`,
});

const expired: Refusal = {
  ok: false,
  status: 401,
  code: 'TokenExpired',
  message: 'The sign-in token has expired. Reload the tab to sign in again.',
};

const tenantNotAllowed: Refusal = {
  ok: false,
  status: 403,
  code: 'TenantNotAllowed',
  message: 'This app is not available to your organization.',
};

const keysUnavailable: Refusal = {
  ok: false,
  status: 503,
  code: 'KeysUnavailable',
  message:
    'Sign-in cannot be checked right now (Microsoft Entra ID’s signing keys could not be read). Try again shortly.',
};

/** A base64url JSON object, or null. */
const decodeJson = (part: string): Record<string, unknown> | null => {
  if (!BASE64URL.test(part)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
};

const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export class TabTokenValidator {
  private readonly tenants = new Map<string, TenantEntry>();
  private readonly now: () => number;
  private readonly authorityHost: string;
  private readonly audiences: ReadonlySet<string>;
  private readonly allowedTenants: ReadonlySet<string>;
  private readonly homeTenantId: string | null;

  constructor(private readonly settings: TabTokenSettings) {
    this.now = settings.now ?? Date.now;
    this.authorityHost = settings.authorityHost.replace(/\/+$/, '');
    const appId = settings.appId.toLowerCase();
    this.audiences = new Set(
      settings.botDomain ? [appId, `api://${settings.botDomain.toLowerCase()}/${appId}`] : [appId],
    );
    this.allowedTenants = new Set(settings.allowedTenants.map((id) => id.toLowerCase()));
    this.homeTenantId = settings.homeTenantId?.toLowerCase() ?? null;
  }

  /** How many tenants' keys and issuers are cached (at most TENANT_CACHE_LIMIT); for tests. */
  get tenantCacheSize(): number {
    return this.tenants.size;
  }

  /** The Authorization header as received (undefined when absent). */
  async validate(authorization: string | undefined): Promise<TokenCheck> {
    try {
      return await this.check(authorization);
    } catch {
      // Nothing above should throw; if it does, the token is refused, never the request crashed.
      return invalid('it could not be checked');
    }
  }

  private async check(authorization: string | undefined): Promise<TokenCheck> {
    if (typeof authorization !== 'string' || authorization.trim() === '') {
      return invalid('none was sent (Authorization: Bearer <token>)');
    }
    if (Buffer.byteLength(authorization, 'utf8') > MAX_AUTHORIZATION_BYTES) return invalid('it is too long');
    const jwt = BEARER.exec(authorization)?.[1];
    if (!jwt) return invalid('the Authorization header is not "Bearer <token>"');
    const parts = jwt.split('.');
    if (parts.length !== 3) return invalid('it is not a JSON Web Token');
    const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
    const header = decodeJson(headerPart);
    if (!header) return invalid('it is not a JSON Web Token');
    if (header.alg !== 'RS256') return invalid('it is not signed with RS256');
    if (header.crit !== undefined) return invalid('it has critical header parameters');
    const kid = header.kid;
    if (typeof kid !== 'string' || kid === '' || kid.length > 256) return invalid('it names no signing key');
    if (!BASE64URL.test(signaturePart)) return invalid('it carries no signature');
    const claims = decodeJson(payloadPart);
    if (!claims) return invalid('its payload is not JSON');

    const tid = typeof claims.tid === 'string' && GUID.test(claims.tid) ? claims.tid.toLowerCase() : null;
    if (!tid) return invalid('it names no tenant');
    if (
      this.homeTenantId
        ? tid !== this.homeTenantId
        : this.allowedTenants.size > 0 && !this.allowedTenants.has(tid)
    ) {
      return tenantNotAllowed;
    }
    const ver = claims.ver === '1.0' || claims.ver === '2.0' ? claims.ver : null;
    if (!ver) return invalid('it is not an Entra ID access token (ver 1.0 or 2.0)');

    const tenant = this.tenant(tid);
    // Both within the same deadline, and both settled before answering (none left running behind it).
    const [keyResult, issuerResult] = await Promise.allSettled([
      tenant.keys.getKey(kid),
      tenant.issuers[ver].get(),
    ]);
    // A rejection is MetadataUnavailableError (unreachable, too slow, not a metadata document).
    if (keyResult.status === 'rejected' || issuerResult.status === 'rejected') return keysUnavailable;
    const key = keyResult.value;
    const issuer = issuerResult.value;
    if (!key) return invalid('it is signed with a key Entra ID does not publish for your organization');
    let signed: boolean;
    try {
      signed = verify(
        'RSA-SHA256',
        Buffer.from(`${headerPart}.${payloadPart}`),
        key.key,
        Buffer.from(signaturePart, 'base64url'),
      );
    } catch {
      signed = false;
    }
    if (!signed) return invalid('its signature does not match');

    if (claims.iss !== issuer) return invalid('it was issued by someone else');
    const aud = typeof claims.aud === 'string' ? claims.aud.toLowerCase() : null;
    if (!aud || !this.audiences.has(aud)) return invalid('it is for another app');
    const nowSeconds = this.now() / 1000;
    if (!isTime(claims.exp)) return invalid('it has no expiry');
    if (claims.exp + CLOCK_SKEW_SECONDS < nowSeconds) return expired;
    if (claims.nbf !== undefined && (!isTime(claims.nbf) || claims.nbf - CLOCK_SKEW_SECONDS > nowSeconds)) {
      return invalid('it is not valid yet (check the server’s clock)');
    }
    if (!isTime(claims.iat) || claims.iat - CLOCK_SKEW_SECONDS > nowSeconds || claims.iat > claims.exp) {
      return invalid('its issue time is wrong (check the server’s clock)');
    }
    const oid = typeof claims.oid === 'string' && GUID.test(claims.oid) ? claims.oid.toLowerCase() : null;
    if (!oid) return invalid('it names no user');
    const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ') : [];
    if (!scopes.includes(SSO_SCOPE)) return invalid(`it does not carry the ${SSO_SCOPE} scope`);

    const name =
      typeof claims.name === 'string' && claims.name.trim()
        ? claims.name
        : typeof claims.preferred_username === 'string'
          ? claims.preferred_username
          : '';
    return { ok: true, identity: { tenantId: tid, person: { id: oid, name: name.trim().slice(0, 256) } } };
  }

  /** The tenant's keys and issuers, most recently used last; the least recently used dropped past the limit. */
  private tenant(tid: string): TenantEntry {
    let entry = this.tenants.get(tid);
    if (entry) {
      this.tenants.delete(tid);
    } else {
      const { timeoutMs } = this.settings;
      const url = (ver: TokenVersion) => tenantMetadataUrl(this.authorityHost, tid, ver);
      entry = {
        keys: new TimedOpenIdMetadata(url('2.0'), timeoutMs, this.now),
        issuers: {
          '2.0': new TenantIssuer(url('2.0'), tid, timeoutMs, this.now),
          '1.0': new TenantIssuer(url('1.0'), tid, timeoutMs, this.now),
        },
      };
      while (this.tenants.size >= TENANT_CACHE_LIMIT) {
        const oldest = this.tenants.keys().next();
        if (oldest.done) break;
        this.tenants.delete(oldest.value);
      }
    }
    this.tenants.set(tid, entry);
    return entry;
  }
}

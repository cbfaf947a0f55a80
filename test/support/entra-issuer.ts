import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  authorityMetadata,
  closeServer,
  json,
  listenLocally,
  makeKey,
  signJwt,
  type Claims,
  type MetadataMode,
  type SignOptions,
  type TestKey,
} from './bot-framework-issuer';

/**
 * A local stand-in for Microsoft Entra ID as the dashboard tab's token validation talks to it, for
 * tests: per tenant, the v2 and v1 OpenID metadata (`/<tid>/v2.0/.well-known/openid-configuration`,
 * `/<tid>/.well-known/openid-configuration`) and their key sets, over real HTTP on 127.0.0.1.
 * Tokens are signed by hand (signJwt from bot-framework-issuer: RS256 with test keys; `none` and
 * HS256 for the negative cases) as Teams SSO's `getAuthToken()` tokens look: v2 (aud the app id) or
 * v1 (aud the Application ID URI, issuer the v1 document's). Every request is recorded;
 * `metadataMode` / `keysMode` make the documents or the key sets fail with 500 or never answer.
 */

/** The Teams web client (the `azp` / `appid` of a Teams SSO token; not checked, as in Entra's tokens). */
export const TEAMS_WEB_CLIENT_ID = '5e3ce6c0-2b1f-4285-8d4b-75ee78787346';
/** The stand-in's v1 issuer host: not sts.windows.net, so a test shows the issuer comes from the metadata. */
export const STAND_IN_V1_ISSUER_HOST = 'https://sts.stand-in.invalid';

export interface TabTokenOptions {
  /** The token format (default 2.0). */
  ver?: '1.0' | '2.0';
  /** Claims to set or (undefined) remove. */
  claims?: Claims;
  /** How to sign (default: RS256 with the published key). */
  sign?: SignOptions;
}

export class EntraIssuer {
  /** The key every tenant's key set publishes. */
  readonly signingKey: TestKey = makeKey('entra-key-1');
  /** A key nobody publishes (an attacker's). */
  readonly strangerKey: TestKey = makeKey('entra-stranger');
  /** Published keys (add one to roll over). */
  readonly published: TestKey[] = [this.signingKey];
  /** What the OpenID metadata documents do: answer, fail with 500, or never answer. */
  metadataMode: MetadataMode = 'ok';
  /** What the key sets do. */
  keysMode: MetadataMode = 'ok';
  /** The v2 documents name their issuer as the common endpoint does (`{tenantid}`) instead of the tenant's id. */
  templatedIssuer = false;
  /** Every request's path, in order. */
  readonly requests: string[] = [];
  private server: Server | null = null;
  private base = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.serve(req, res));
    this.base = `http://127.0.0.1:${await listenLocally(this.server)}`;
    return this;
  }

  async stop(): Promise<void> {
    if (this.server) await closeServer(this.server);
  }

  /** TAB_AUTHORITY_HOST pointing at the stand-in. */
  get authorityHost(): string {
    return this.base;
  }

  /** The issuer of a tenant's v2 tokens (as the v2 document names it). */
  v2Issuer(tenantId: string): string {
    return `${this.base}/${tenantId}/v2.0`;
  }

  /** The issuer of a tenant's v1 tokens (as the v1 document names it). */
  v1Issuer(tenantId: string): string {
    return `${STAND_IN_V1_ISSUER_HOST}/${tenantId}/`;
  }

  /** Requests whose path contains `fragment` (e.g. a tenant id, or `/keys`). */
  count(fragment: string): number {
    return this.requests.filter((path) => path.includes(fragment)).length;
  }

  /** Forgets the recorded requests and puts modes and published keys back as they start. */
  reset(): void {
    this.requests.length = 0;
    this.published.splice(0, this.published.length, this.signingKey);
    this.metadataMode = 'ok';
    this.keysMode = 'ok';
    this.templatedIssuer = false;
  }

  /**
   * The claims of a valid Teams SSO token for `appId` (v1: audience `api://<botDomain>/<appId>`)
   * and the person `oid` in `tenantId`, issued at `nowMs`, valid for an hour.
   */
  claims(
    tenantId: string,
    oid: string,
    appId: string,
    botDomain: string,
    nowMs: number,
    ver: '1.0' | '2.0' = '2.0',
  ): Claims {
    const now = Math.floor(nowMs / 1000);
    const common = {
      iat: now - 10,
      nbf: now - 10,
      exp: now + 3600,
      tid: tenantId,
      oid,
      scp: 'access_as_user',
    };
    return ver === '2.0'
      ? {
          aud: appId,
          iss: this.v2Issuer(tenantId),
          ...common,
          azp: TEAMS_WEB_CLIENT_ID,
          name: 'Ada Lovelace',
          preferred_username: 'ada@contoso.example',
          sub: 'pairwise-subject',
          ver: '2.0',
        }
      : {
          aud: `api://${botDomain}/${appId}`,
          iss: this.v1Issuer(tenantId),
          ...common,
          appid: TEAMS_WEB_CLIENT_ID,
          name: 'Ada Lovelace',
          upn: 'ada@contoso.example',
          unique_name: 'ada@contoso.example',
          ver: '1.0',
        };
  }

  /** A compact JWT of `claims` (RS256 with the published key unless `sign` says otherwise). */
  sign(claims: Claims, sign: SignOptions = {}): string {
    return signJwt(claims, { key: this.signingKey, ...sign });
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0] ?? '';
    this.requests.push(path);
    const segments = path.split('/').filter(Boolean);
    const tenant = segments[0] ?? '';
    const rest = `/${segments.slice(1).join('/')}`;
    const isKeys = rest === '/discovery/v2.0/keys' || rest === '/discovery/keys';
    const mode = isKeys ? this.keysMode : this.metadataMode;
    if (mode === 'hang') return; // never answers (the validator must give up at its deadline)
    if (mode === 'error') return json(res, 500, { error: 'server_error' });
    if (req.method !== 'GET' || !tenant) return json(res, 404, { error: 'not_found' });
    if (rest === '/v2.0/.well-known/openid-configuration') {
      const metadata = authorityMetadata(this.base, tenant);
      return json(res, 200, {
        ...metadata,
        issuer: this.templatedIssuer ? `${this.base}/{tenantid}/v2.0` : metadata.issuer,
      });
    }
    if (rest === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer: this.v1Issuer(tenant),
        authorization_endpoint: `${this.base}/${tenant}/oauth2/authorize`,
        token_endpoint: `${this.base}/${tenant}/oauth2/token`,
        jwks_uri: `${this.base}/${tenant}/discovery/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (isKeys) return json(res, 200, { keys: this.published.map((key) => key.jwk) });
    return json(res, 404, { error: 'not_found', path });
  }
}

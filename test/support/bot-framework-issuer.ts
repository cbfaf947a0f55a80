import { createHmac, createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { globalAgent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';

/**
 * A local stand-in for everything Bot Framework authentication talks to, for tests (and the fuzz
 * suite): the channel's OpenID metadata and key set (login.botframework.com), the Emulator's / AAD's
 * (login.microsoftonline.com/common), and the token endpoint the bot gets its own token from
 * (login.microsoftonline.com/botframework.com, over https: MSAL refuses http). Tokens are signed
 * by hand with node:crypto (RS256 with test RSA keys; `alg: none` and HS256 for the negative cases).
 */

const TLS_DIR = join(__dirname, '..', 'fixtures', 'tls');
/** The test CA (tests only, expires 2046) that signed the token endpoint's certificate. */
export const TEST_CA_PATH = join(TLS_DIR, 'ca.pem');
export const TEST_CA_PEM = readFileSync(TEST_CA_PATH, 'utf8');
/** The certificate (for localhost and 127.0.0.1, signed by the test CA) of the local https servers. */
export const testServerTls = (): { cert: Buffer; key: Buffer } => ({
  cert: readFileSync(join(TLS_DIR, 'localhost.pem')),
  key: readFileSync(join(TLS_DIR, 'localhost-key.pem')),
});

/** Listens on a free port of 127.0.0.1; resolves to the port. */
export const listenLocally = (server: Server): Promise<number> =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

/** Closes a server and every connection it holds. */
export const closeServer = async (server: Server): Promise<void> => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
};

/** An Entra ID authority's OpenID metadata (`/{tenant}/v2.0/.well-known/openid-configuration`), as MSAL reads it. */
export const authorityMetadata = (base: string, tenant: string): Record<string, unknown> => ({
  issuer: `${base}/${tenant}/v2.0`,
  authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
  token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
  end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
  jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
  response_types_supported: ['code', 'id_token', 'token'],
  subject_types_supported: ['pairwise'],
  id_token_signing_alg_values_supported: ['RS256'],
});

/**
 * Trusts the test CA in this process (Node reads NODE_EXTRA_CA_CERTS only at start, so an
 * in-process bot under jest cannot use it): adds it to the default https agent, which MSAL uses.
 * A bot in a child process gets `NODE_EXTRA_CA_CERTS: TEST_CA_PATH` in its environment instead.
 */
export const trustTestCa = (): void => {
  const ca = globalAgent.options.ca;
  const current = Array.isArray(ca) ? ca.map(String) : ca ? [String(ca)] : [...rootCertificates];
  if (!current.includes(TEST_CA_PEM)) globalAgent.options.ca = [...current, TEST_CA_PEM];
};

/** The public cloud's values the bot keeps unless told otherwise (AuthenticationConstants). */
export const CHANNEL_ISSUER = 'https://api.botframework.com';
/** An issuer the Emulator's tokens carry (v1 tokens from the Bot Framework's AAD tenant). */
export const EMULATOR_ISSUER = 'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/';

export type Claims = Record<string, unknown>;

export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  /** The public key as a JWK, as published (with `endorsements` for the channel's keys). */
  jwk: Record<string, unknown>;
}

/** A fresh RSA key (2048 bits) with its published JWK; `endorsements` as Bot Framework's keys have. */
export const makeKey = (kid: string, endorsements?: string[]): TestKey => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { n, e } = publicKey.export({ format: 'jwk' });
  return {
    kid,
    privateKey,
    jwk: { kty: 'RSA', use: 'sig', kid, n, e, ...(endorsements ? { endorsements } : {}) },
  };
};

const sharedKeys = new Map<string, TestKey>();
/** The same key for every issuer in this process (RSA key generation takes tens of milliseconds). */
const sharedKey = (kid: string, endorsements?: string[]): TestKey => {
  let key = sharedKeys.get(kid);
  if (!key) sharedKeys.set(kid, (key = makeKey(kid, endorsements)));
  return key;
};

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface SignOptions {
  /** RS256 (default), `none` (no signature) or HS256 (signed with `hmacSecret`). */
  alg?: 'RS256' | 'none' | 'HS256';
  /** The RSA key to sign with (RS256). */
  key?: TestKey;
  /** The `kid` in the header (default: the key's). */
  kid?: string;
  /** The HS256 secret (default: the signing key's public modulus, the classic key-confusion attack). */
  hmacSecret?: string;
  /** Extra header fields. */
  header?: Record<string, unknown>;
}

/** A compact JWT of `claims`, built by hand. */
export const signJwt = (claims: Claims, options: SignOptions = {}): string => {
  const alg = options.alg ?? 'RS256';
  const kid = options.kid ?? options.key?.kid;
  const header = { alg, typ: 'JWT', ...(kid ? { kid } : {}), ...options.header };
  const input = `${b64(header)}.${b64(claims)}`;
  if (alg === 'none') return `${input}.`;
  if (alg === 'HS256') {
    const secret = options.hmacSecret ?? String(options.key?.jwk.n ?? 'secret');
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  }
  if (!options.key) throw new Error('signJwt: RS256 needs a key');
  const signature = createSign('RSA-SHA256').update(input).sign(options.key.privateKey, 'base64url');
  return `${input}.${signature}`;
};

/** The same token with its signature's first byte changed. */
export const tamperSignature = (jwt: string): string => {
  const [header, payload, signature = ''] = jwt.split('.');
  const bytes = Buffer.from(signature, 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
};

/** What the metadata endpoints do: answer, fail with 500, refuse connections, or never answer. */
export type MetadataMode = 'ok' | 'error' | 'hang';

export interface TokenRequest {
  path: string;
  form: Record<string, string>;
}

export const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
};

/**
 * The local issuer. `start()` listens on two free ports (http metadata, https token endpoint);
 * `env(appId, password)` is the bot's environment pointing at it; `channelToken()` and friends mint
 * tokens; `issuedTokens` are the bot's own tokens handed out (the connector should see one of them).
 */
export class BotFrameworkIssuer {
  /** The channel's signing key, endorsed for msteams (as Bot Framework's keys are). */
  readonly channelKey = sharedKey('channel-key-1', ['msteams']);
  /** A channel key endorsed only for another channel (webchat). */
  readonly webchatKey = sharedKey('channel-key-webchat', ['webchat']);
  /** The Emulator's / AAD's key (published under the Emulator metadata, not the channel's). */
  readonly emulatorKey = sharedKey('aad-key-1');
  /** A key nobody publishes (an attacker's). */
  readonly strangerKey = sharedKey('stranger-key');
  metadataMode: MetadataMode = 'ok';
  readonly tokenRequests: TokenRequest[] = [];
  readonly issuedTokens: string[] = [];
  /** Requests the metadata server saw (paths), to show what was fetched. */
  readonly metadataRequests: string[] = [];
  private metadata: Server | null = null;
  private tokens: Server | null = null;
  private metadataBase = '';
  private tokenBase = '';

  async start(): Promise<this> {
    this.metadata = createServer((req, res) => this.serveMetadata(req, res));
    this.tokens = createHttpsServer(testServerTls(), (req, res) => void this.serveToken(req, res));
    this.metadataBase = `http://127.0.0.1:${await listenLocally(this.metadata)}`;
    this.tokenBase = `https://127.0.0.1:${await listenLocally(this.tokens)}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const server of [this.metadata, this.tokens]) if (server) await closeServer(server);
  }

  /** The channel's OpenID metadata (ToBotFromChannelOpenIdMetadataUrl). */
  get channelMetadataUrl(): string {
    return `${this.metadataBase}/v1/.well-known/openidconfiguration`;
  }
  /** The Emulator's (ToBotFromEmulatorOpenIdMetadataUrl). */
  get emulatorMetadataUrl(): string {
    return `${this.metadataBase}/common/v2.0/.well-known/openid-configuration`;
  }
  /** The authority the bot gets its own token from (ToChannelFromBotLoginUrl). */
  get loginUrl(): string {
    return `${this.tokenBase}/botframework.com`;
  }

  /**
   * The bot's environment: its identity, and the three URLs that point at this issuer. The other
   * six settings keep their public-cloud values (the channel's tokens carry the public issuer).
   */
  env(appId: string, password = 'test-client-secret'): Record<string, string> {
    return {
      MicrosoftAppId: appId,
      MicrosoftAppPassword: password,
      ToBotFromChannelOpenIdMetadataUrl: this.channelMetadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl: this.emulatorMetadataUrl,
      ToChannelFromBotLoginUrl: this.loginUrl,
    };
  }

  /** The claims of a valid channel token for `appId` and `serviceUrl`, valid for an hour. */
  channelClaims(appId: string, serviceUrl: string, overrides: Claims = {}): Claims {
    const now = Math.floor(Date.now() / 1000);
    return {
      serviceurl: serviceUrl,
      nbf: now - 5,
      exp: now + 3600,
      iss: CHANNEL_ISSUER,
      aud: appId,
      ...overrides,
    };
  }

  /** `Bearer <channel token>`, signed with the channel's key unless `options` say otherwise. */
  channelAuth(appId: string, serviceUrl: string, overrides: Claims = {}, options: SignOptions = {}): string {
    return `Bearer ${signJwt(this.channelClaims(appId, serviceUrl, overrides), { key: this.channelKey, ...options })}`;
  }

  private serveMetadata(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0] ?? '';
    this.metadataRequests.push(path);
    if (this.metadataMode === 'hang') return; // never answers (the bot must time out)
    if (this.metadataMode === 'error') return json(res, 500, { error: 'metadata down' });
    const keysFor = (kind: string) => `${this.metadataBase}/${kind}/keys`;
    if (path === '/v1/.well-known/openidconfiguration') {
      return json(res, 200, {
        issuer: CHANNEL_ISSUER,
        authorization_endpoint: 'https://invalid.botframework.com',
        jwks_uri: keysFor('channel'),
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
    }
    if (path === '/common/v2.0/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
        jwks_uri: keysFor('aad'),
      });
    }
    if (path === '/channel/keys') {
      return json(res, 200, { keys: [this.channelKey.jwk, this.webchatKey.jwk] });
    }
    if (path === '/aad/keys') return json(res, 200, { keys: [this.emulatorKey.jwk] });
    return json(res, 404, { error: 'not found' });
  }

  private async serveToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const body = await readBody(req);
    const tenant = path.split('/')[1] ?? '';
    // MSAL reads the authority's OpenID metadata first (knownAuthorities: no instance discovery).
    if (req.method === 'GET' && path === `/${tenant}/v2.0/.well-known/openid-configuration`) {
      return json(res, 200, authorityMetadata(this.tokenBase, tenant));
    }
    if (req.method === 'POST' && path === `/${tenant}/oauth2/v2.0/token`) {
      const form = Object.fromEntries(new URLSearchParams(body));
      this.tokenRequests.push({ path, form });
      if (form.grant_type !== 'client_credentials' || !form.client_id || !form.client_secret) {
        return json(res, 400, { error: 'invalid_request' });
      }
      const accessToken = `bot-token-${randomUUID()}`;
      this.issuedTokens.push(accessToken);
      return json(res, 200, {
        token_type: 'Bearer',
        expires_in: 3600,
        ext_expires_in: 3600,
        access_token: accessToken,
      });
    }
    return json(res, 404, { error: 'not_found', path });
  }
}

/**
 * Authorization headers the bot must refuse with 401, each named, for a bot configured with
 * `issuer.env(appId)` receiving an activity whose serviceUrl is `serviceUrl` on channel msteams
 * (`undefined`: no header at all). Shared by the HTTP tests and the fuzz suite.
 */
export const invalidAuthorizations = (
  issuer: BotFrameworkIssuer,
  appId: string,
  serviceUrl: string,
): [name: string, authorization: string | undefined][] => {
  const now = Math.floor(Date.now() / 1000);
  const otherApp = '99999999-8888-4777-8666-555555555555';
  const channel = (overrides: Claims = {}, options: SignOptions = {}) =>
    issuer.channelAuth(appId, serviceUrl, overrides, options);
  const aad = (claims: Claims, key: TestKey) =>
    `Bearer ${signJwt({ iss: EMULATOR_ISSUER, ver: '1.0', nbf: now - 5, exp: now + 3600, ...claims }, { key })}`;
  return [
    ['no token', undefined],
    ['an empty bearer token', 'Bearer '],
    ['a token that is no JWT', 'Bearer not-a-token'],
    ['another scheme', `Basic ${Buffer.from(`${appId}:secret`).toString('base64')}`],
    ['an expired token (beyond the 5-minute tolerance)', channel({ nbf: now - 7200, exp: now - 400 })],
    ['a token not valid yet (nbf beyond the tolerance)', channel({ nbf: now + 600, exp: now + 7200 })],
    ['a wrong audience', channel({ aud: otherApp })],
    ['no audience', channel({ aud: undefined })],
    ['a wrong issuer', channel({ iss: 'https://api.botframework.com.evil.example' })],
    ['a bad signature', `Bearer ${tamperSignature(channel().slice('Bearer '.length))}`],
    [
      'the channel key id signed with another key',
      channel({}, { key: issuer.strangerKey, kid: issuer.channelKey.kid }),
    ],
    ['alg: none', channel({}, { alg: 'none', kid: issuer.channelKey.kid })],
    ['HS256 keyed with the public key', channel({}, { alg: 'HS256', kid: issuer.channelKey.kid })],
    ['an unknown key id', channel({}, { key: issuer.strangerKey })],
    ['no key id', channel({}, { kid: '', header: { kid: undefined } })],
    ['a key not endorsed for msteams', channel({}, { key: issuer.webchatKey })],
    [
      'an Emulator-shaped token signed with the channel key',
      aad({ aud: appId, appid: appId }, issuer.channelKey),
    ],
    ['an Emulator token for another app', aad({ aud: otherApp, appid: otherApp }, issuer.emulatorKey)],
    [
      'an Emulator token for this app (Teams never sends one)',
      aad({ aud: appId, appid: appId }, issuer.emulatorKey),
    ],
    [
      'a skill token (another bot calling this one)',
      aad({ aud: appId, appid: otherApp }, issuer.emulatorKey),
    ],
    [
      'a serviceurl claim that does not match the activity',
      channel({ serviceurl: 'https://smba.trafficmanager.net/emea/' }),
    ],
    ['no serviceurl claim', channel({ serviceurl: undefined })],
  ];
};

import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type Request,
  type Response,
  type TurnContext,
} from 'botbuilder';
import type { AuthenticateRequestResult } from 'botframework-connector';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { BotCredentialsFactory } from './bot-credentials';
import { botFrameworkSettings } from './bot-framework-settings';
import { MetadataUnavailableError, useTimedOpenIdMetadata } from './openid-metadata';
import { routeConsoleToLogger } from './sdk-console';

/**
 * The Bot Connector client's own retry policy waits 30 s and more between tries: replies are
 * retried by src/teams/reply-policy.ts within the turn's budget and notices by the notice
 * dispatcher, so the SDK's is off.
 */
const CONNECTOR_OPTIONS = { noRetryPolicy: true };

/** How long loading the signing keys (OpenID metadata, then its key set) may take in all. */
export const METADATA_TIMEOUT_MS = 3000;

type Logic = (context: TurnContext) => Promise<void>;

/** Why an authenticated activity is still not served (e.g. a tenant not allowed), or null. */
export type Admission = (activity: Activity) => { status: 403; code: string; message: string } | null;

export interface AdapterOptions {
  /** Checked after authentication, before any processing: nothing is sent for a refused one. */
  admit?: Admission;
}
type AuthLog = Pick<Logger, 'warn' | 'error'>;

const silent: AuthLog = { warn: () => undefined, error: () => undefined };

const end = (res: Response, status: number, body?: unknown): void => {
  res.status(status);
  if (body !== undefined) res.send(body);
  res.end();
};
const refuse = (res: Response, status: number, code: string, message: string): void =>
  end(res, status, { error: { code, message } });

/** CloudAdapter's own activity fix-up: timestamps become Dates, their raw strings kept. */
const fixActivity = (body: Record<string, unknown>): Activity => {
  for (const [field, raw] of [
    ['timestamp', 'rawTimestamp'],
    ['expiration', 'rawExpiration'],
    ['localTimestamp', 'rawLocalTimestamp'],
  ] as const) {
    const value = body[field];
    if (typeof value === 'string') {
      body[raw] = value;
      body[field] = new Date(value);
    }
  }
  return body as unknown as Activity;
};

/**
 * CloudAdapter that authenticates a request before processing it and answers for itself.
 *
 * CloudAdapter.process answers 401 only for the SDK's own AuthenticationError: a bad signature, a
 * future `nbf`, `alg: none` or an HS256 token fail in jsonwebtoken, and an unreachable metadata
 * endpoint in fetch, and all of those came back as 500 with the error's text (and a console.error).
 * Here every failure to authenticate is 401 with a short generic body (the reason is logged), the
 * signing keys being unavailable is 503 (logged with the reason), and only an authenticated
 * activity reaches the bot's logic; a turn that throws past onTurnError is 500 without its text.
 */
export class BotAdapter extends CloudAdapter {
  constructor(
    auth: ConfigurationBotFrameworkAuthentication,
    private readonly log: AuthLog = silent,
    /** With a bot id: the only issuer served (Teams' channel tokens; never the Emulator's). */
    private readonly channelIssuer: string | null = null,
    private readonly admit: Admission = () => null,
  ) {
    super(auth);
  }

  override process(req: Request, res: Response, logic: Logic): Promise<void>;
  override process(req: Request, socket: unknown, head: unknown, logic: Logic): Promise<void>;
  // One implementation for all of CloudAdapter's overloads; the streaming ones go to CloudAdapter.
  override async process(
    req: Request,
    resOrSocket: unknown,
    logicOrHead: unknown,
    maybeLogic?: unknown,
  ): Promise<void> {
    if (maybeLogic !== undefined) {
      const streaming = super.process.bind(this) as (...args: unknown[]) => Promise<void>;
      return streaming(req, resOrSocket, logicOrHead, maybeLogic);
    }
    const res = resOrSocket as Response;
    const logic = logicOrHead as Logic;
    if (req.method !== 'POST') return end(res, 405);
    const body: unknown = req.body;
    if (
      !body ||
      typeof body !== 'object' ||
      Array.isArray(body) ||
      typeof (body as Activity).type !== 'string'
    ) {
      return refuse(res, 400, 'BadRequest', 'The body is not an activity.');
    }
    const activity = fixActivity(body as Record<string, unknown>);
    const header = req.headers.authorization ?? req.headers.Authorization ?? '';
    const authHeader = typeof header === 'string' ? header : '';
    let auth: AuthenticateRequestResult;
    try {
      auth = await this.botFrameworkAuthentication.authenticateRequest(activity, authHeader);
    } catch (err) {
      if (err instanceof MetadataUnavailableError) {
        this.log.error(
          { url: err.url, reason: err.reason, activityId: activity.id },
          'Bot Framework signing keys unavailable: request refused with 503',
        );
        res.header?.('Retry-After', '5');
        return refuse(
          res,
          503,
          'ServiceUnavailable',
          'The bot cannot verify requests right now; please retry.',
        );
      }
      this.log.warn(
        // The SDK's reasons may quote a claim (the audience): bounded, never the token itself.
        { reason: (err instanceof Error ? err.message : String(err)).slice(0, 300), activityId: activity.id },
        'request not authenticated: 401',
      );
      return refuse(res, 401, 'Unauthorized', 'The request is not authorized.');
    }
    const issuer = auth.claimsIdentity.getClaimValue('iss');
    if (this.channelIssuer && issuer !== this.channelIssuer) {
      // The SDK also accepts the Bot Framework Emulator's tokens; Teams never sends one.
      this.log.warn({ issuer, activityId: activity.id }, 'request with a token not from the channel: 401');
      return refuse(res, 401, 'Unauthorized', 'The request is not authorized.');
    }
    const refused = this.admit(activity);
    if (refused) return refuse(res, refused.status, refused.code, refused.message);
    try {
      const invokeResponse = await this.processActivity(auth, activity, logic);
      return end(res, invokeResponse?.status ?? 200, invokeResponse?.body);
    } catch (err) {
      this.log.error({ err, activityId: activity.id }, 'activity could not be processed');
      return refuse(res, 500, 'InternalError', 'The activity could not be processed.');
    }
  }
}

/**
 * The Bot Framework adapter for the configured bot identity (anonymous when MicrosoftAppId is
 * unset): the nine Bot Framework cloud settings, each resolved (see bot-framework-settings.ts), the
 * bot's own credentials (bot-credentials.ts), signing keys loaded with a time limit
 * (openid-metadata.ts). With a logger, botbuilder's console output goes through it.
 */
export const createAdapter = (config: Config, logger?: Logger, options: AdapterOptions = {}): BotAdapter => {
  const settings = botFrameworkSettings(config);
  useTimedOpenIdMetadata(
    [settings.ToBotFromChannelOpenIdMetadataUrl, settings.ToBotFromEmulatorOpenIdMetadataUrl],
    METADATA_TIMEOUT_MS,
  );
  if (logger) routeConsoleToLogger(logger);
  return new BotAdapter(
    new ConfigurationBotFrameworkAuthentication(
      {
        MicrosoftAppId: config.MicrosoftAppId ?? '',
        MicrosoftAppTenantId: config.MicrosoftAppTenantId ?? '',
        ...settings,
      },
      new BotCredentialsFactory(config),
      undefined,
      undefined,
      CONNECTOR_OPTIONS,
    ),
    logger,
    config.MicrosoftAppId ? settings.ToBotFromChannelTokenIssuer : null,
    options.admit,
  );
};

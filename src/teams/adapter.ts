import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import type { Config } from '../config';

/**
 * The Bot Connector client's own retry policy waits 30 s and more between tries: replies are
 * retried by src/teams/reply-policy.ts within the turn's budget and notices by the notice
 * dispatcher, so the SDK's is off.
 */
const CONNECTOR_OPTIONS = { noRetryPolicy: true };

/** The Bot Framework adapter for the configured bot identity (anonymous when MicrosoftAppId is unset). */
export const createAdapter = (config: Config): CloudAdapter =>
  new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication(
      {
        MicrosoftAppId: config.MicrosoftAppId ?? '',
        MicrosoftAppPassword: config.MicrosoftAppPassword ?? '',
        MicrosoftAppType: config.MicrosoftAppType,
        MicrosoftAppTenantId: config.MicrosoftAppTenantId ?? '',
      },
      undefined,
      undefined,
      undefined,
      CONNECTOR_OPTIONS,
    ),
  );

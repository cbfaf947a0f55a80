import { AuthenticationConstants, GovernmentConstants } from 'botframework-connector';
import { CallerIdConstants } from 'botbuilder';
import type { Config } from '../config';

/** The Bot Framework's own cloud settings, every one resolved (none left to the SDK's defaults). */
export interface BotFrameworkSettings {
  ChannelService: string;
  ToChannelFromBotLoginUrl: string;
  ToChannelFromBotOAuthScope: string;
  ToBotFromChannelTokenIssuer: string;
  ToBotFromChannelOpenIdMetadataUrl: string;
  ToBotFromEmulatorOpenIdMetadataUrl: string;
  OAuthUrl: string;
  CallerId: string;
  ValidateAuthority: boolean;
}

type CloudDefaults = Omit<BotFrameworkSettings, 'ChannelService' | 'ValidateAuthority'>;

/** The SDK's public-cloud constants (botframework-connector's AuthenticationConstants). */
export const PUBLIC_CLOUD: CloudDefaults = {
  ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
  ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
  ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
  ToBotFromChannelOpenIdMetadataUrl: AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
  ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
  OAuthUrl: AuthenticationConstants.OAuthUrl,
  CallerId: CallerIdConstants.PublicAzureChannel,
};

/** Azure Government's (GovernmentConstants), used when ChannelService is https://botframework.azure.us. */
export const US_GOVERNMENT: CloudDefaults = {
  ToChannelFromBotLoginUrl: GovernmentConstants.ToChannelFromBotLoginUrl,
  ToChannelFromBotOAuthScope: GovernmentConstants.ToChannelFromBotOAuthScope,
  ToBotFromChannelTokenIssuer: GovernmentConstants.ToBotFromChannelTokenIssuer,
  ToBotFromChannelOpenIdMetadataUrl: GovernmentConstants.ToBotFromChannelOpenIdMetadataUrl,
  ToBotFromEmulatorOpenIdMetadataUrl: GovernmentConstants.ToBotFromEmulatorOpenIdMetadataUrl,
  OAuthUrl: GovernmentConstants.OAuthUrl,
  CallerId: CallerIdConstants.USGovChannel,
};

const URL_KEYS = Object.keys(PUBLIC_CLOUD) as (keyof CloudDefaults)[];

/**
 * Resolves the nine settings. The SDK treats any one URL setting as "all of them are given" and
 * then uses `undefined` for the rest (no token issuer, no metadata URL): here each unset one takes
 * the value of the cloud ChannelService names (Azure Government, else the public cloud), so a
 * partial setting changes only what it names. A ChannelService the SDK does not know, with none of
 * the others set, is refused as the SDK refuses it (it could only mean the public cloud by mistake).
 */
export const botFrameworkSettings = (config: Config): BotFrameworkSettings => {
  const channelService = config.ChannelService ?? '';
  const government = channelService.replace(/\/+$/, '') === GovernmentConstants.ChannelService;
  const base = government ? US_GOVERNMENT : PUBLIC_CLOUD;
  if (channelService && !government && URL_KEYS.every((key) => !config[key])) {
    throw new Error(
      `ChannelService ${channelService} is not a cloud the Bot Framework SDK knows (only ${GovernmentConstants.ChannelService}): set ToChannelFromBotLoginUrl, ToChannelFromBotOAuthScope, ToBotFromChannelTokenIssuer, ToBotFromChannelOpenIdMetadataUrl, OAuthUrl and CallerId for it`,
    );
  }
  const resolved = Object.fromEntries(
    URL_KEYS.map((key) => [key, config[key] ?? base[key]]),
  ) as CloudDefaults;
  return {
    ChannelService: channelService,
    ...resolved,
    ValidateAuthority: config.ValidateAuthority !== 'false',
  };
};

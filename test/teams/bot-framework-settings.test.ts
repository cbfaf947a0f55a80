import { loadConfig } from '../../src/config';
import { botFrameworkSettings, PUBLIC_CLOUD, US_GOVERNMENT } from '../../src/teams/bot-framework-settings';

const settings = (env: Record<string, string>) =>
  botFrameworkSettings(loadConfig({ NODE_ENV: 'test', ...env }));

describe('Bot Framework cloud settings', () => {
  it('unset: the public cloud, as the SDK’s AuthenticationConstants give it', () => {
    expect(settings({})).toEqual({
      ChannelService: '',
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
      ToChannelFromBotOAuthScope: 'https://api.botframework.com',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
      ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
      ToBotFromEmulatorOpenIdMetadataUrl:
        'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
      OAuthUrl: 'https://api.botframework.com',
      CallerId: 'urn:botframework:azure',
      ValidateAuthority: true,
    });
  });

  it('ChannelService of Azure Government: its values, as the SDK’s GovernmentConstants give them', () => {
    expect(settings({ ChannelService: 'https://botframework.azure.us' })).toEqual({
      ChannelService: 'https://botframework.azure.us',
      ...US_GOVERNMENT,
      ValidateAuthority: true,
    });
    expect(US_GOVERNMENT).toMatchObject({
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us',
      ToChannelFromBotOAuthScope: 'https://api.botframework.us',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.us',
      ToBotFromChannelOpenIdMetadataUrl:
        'https://login.botframework.azure.us/v1/.well-known/openidconfiguration',
      OAuthUrl: 'https://api.botframework.azure.us',
      CallerId: 'urn:botframework:azureusgov',
    });
  });

  it('a partial setting changes only what it names (the SDK would leave the rest undefined)', () => {
    const url = 'https://metadata.contoso.test/v1/.well-known/openidconfiguration';
    expect(settings({ ToBotFromChannelOpenIdMetadataUrl: url })).toEqual({
      ChannelService: '',
      ...PUBLIC_CLOUD,
      ToBotFromChannelOpenIdMetadataUrl: url,
      ValidateAuthority: true,
    });
    expect(
      settings({ ChannelService: 'https://botframework.azure.us', OAuthUrl: 'https://token.contoso.test' }),
    ).toEqual({
      ChannelService: 'https://botframework.azure.us',
      ...US_GOVERNMENT,
      OAuthUrl: 'https://token.contoso.test',
      ValidateAuthority: true,
    });
  });

  it('ValidateAuthority=false is passed on', () => {
    expect(settings({ ValidateAuthority: 'false' }).ValidateAuthority).toBe(false);
  });

  it('a ChannelService the SDK does not know, with nothing else set, is refused at start', () => {
    expect(() => settings({ ChannelService: 'https://botframework.example.cn' })).toThrow(
      /ChannelService https:\/\/botframework\.example\.cn is not a cloud/,
    );
    expect(
      settings({
        ChannelService: 'https://botframework.example.cn',
        ToChannelFromBotLoginUrl: 'https://login.example.cn/botframework.com',
      }).ToChannelFromBotLoginUrl,
    ).toBe('https://login.example.cn/botframework.com');
  });
});

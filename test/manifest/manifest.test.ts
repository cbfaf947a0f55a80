import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillManifest, ManifestTemplateError, type Json } from '../../src/app-package/fill-manifest';
import { deriveTeamsAppId, uuidV5 } from '../../src/app-package/teams-app-id';
import {
  bundledSchemaPath,
  ManifestSchemaError,
  validateManifest,
} from '../../src/app-package/validate-manifest';
import { DASHBOARD_ENTITY_ID } from '../../src/app-package/dashboard-link';
import { filledManifest, manifestValues, withoutTabs } from '../../src/cli/package-app';
import { loadPackageConfig } from '../../src/config';

const ROOT = join(__dirname, '..', '..');
const BOT_ID = '11111111-2222-4333-8444-555555555555';
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;
const TEMPLATE = readFileSync(join(ROOT, 'manifest', 'manifest.json'), 'utf8');

const valuesFor = (env: Record<string, string> = {}) =>
  manifestValues(
    { ...loadPackageConfig(env), MicrosoftAppId: env.MicrosoftAppId ?? BOT_ID },
    PACKAGE_VERSION,
  );

const DOMAIN = 'rollout.contoso.com';

/** The filled manifest; with the dashboard tab unless TABS=false (which needs BOT_DOMAIN, given by default). */
const manifestFor = (env: Record<string, string> = {}) => {
  const withDomain = { BOT_DOMAIN: DOMAIN, ...env };
  return filledManifest(ROOT, valuesFor(withDomain), { tabs: loadPackageConfig(withDomain).TABS });
};

interface Tabs {
  staticTabs?: {
    entityId: string;
    name?: string;
    contentUrl?: string;
    websiteUrl?: string;
    scopes: string[];
  }[];
  configurableTabs?: {
    configurationUrl: string;
    canUpdateConfiguration?: boolean;
    scopes: string[];
    context?: string[];
  }[];
  webApplicationInfo?: { id: string; resource?: string };
}

interface Bot {
  botId: string;
  commandLists: { scopes: string[]; commands: { title: string; description: string }[] }[];
}

describe('the Teams app manifest', () => {
  // Validation is offline: any attempt to fetch a schema fails the test.
  beforeAll(() => jest.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('no network in tests')));
  afterAll(() => jest.restoreAllMocks());

  it('names a schema of version 1.19 or newer that @microsoft/app-manifest bundles (not 1.18)', () => {
    const template = JSON.parse(TEMPLATE) as { $schema: string; manifestVersion: string };
    const [major, minor] = template.manifestVersion.split('.').map(Number);
    expect(major).toBe(1);
    expect(minor).toBeGreaterThanOrEqual(19);
    expect(template.$schema).toBe(
      `https://developer.microsoft.com/json-schemas/teams/v${template.manifestVersion}/MicrosoftTeams.schema.json`,
    );
    expect(() => readFileSync(bundledSchemaPath(template.$schema))).not.toThrow();
  });

  it('filled from the environment, validates offline against its schema', async () => {
    const manifest = await manifestFor();
    expect(await validateManifest(manifest)).toEqual([]);
    expect(JSON.stringify(manifest)).not.toContain('${{');
    expect(manifest).toMatchObject({
      version: PACKAGE_VERSION,
      id: deriveTeamsAppId(BOT_ID),
      developer: {
        name: 'Rollout Coordinator',
        websiteUrl: 'https://example.com',
        privacyUrl: 'https://example.com/privacy',
        termsOfUseUrl: 'https://example.com/terms',
      },
      icons: { color: 'color.png', outline: 'outline.png' },
      bots: [{ botId: BOT_ID, scopes: ['personal', 'team', 'groupChat'] }],
      webApplicationInfo: { id: BOT_ID },
      validDomains: ['rollout.contoso.com'],
    });
  });

  it('has the dashboard tab: personal (between the bot chat and About), configurable, SSO resource; it validates', async () => {
    const manifest = await manifestFor({ BOT_DOMAIN: 'ops.fabrikam.example' });
    expect(await validateManifest(manifest)).toEqual([]);
    const { staticTabs, configurableTabs, webApplicationInfo } = manifest as unknown as Tabs;
    expect(staticTabs).toEqual([
      { entityId: 'conversations', scopes: ['personal'] },
      {
        entityId: 'rollouts',
        name: 'Rollouts',
        contentUrl: 'https://ops.fabrikam.example/tab/',
        websiteUrl: 'https://ops.fabrikam.example/tab/',
        scopes: ['personal'],
      },
      { entityId: 'about', scopes: ['personal'] },
    ]);
    expect(configurableTabs).toEqual([
      {
        configurationUrl: 'https://ops.fabrikam.example/tab/config',
        canUpdateConfiguration: true,
        scopes: ['team', 'groupChat'],
        context: ['channelTab', 'privateChatTab', 'meetingChatTab'],
      },
    ]);
    expect(webApplicationInfo).toEqual({ id: BOT_ID, resource: `api://ops.fabrikam.example/${BOT_ID}` });
    // Every address the tabs load is on a valid domain.
    expect(manifest.validDomains).toEqual(['ops.fabrikam.example']);
  });

  it('signs the tab in to TAB_APP_ID’s API when set (a UserAssignedMSI bot registers one), else the bot’s', async () => {
    const tabApp = '99999999-aaaa-4bbb-8ccc-dddddddddddd';
    const manifest = await manifestFor({ BOT_DOMAIN: 'ops.fabrikam.example', TAB_APP_ID: tabApp });
    expect(await validateManifest(manifest)).toEqual([]);
    expect(manifest.webApplicationInfo).toEqual({
      id: tabApp,
      resource: `api://ops.fabrikam.example/${tabApp}`,
    });
    expect((manifest as unknown as { bots: { botId: string }[] }).bots[0]?.botId).toBe(BOT_ID);
  });

  it('the dashboard deep link names the personal tab the manifest has', async () => {
    const { staticTabs } = (await manifestFor()) as unknown as Tabs;
    expect(staticTabs?.map((t) => t.entityId)).toContain(DASHBOARD_ENTITY_ID);
  });

  it('TABS=false: no tabs, no SSO resource (the bot id stays), and BOT_DOMAIN is optional again', async () => {
    for (const env of [{ TABS: 'false' }, { TABS: 'false', BOT_DOMAIN: '' }] as Record<string, string>[]) {
      const manifest = await manifestFor(env);
      expect(manifest).not.toHaveProperty('staticTabs');
      expect(manifest).not.toHaveProperty('configurableTabs');
      expect(manifest.webApplicationInfo).toEqual({ id: BOT_ID });
      expect(JSON.stringify(manifest)).not.toContain('/tab');
      expect(await validateManifest(manifest)).toEqual([]);
    }
    expect(await manifestFor({ TABS: 'false' })).toHaveProperty('validDomains', [DOMAIN]);
  });

  it('a tab manifest with a tab the schema refuses fails validation (the check can fail)', async () => {
    const manifest = await manifestFor();
    const { configurableTabs } = manifest as unknown as Tabs;
    configurableTabs?.[0]?.scopes.push('personal');
    expect((await validateManifest(manifest)).join('\n')).toMatch(/configurableTabs\/0\/scopes/);
  });

  it('uses the variables when they are set', async () => {
    const manifest = await manifestFor({
      TEAMS_APP_ID: '99999999-8888-4777-8666-555555555555',
      APP_VERSION: '2.3.4',
      PUBLISHER_NAME: 'Contoso IT',
      PUBLISHER_WEBSITE: 'https://contoso.com/rollouts/',
    });
    expect(manifest).toMatchObject({
      id: '99999999-8888-4777-8666-555555555555',
      version: '2.3.4',
      developer: {
        name: 'Contoso IT',
        websiteUrl: 'https://contoso.com/rollouts',
        privacyUrl: 'https://contoso.com/rollouts/privacy',
        termsOfUseUrl: 'https://contoso.com/rollouts/terms',
      },
    });
    expect(await validateManifest(manifest)).toEqual([]);
  });

  it('leaves validDomains out without BOT_DOMAIN (TABS=false), and still validates', async () => {
    const manifest = await manifestFor({ TABS: 'false', BOT_DOMAIN: '' });
    expect(manifest).not.toHaveProperty('validDomains');
    expect(await validateManifest(manifest)).toEqual([]);
  });

  it('derives the Teams app id from the bot id: stable, a UUIDv5, not the bot id itself', () => {
    const id = deriveTeamsAppId(BOT_ID);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveTeamsAppId(BOT_ID.toUpperCase())).toBe(id);
    expect(id).not.toBe(BOT_ID);
    expect(deriveTeamsAppId('22222222-2222-4333-8444-555555555555')).not.toBe(id);
    // RFC 9562's own UUIDv5 example: "www.example.com" in the DNS namespace.
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it.each<[string, (m: Record<string, Json>) => void, RegExp]>([
    [
      'eleven commands in one list',
      (m) => {
        const list = (m.bots as unknown as Bot[])[0]?.commandLists[0];
        while (list && list.commands.length < 11) list.commands.push({ title: 'extra', description: 'x' });
      },
      /commandLists\/0\/commands must NOT have more than 10 items/,
    ],
    [
      'a bot id that is not a GUID',
      (m) => {
        const [bot] = m.bots as unknown as Bot[];
        if (bot) bot.botId = 'not-a-guid';
      },
      /\/bots\/0\/botId must match pattern/,
    ],
    ['no developer links', (m) => void delete (m.developer as Record<string, Json>).privacyUrl, /privacyUrl/],
    [
      'a short description over 80 characters',
      (m) => void ((m.description as Record<string, Json>).short = 'x'.repeat(81)),
      /description\/short/,
    ],
  ])('a manifest with %s fails validation with its schema errors', async (_name, breakIt, error) => {
    const manifest = await manifestFor();
    breakIt(manifest);
    const errors = await validateManifest(manifest);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(error);
  });

  it('refuses a schema the package does not bundle (1.18) instead of fetching it', async () => {
    const manifest = {
      ...(await manifestFor()),
      $schema: 'https://developer.microsoft.com/json-schemas/teams/v1.18/MicrosoftTeams.schema.json',
      manifestVersion: '1.18',
    };
    await expect(validateManifest(manifest)).rejects.toThrow(ManifestSchemaError);
    await expect(validateManifest(manifest)).rejects.toThrow(/not bundled/);
  });

  it('withoutTabs leaves out only the tabs and the SSO resource', () => {
    const template: Json = {
      a: 1,
      staticTabs: [{ entityId: 'x', scopes: ['personal'] }],
      configurableTabs: [],
      webApplicationInfo: { id: '${{MicrosoftAppId}}', resource: 'api://${{BOT_DOMAIN}}/x' },
    };
    expect(withoutTabs(template)).toEqual({ a: 1, webApplicationInfo: { id: '${{MicrosoftAppId}}' } });
    expect(template).toHaveProperty('staticTabs');
  });

  it('with the tabs but no BOT_DOMAIN, the template cannot be filled', async () => {
    await expect(filledManifest(ROOT, valuesFor({}), { tabs: true })).rejects.toThrow(
      /BOT_DOMAIN\}\} is not set and is part of a longer text/,
    );
  });

  it('fills placeholders, drops unset optional ones, and rejects unknown ones', () => {
    const template: Json = { a: '${{X}}', list: ['${{Y}}'], both: 'x-${{X}}', keep: [1] };
    expect(fillManifest(template, { X: 'x', Y: undefined })).toEqual({ a: 'x', both: 'x-x', keep: [1] });
    expect(() => fillManifest({ a: '${{TYPO}}' }, { X: 'x' })).toThrow(ManifestTemplateError);
    expect(() => fillManifest({ a: 'https://${{Y}}' }, { Y: undefined })).toThrow(/not set/);
  });
});

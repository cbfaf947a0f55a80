import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeZip } from '../../src/app-package/zip';
import { validateManifest } from '../../src/app-package/validate-manifest';
import {
  filledManifest,
  manifestValues,
  MISSING_BOT_DOMAIN_MESSAGE,
  MISSING_BOT_ID_MESSAGE,
  runPackageCli,
  type PackageEnv,
} from '../../src/cli/package-app';
import { loadPackageConfig } from '../../src/config';
import { readZip } from './zip-read';

const ROOT = join(__dirname, '..', '..');
const BOT_ID = '11111111-2222-4333-8444-555555555555';
const ENV: PackageEnv = { MicrosoftAppId: BOT_ID, BOT_DOMAIN: 'rollout.contoso.com', APP_VERSION: '1.2.3' };

interface Run {
  code: number;
  out: string;
  err: string;
}

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'app-package-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const run = async (env: PackageEnv, root = ROOT): Promise<Run & { zip: string }> => {
  const zip = join(work, 'build', 'appPackage.zip');
  const result = { code: -1, out: '', err: '', zip };
  result.code = await runPackageCli(
    env,
    { out: (t) => void (result.out += t), err: (t) => void (result.err += t) },
    { root, out: zip },
  );
  return result;
};

const manifestIn = (zip: string): Record<string, unknown> =>
  JSON.parse(
    readZip(readFileSync(zip))
      .find((e) => e.name === 'manifest.json')
      ?.data.toString('utf8') ?? '',
  ) as Record<string, unknown>;

/** A copy of the project's manifest/ and package.json, to break on purpose. */
const projectCopy = (): string => {
  const root = join(work, 'project');
  cpSync(join(ROOT, 'manifest'), join(root, 'manifest'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  return root;
};

describe('npm run package', () => {
  beforeAll(() => jest.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('no network in tests')));
  afterAll(() => jest.restoreAllMocks());

  it('writes the package: manifest.json (filled) and both icons at the zip root', async () => {
    const result = await run(ENV);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toMatch(
      /^package: wrote .*appPackage\.zip \(Teams app [0-9a-f-]{36}, version 1\.2\.3/,
    );
    const entries = readZip(readFileSync(result.zip));
    expect(entries.map((e) => e.name).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const inZip = JSON.parse(
      entries.find((e) => e.name === 'manifest.json')?.data.toString('utf8') ?? '',
    ) as unknown;
    const expected = await filledManifest(
      ROOT,
      manifestValues({ ...loadPackageConfig(ENV), MicrosoftAppId: BOT_ID }, 'unused: APP_VERSION is set'),
      { tabs: true },
    );
    expect(inZip).toEqual(expected);
    expect(await validateManifest(inZip as Record<string, unknown>)).toEqual([]);
    for (const icon of ['color.png', 'outline.png'])
      expect(
        entries.find((e) => e.name === icon)?.data.equals(readFileSync(join(ROOT, 'manifest', icon))),
      ).toBe(true);
  });

  it('with TABS (the default) the package has the dashboard tab at https://<BOT_DOMAIN>/tab/, and validates', async () => {
    const result = await run(ENV);
    expect(result.code).toBe(0);
    expect(result.out).toContain('dashboard tab https://rollout.contoso.com/tab/');
    const manifest = manifestIn(result.zip);
    expect(await validateManifest(manifest)).toEqual([]);
    expect(manifest).toMatchObject({
      staticTabs: expect.arrayContaining([
        expect.objectContaining({
          entityId: 'rollouts',
          contentUrl: 'https://rollout.contoso.com/tab/',
          websiteUrl: 'https://rollout.contoso.com/tab/',
        }),
      ]) as unknown,
      configurableTabs: [
        expect.objectContaining({ configurationUrl: 'https://rollout.contoso.com/tab/config' }),
      ],
      webApplicationInfo: { id: BOT_ID, resource: `api://rollout.contoso.com/${BOT_ID}` },
      validDomains: ['rollout.contoso.com'],
    });
  });

  it('TABS=false packages without tabs, with or without BOT_DOMAIN', async () => {
    for (const env of [
      { ...ENV, TABS: 'false' },
      { MicrosoftAppId: BOT_ID, TABS: 'false' },
    ]) {
      const result = await run(env);
      expect(result).toMatchObject({ code: 0, err: '' });
      expect(result.out).toContain('no tabs: TABS=false');
      const manifest = manifestIn(result.zip);
      expect(manifest).not.toHaveProperty('staticTabs');
      expect(manifest).not.toHaveProperty('configurableTabs');
      expect(manifest.webApplicationInfo).toEqual({ id: BOT_ID });
      expect(await validateManifest(manifest)).toEqual([]);
    }
  });

  it('TABS without BOT_DOMAIN is refused with one line naming BOT_DOMAIN and TABS=false, writing nothing', async () => {
    for (const env of [
      { MicrosoftAppId: BOT_ID },
      { MicrosoftAppId: BOT_ID, TABS: 'true', BOT_DOMAIN: '' },
    ]) {
      const result = await run(env);
      expect(result).toMatchObject({ code: 1, out: '', err: `${MISSING_BOT_DOMAIN_MESSAGE}\n` });
      expect(result.err.trim().split('\n')).toHaveLength(1);
      expect(result.err).toMatch(/^package: BOT_DOMAIN is not set/);
      expect(result.err).toContain('TABS=false to package without tabs');
      expect(existsSync(result.zip)).toBe(false);
    }
  });

  it('writes the same bytes for the same inputs (a fixed timestamp, a stable Teams app id)', async () => {
    const first = readFileSync((await run(ENV)).zip);
    const second = readFileSync((await run(ENV)).zip);
    expect(first.equals(second)).toBe(true);
  });

  it('without MicrosoftAppId, stops with one clear line and exit 1, writing nothing', async () => {
    const result = await run({ MicrosoftAppId: '' });
    expect(result).toMatchObject({ code: 1, out: '', err: `${MISSING_BOT_ID_MESSAGE}\n` });
    expect(result.err.trim().split('\n')).toHaveLength(1);
    expect(result.err).toMatch(/MicrosoftAppId is not set/);
    expect(existsSync(result.zip)).toBe(false);
  });

  it('a bad variable stops it, naming the variable', async () => {
    const result = await run({ ...ENV, BOT_DOMAIN: 'https://rollout.contoso.com/' });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^package: Invalid configuration: BOT_DOMAIN must be a host name/);
    expect(existsSync(result.zip)).toBe(false);
  });

  it('a manifest that breaks its schema stops it with the schema errors, exit 1', async () => {
    const root = projectCopy();
    const file = join(root, 'manifest', 'manifest.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
      bots: { commandLists: { commands: { title: string; description: string }[] }[] }[];
    };
    const commands = manifest.bots[0]?.commandLists[0]?.commands ?? [];
    commands.push({ title: 'rollout close', description: 'the eleventh' });
    writeFileSync(file, JSON.stringify(manifest));
    const result = await run(ENV, root);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^package: the filled manifest does not match its schema/);
    expect(result.err).toMatch(/commandLists\/0\/commands must NOT have more than 10 items/);
    expect(existsSync(result.zip)).toBe(false);
  });

  it('an icon of the wrong size stops it', async () => {
    const root = projectCopy();
    cpSync(join(ROOT, 'manifest', 'outline.png'), join(root, 'manifest', 'color.png'));
    const result = await run(ENV, root);
    expect(result).toMatchObject({
      code: 1,
      err: 'package: manifest/color.png is 32×32; Teams wants 192×192\n',
    });
  });

  it('an unknown placeholder in the template stops it', async () => {
    const root = projectCopy();
    const file = join(root, 'manifest', 'manifest.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"#0F6CBD"', '"${{ACCENT}}"'));
    const result = await run(ENV, root);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/accentColor: unknown placeholder \$\{\{ACCENT\}\}/);
  });
});

describe('the zip writer', () => {
  it('round-trips stored and deflated entries with UTF-8 names', () => {
    const entries = [
      { name: 'manifest.json', data: Buffer.from('{"a":"' + 'x'.repeat(500) + '"}') },
      { name: 'tiny.bin', data: Buffer.from([1, 2, 3]) },
      { name: 'empty.txt', data: Buffer.alloc(0) },
      { name: 'häkchen.txt', data: Buffer.from('✓') },
    ];
    const read = readZip(writeZip(entries));
    expect(read.map((e) => [e.name, e.data.toString('hex')])).toEqual(
      entries.map((e) => [e.name, e.data.toString('hex')]),
    );
    expect(read.find((e) => e.name === 'manifest.json')?.method).toBe(8);
    expect(read.find((e) => e.name === 'tiny.bin')?.method).toBe(0);
  });

  it('refuses repeated or absolute names', () => {
    const data = Buffer.from('x');
    expect(() =>
      writeZip([
        { name: 'a', data },
        { name: 'a', data },
      ]),
    ).toThrow(/repeated/);
    expect(() => writeZip([{ name: '/a', data }])).toThrow();
  });
});

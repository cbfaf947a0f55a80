import type * as ChildProcess from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { advancePhase } from '../../src/app/advance-phase';
import { TableAudienceRepository } from '../../src/storage/audience-repository';
import { TableFeedbackRepository } from '../../src/storage/feedback-repository';
import { TableSignoffRepository } from '../../src/storage/signoff-repository';
import { readinessFingerprint } from '../../src/domain/signoff';
import { FakeConnector } from '../support/fake-connector';
import { runPlanCli, type CliEnv } from '../../src/cli/plan-cli';
import { planOf, type PlanSpec } from '../../src/domain/plan';
import { defaultFeedbackPlan } from '../../src/domain/feedback-goals';
import { defaultReadinessPlan } from '../../src/domain/signoff';
import type { Rollout, TemplateName } from '../../src/domain/rollout';
import { planFileOf } from '../../src/plan/plan-file';
import { stringifyPlan } from '../../src/plan/plan-yaml';
import { AZURITE_ACCOUNT_KEY } from '../../src/storage/azure-table';
import { azuriteStatePath } from '../../src/storage/azurite-state';
import { startEmbeddedAzurite } from '../../src/storage/embedded-azurite';
import { tableName, type EntityTable } from '../../src/storage/entity-table';
import { MemoryTable } from '../../src/storage/memory-table';
import { TableRolloutRepository } from '../../src/storage/rollout-repository';
import { ADMIN, createdRollout, NOW, tickFirstScopeItem } from '../plan/support';
import { azureTableFor, startTestAzurite, type TestAzurite } from '../support/azurite';

/** The real module object (the one embedded-azurite calls spawn on), so a spy sees every start. */
const childProcess = createRequire(__filename)('node:child_process') as typeof ChildProcess;

const CREATOR = { id: 'cccccccc-0000-4000-8000-000000000003', name: 'Megan Bowen' };
const MEMBER = { id: 'bbbbbbbb-0000-4000-8000-000000000002', name: 'Lee Gu' };
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

interface Run {
  code: number;
  out: string;
  err: string;
}

const cli = async (argv: string[], env: CliEnv = {}): Promise<Run> => {
  let out = '';
  let err = '';
  const code = await runPlanCli(argv, env, {
    out: (text) => (out += text),
    err: (text) => (err += text),
  });
  return { code, out, err };
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'plan-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a file in the test's folder; returns its path. */
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const newRollout = (template: TemplateName = 'app', id = `ro-${randomUUID().slice(0, 8)}`): Rollout =>
  createdRollout(template, { id, tenantId: TENANT, name: 'Windows 11', by: CREATOR });

/** The rollout's plan file after `edit`. */
const planFile = (rollout: Rollout, edit: (spec: PlanSpec) => void = () => {}): string => {
  const spec = planOf(rollout);
  edit(spec);
  return stringifyPlan(planFileOf(spec));
};

describe('validate', () => {
  it('prints "valid" and exits 0 for a valid file', async () => {
    const path = file('plan.yaml', planFile(newRollout('enrollment')));
    expect(await cli(['validate', path])).toEqual({ code: 0, out: 'valid\n', err: '' });
  });

  it('prints each error with its line number and exits 1', async () => {
    const text = planFile(newRollout()).replace('timeZone: Europe/Berlin', 'timeZone: Europe/Atlantis');
    const line = text.split('\n').findIndex((l) => l.startsWith('timeZone:')) + 1;
    const broken = text.replace('      - id: user-task', '      - id: User Task');
    const itemLine = broken.split('\n').findIndex((l) => l.includes('id: User Task')) + 1;
    const run = await cli(['validate', file('plan.yaml', broken)]);
    expect(run.code).toBe(1);
    expect(run.out).toBe('');
    expect(run.err.split('\n')).toEqual([
      expect.stringMatching(/plan\.yaml is not a valid plan file \(2 errors\):$/),
      expect.stringMatching(new RegExp(`^line ${line}: timeZone: must be an IANA time zone`)),
      expect.stringMatching(new RegExp(`^line ${itemLine}: phases\\.scope\\.checklist\\[0\\]\\.id: must be`)),
      '',
    ]);
  });

  it('an audience and intent: valid as exported; a bad country code is reported on its line', async () => {
    const text = planFile(newRollout('enrollment'), (spec) => {
      spec.phases.poc.audience = {
        groups: ['0b7c5a36-8e5e-4f5b-9d8f-3a7c1f0f0a01'],
        members: [],
        filters: { departments: [], countries: ['DE'], offices: [], platforms: ['windows'] },
        includeGuests: false,
        includeDisabled: false,
      };
      spec.phases.poc.intent = 'available';
    });
    expect(await cli(['validate', file('plan.yaml', text)])).toEqual({ code: 0, out: 'valid\n', err: '' });
    const broken = text.replace('        - DE', '        - Germany');
    const line = broken.split('\n').findIndex((l) => l.endsWith('- Germany')) + 1;
    const run = await cli(['validate', file('plan.yaml', broken)]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(
      new RegExp(
        `line ${line}: phases\\.poc\\.audience\\.countries\\[0\\]: must be a two-letter country code`,
      ),
    );
  });

  it('reports a YAML syntax error with its line', async () => {
    const run = await cli(['validate', file('plan.yaml', 'version: 1\nname: [unclosed\n')]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^line \d: YAML syntax: /m);
  });

  it('refuses a file over 256 KiB without reading it', async () => {
    const run = await cli(['validate', file('big.yaml', `# ${'x'.repeat(300 * 1024)}\n`)]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/too large \(301 KiB\); a plan file has at most 256 KiB/);
  });

  it('resolves a relative path from where npm was started (INIT_CWD)', async () => {
    file('plan.yaml', planFile(newRollout()));
    expect(await cli(['validate', 'plan.yaml'], { INIT_CWD: dir })).toMatchObject({
      code: 0,
      out: 'valid\n',
    });
  });
});

describe('usage errors exit 2', () => {
  it.each([
    [[], /no command given/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['validate'], /validate takes one file/],
    [['validate', 'a.yaml', 'b.yaml'], /validate takes one file/],
    [['validate', 'a.yaml', '--rollout', 'x'], /validate takes no --rollout/],
    [['validate', '--bogus'], /Unknown option '--bogus'/],
    [['schema', 'extra'], /schema takes no arguments/],
    [['apply', 'plan.yaml', '--as', ADMIN.id], /apply needs --rollout <id>/],
    [['apply', 'plan.yaml', '--rollout', 'ro-1'], /apply needs --as/],
    [['apply', 'plan.yaml', '--rollout', 'ro-1', '--as', 'adele'], /--as must be an Entra object id/],
    [['apply', 'plan.yaml', '--rollout', 'ro-1', '--as', ADMIN.id, '--tenant', ''], /--tenant needs/],
    [['apply', '--rollout', 'ro-1', '--as', ADMIN.id], /apply takes one file/],
  ])('%j', async (argv, message) => {
    const run = await cli(argv);
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(run.err).toMatch(message);
    expect(run.err).toMatch(/Usage: npm run plan -- <command>/);
  });

  it('an unreadable file', async () => {
    const run = await cli(['validate', join(dir, 'missing.yaml')]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/cannot read .*missing\.yaml: no such file\n/);
    expect((await cli(['validate', dir])).err).toMatch(/is not a file/);
  });

  it('--help prints the usage and exits 0', async () => {
    const run = await cli(['--help']);
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toMatch(/validate <file>[\s\S]*schema[\s\S]*apply <file> --rollout <id> --as/);
  });

  it('a bad configuration names its variable', async () => {
    const path = file('plan.yaml', planFile(newRollout()));
    const run = await cli(['apply', path, '--rollout', 'ro-1', '--as', ADMIN.id], {
      TABLE_PREFIX: 'no-dashes',
      DATA_DIR: dir,
    });
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/^plan: Invalid configuration: TABLE_PREFIX must be letters and digits/);
    expect(run.err).not.toMatch(/Usage:/);
  });
});

describe('schema', () => {
  it('prints the committed JSON Schema', async () => {
    const run = await cli(['schema']);
    expect(run.code).toBe(0);
    expect(run.out).toBe(readFileSync(join(__dirname, '..', '..', 'schema', 'plan.schema.json'), 'utf8'));
  });
});

describe('apply without storage', () => {
  it('fails with a clear message and starts nothing when no bot runs on DATA_DIR', async () => {
    const spawn = jest.spyOn(childProcess, 'spawn');
    try {
      const path = file('plan.yaml', planFile(newRollout()));
      const dataDir = join(dir, 'data');
      const run = await cli(['apply', path, '--rollout', 'ro-1', '--as', ADMIN.id], { DATA_DIR: dataDir });
      expect(run.code).toBe(2);
      expect(run.out).toBe('');
      expect(run.err).toMatch(
        /No storage to apply the plan to: STORAGE_CONNECTION_STRING and STORAGE_TABLE_ENDPOINT are not set, and no bot with its embedded Azurite is running on DATA_DIR .*data\. Start the bot with `npm start`.*, or set STORAGE_CONNECTION_STRING\./,
      );
      expect(run.err).not.toMatch(/Usage:/);
      expect(spawn).not.toHaveBeenCalled();
      expect(existsSync(dataDir)).toBe(false);
      expect(readdirSync(dir)).toEqual(['plan.yaml']);
    } finally {
      spawn.mockRestore();
    }
  });

  it('a stale azurite.json (its process gone) is not a running bot, and is left alone', async () => {
    const dataDir = join(dir, 'data');
    const stale = JSON.stringify({
      port: 1,
      pid: 2 ** 22 + 12345,
      endpoint: 'http://127.0.0.1:1/devstoreaccount1',
      startedAt: NOW.toISOString(),
      ownerPid: 2 ** 22 + 12344,
    });
    mkdirSync(dataDir);
    writeFileSync(azuriteStatePath(dataDir), stale);
    const path = file('plan.yaml', planFile(newRollout()));
    const run = await cli(['apply', path, '--rollout', 'ro-1', '--as', ADMIN.id], { DATA_DIR: dataDir });
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/No storage to apply the plan to/);
    expect(readdirSync(dataDir)).toEqual(['azurite.json']);
    expect(readFileSync(azuriteStatePath(dataDir), 'utf8')).toBe(stale);
  });

  it('an invalid file is refused before any storage is looked for', async () => {
    const path = file('plan.yaml', 'version: 2\n');
    const run = await cli(['apply', path, '--rollout', 'ro-1', '--as', ADMIN.id], { DATA_DIR: dir });
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^line 1: version: must be 1/m);
    expect(run.err).not.toMatch(/storage/i);
  });
});

describe('findRollout (which tenant holds a rollout)', () => {
  it('finds the tenant, or null; several tenants are an error; a table without scans says so', async () => {
    const table = new MemoryTable();
    const repo = new TableRolloutRepository(table);
    const rollout = newRollout('app', 'ro-x');
    for (const tenant of ['tenant/one', 'tenant#two']) {
      await repo.commit(tenant, { rollout, ifMatch: null, audit: [], processed: null });
    }
    await repo.commit('tenant/one', {
      rollout: newRollout('app', 'ro-only'),
      ifMatch: null,
      audit: [],
      processed: null,
    });
    expect(await repo.findRollout('ro-only')).toEqual({ tenantId: 'tenant/one' });
    expect(await repo.findRollout('ro-none')).toBeNull();
    await expect(repo.findRollout('ro-x')).rejects.toThrow(
      /several tenants hold a rollout with id ro-x \(tenant#two, tenant\/one\): give the tenant id/,
    );
    const noScan: EntityTable = {
      name: 'plain',
      ensure: () => table.ensure(),
      get: (pk, rk) => table.get(pk, rk),
      query: (pk, options) => table.query(pk, options),
      submit: (actions) => table.submit(actions),
    };
    await expect(new TableRolloutRepository(noScan).findRollout('ro-only')).rejects.toThrow(
      /cannot search across tenants: give the tenant id/,
    );
  });
});

describe('apply against Azurite (connection string)', () => {
  let azurite: TestAzurite;
  beforeAll(async () => {
    azurite = await startTestAzurite();
  });
  afterAll(() => azurite.stop());

  let env: CliEnv;
  let repo: TableRolloutRepository;
  let table: EntityTable;
  beforeEach(async () => {
    const prefix = `p${randomUUID().replace(/-/g, '')}`;
    env = {
      STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_ACCOUNT_KEY};TableEndpoint=${azurite.endpoint};`,
      TABLE_PREFIX: prefix,
      ROLLOUT_ADMINS: ADMIN.id,
      DATA_DIR: join(dir, 'data'),
    };
    table = await azureTableFor(azurite.endpoint, tableName(prefix, 'Rollouts'));
    repo = new TableRolloutRepository(table);
  });

  const store = async (rollout: Rollout): Promise<Rollout> => {
    await repo.commit(TENANT, { rollout, ifMatch: null, audit: [], processed: null });
    return rollout;
  };
  const stored = async (id: string): Promise<Rollout> => {
    const found = await repo.get(TENANT, id);
    if (!found) throw new Error(`no rollout ${id}`);
    return found.value;
  };

  const changed = (spec: PlanSpec): void => {
    spec.businessPurpose = 'Keep every device supported';
    spec.phases.pilot.targetGroups = ['IT', 'Helpdesk'];
    spec.phases.enterprise.waves = [
      {
        id: 'berlin',
        name: 'Berlin',
        kind: 'geography',
        enrollment: 'tech-fair',
        groupId: null,
        members: [],
        timeFrame: { start: '2026-05-04', end: '2026-05-08' },
        targetGroups: [],
        checklist: [{ id: 'wave-comms', text: 'Users are told' }],
        criteria: [{ id: 'checklist', kind: 'checklist-complete' }],
        willingness: 'high',
        users: 120,
        devices: 150,
        platforms: ['windows'],
        requirements: '',
        geography: 'Berlin',
        businessRisk: 'low',
        feedback: defaultFeedbackPlan(),
        readiness: defaultReadinessPlan(),
      },
    ];
  };

  it('applies the file as an admin, with --tenant, and audits the plan before and after', async () => {
    const rollout = await store(newRollout());
    const path = file('plan.yaml', planFile(rollout, changed));
    const run = await cli(
      ['apply', path, '--rollout', rollout.id, '--as', ADMIN.id, '--tenant', TENANT],
      env,
    );
    expect(run).toEqual({
      code: 0,
      out: 'Saved the plan of “Windows 11” (plan file); revision 2.\n',
      err: '',
    });
    const after = await stored(rollout.id);
    const expected = planOf(rollout);
    changed(expected);
    expect(planOf(after)).toEqual(expected);
    expect(after.planRevision).toBe(2);
    const [entry] = await repo.audit(TENANT, rollout.id, 5);
    expect(entry).toMatchObject({
      type: 'plan-changed',
      by: { id: ADMIN.id, name: 'command line' },
      summary: 'Changed the plan (plan file), now revision 2',
    });
    expect(JSON.parse(entry?.before ?? 'null')).toEqual(planOf(rollout));
    expect(JSON.parse(entry?.after ?? 'null')).toEqual(expected);
  });

  it('a changed pilot supersedes its open readiness request and posts a new one, through the Bot Connector', async () => {
    const connector = await new FakeConnector().start();
    try {
      const helpdesk = {
        conversationId: 'helpdesk-channel',
        conversationType: 'channel',
        serviceUrl: connector.url,
      };
      const signoffs = new TableSignoffRepository(
        await azureTableFor(azurite.endpoint, tableName(String(env.TABLE_PREFIX), 'Signoffs')),
      );
      // The bot has created its tables by the time a request exists.
      await azureTableFor(azurite.endpoint, tableName(String(env.TABLE_PREFIX), 'Feedback'));
      const base = newRollout();
      const rollout = await store({
        ...base,
        position: { phase: 'poc', wave: null },
        helpdesk,
        signoffs: { pilot: 'sg-old' },
      });
      await signoffs.create({
        id: 'sg-old',
        tenantId: TENANT,
        rolloutId: rollout.id,
        stageId: 'pilot',
        stageLabel: 'Pilot',
        policy: { kind: 'everyone' },
        allowNotReady: false,
        members: [ADMIN.id],
        deadline: null,
        fingerprint: readinessFingerprint(rollout, 'pilot'),
        status: 'open',
        supersededBy: null,
        createdBy: ADMIN,
        createdAt: NOW.toISOString(),
        postedTo: helpdesk,
        messageId: 'old-message',
      });
      const path = file('plan.yaml', planFile(rollout, changed));
      const run = await cli(['apply', path, '--rollout', rollout.id, '--as', ADMIN.id, '--tenant', TENANT], {
        ...env,
        ROLLOUT_HELPDESK: ADMIN.id,
      });
      expect(run).toMatchObject({ code: 0, err: '' });
      expect(run.out).toMatch(/Asked the help desk for readiness to enter Pilot/);
      expect((await signoffs.get(TENANT, rollout.id, 'sg-old'))?.request.value.status).toBe('superseded');
      const calls = connector.calls.filter((c) => c.conversationId === 'helpdesk-channel');
      expect(calls.map((c) => [c.method, c.activityId])).toEqual(
        expect.arrayContaining([
          ['POST', null],
          ['PUT', 'old-message'],
        ]),
      );
      expect((await stored(rollout.id)).signoffs?.pilot).not.toBe('sg-old');
    } finally {
      await connector.stop();
    }
  });

  it('finds the rollout’s tenant without --tenant; the creator is an admin too', async () => {
    const rollout = await store(newRollout('enrollment'));
    const path = file('plan.yaml', planFile(rollout, changed));
    const run = await cli(['apply', path, '--rollout', rollout.id, '--as', CREATOR.id], env);
    expect(run).toMatchObject({ code: 0, err: '' });
    expect((await stored(rollout.id)).businessPurpose).toBe('Keep every device supported');
  });

  it('applying the same file again changes nothing', async () => {
    const rollout = await store(newRollout());
    const path = file('plan.yaml', planFile(rollout));
    const run = await cli(['apply', path, '--rollout', rollout.id, '--as', ADMIN.id], env);
    expect(run).toEqual({ code: 0, out: 'Nothing changed in the plan.\n', err: '' });
    expect((await stored(rollout.id)).planRevision).toBe(1);
  });

  it('keeps checklist ticks for items whose id stays', async () => {
    const rollout = newRollout();
    tickFirstScopeItem(rollout);
    await store(rollout);
    const path = file(
      'plan.yaml',
      planFile(rollout, (spec) => {
        spec.phases.scope.checklist[0]!.text = 'Renamed';
      }),
    );
    expect((await cli(['apply', path, '--rollout', rollout.id, '--as', ADMIN.id], env)).code).toBe(0);
    expect((await stored(rollout.id)).phases[0]?.checklist[0]).toMatchObject({ text: 'Renamed', done: true });
  });

  it('refuses a non-admin, audits the attempt and changes nothing', async () => {
    const rollout = await store(newRollout());
    const path = file('plan.yaml', planFile(rollout, changed));
    const run = await cli(['apply', path, '--rollout', rollout.id, '--as', MEMBER.id], env);
    expect(run.code).toBe(1);
    expect(run.out).toBe('');
    expect(run.err).toMatch(/only the rollout's admins can use `plan apply`/);
    expect(run.err).toMatch(new RegExp(`${MEMBER.id} is not an admin of this rollout`));
    expect(await stored(rollout.id)).toEqual(rollout);
    const [entry] = await repo.audit(TENANT, rollout.id, 5);
    expect(entry).toMatchObject({ type: 'access-denied', by: { id: MEMBER.id, name: 'command line' } });
  });

  it('refuses a change to a passed phase, but accepts the file when the passed phase is unchanged', async () => {
    const rollout = await store(newRollout());
    const deps = {
      rollouts: repo,
      feedback: new TableFeedbackRepository(new MemoryTable()),
      signoffs: new TableSignoffRepository(new MemoryTable()),
      audiences: new TableAudienceRepository(new MemoryTable()),
      clock: { now: () => NOW },
      access: { admins: new Set([ADMIN.id]), everyoneIsAdmin: false },
      settings: { defaultTimeZone: 'UTC' },
    };
    const advanced = await advancePhase(deps, {
      tenantId: TENANT,
      rolloutId: rollout.id,
      by: ADMIN,
      activityKey: null,
      command: 'advance phase',
      force: { reason: 'scope agreed in the kickoff' },
    });
    expect(advanced.kind).toBe('done');
    const current = await stored(rollout.id);
    expect(current.position.phase).toBe('poc');

    const passed = file(
      'passed.yaml',
      planFile(current, (spec) => {
        spec.phases.scope.targetGroups = ['Too late'];
      }),
    );
    const refused = await cli(['apply', passed, '--rollout', rollout.id, '--as', ADMIN.id], env);
    expect(refused).toEqual({
      code: 1,
      out: '',
      err: 'Refused: Project scope has passed; its plan can no longer change.\n',
    });
    expect(await stored(rollout.id)).toEqual(current);

    const later = file('later.yaml', planFile(current, changed));
    const accepted = await cli(['apply', later, '--rollout', rollout.id, '--as', ADMIN.id], env);
    expect(accepted.code).toBe(0);
    expect((await stored(rollout.id)).phases[3]?.waves.map((w) => w.id)).toEqual(['berlin']);
  });

  it('a rollout that does not exist: exit 1', async () => {
    const path = file('plan.yaml', planFile(newRollout()));
    const found = await cli(['apply', path, '--rollout', 'ro-none', '--as', ADMIN.id], env);
    expect(found.code).toBe(1);
    expect(found.err).toMatch(/^No rollout with id ro-none in Azure Table Storage \(connection string\)\.$/m);
    const withTenant = await cli(
      ['apply', path, '--rollout', 'ro-none', '--as', ADMIN.id, '--tenant', TENANT],
      env,
    );
    expect(withTenant).toEqual({ code: 1, out: '', err: 'No rollout with id ro-none.\n' });
  });

  it('a table that does not exist: exit 1, naming it', async () => {
    const path = file('plan.yaml', planFile(newRollout()));
    const run = await cli(['apply', path, '--rollout', 'ro-1', '--as', ADMIN.id, '--tenant', TENANT], {
      ...env,
      TABLE_PREFIX: 'nothingHere',
    });
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/The table nothingHereRollouts does not exist/);
  });
});

describe('apply through the running bot’s Azurite (DATA_DIR)', () => {
  it('uses the Azurite recorded in DATA_DIR and starts no other', async () => {
    const dataDir = join(dir, 'data');
    const azurite = await startEmbeddedAzurite({ dataDir });
    try {
      const state = readFileSync(azuriteStatePath(dataDir), 'utf8');
      const prefix = `p${randomUUID().replace(/-/g, '')}`;
      const repo = new TableRolloutRepository(
        await azureTableFor(azurite.endpoint, tableName(prefix, 'Rollouts')),
      );
      const rollout = newRollout();
      await repo.commit(TENANT, { rollout, ifMatch: null, audit: [], processed: null });
      const path = file(
        'plan.yaml',
        planFile(rollout, (spec) => {
          spec.app.intuneAppId = '0b7c5a36-8e5e-4f5b-9d8f-3a7c1f0f0a01';
        }),
      );
      const spawn = jest.spyOn(childProcess, 'spawn');
      let run: Run;
      try {
        // Anonymous mode (no MicrosoftAppId) with no admins: everyone is an admin.
        run = await cli(['apply', path, '--rollout', rollout.id, '--as', MEMBER.id], {
          DATA_DIR: dataDir,
          TABLE_PREFIX: prefix,
        });
        expect(spawn).not.toHaveBeenCalled();
      } finally {
        spawn.mockRestore();
      }
      expect(run.code).toBe(0);
      expect(run.out).toBe('Saved the plan of “Windows 11” (plan file); revision 2.\n');
      expect(run.err).toMatch(/anonymous mode .*everyone is an admin/);
      expect((await repo.get(TENANT, rollout.id))?.value.app.intuneAppId).toBe(
        '0b7c5a36-8e5e-4f5b-9d8f-3a7c1f0f0a01',
      );
      expect(readFileSync(azuriteStatePath(dataDir), 'utf8')).toBe(state);
    } finally {
      await azurite.stop();
    }
  });
});

import { TableRolloutRepository } from '../../src/storage/rollout-repository';
import { emptyAudience } from '../../src/domain/audience';
import { ADELE, cardText, fact, invoke, LEE, message, TENANT } from '../support/activities';
import { startAuthenticatedHarness, type AuthenticatedHarness } from '../support/authenticated-harness';
import { FakeGraph, fakeGraphConfig, trustingFetch } from '../support/fake-graph';

/**
 * Microsoft Graph end to end: the real server (authenticated), the real Graph client and
 * `ClientSecretCredential` against a fake Graph over HTTPS. Roles come from an admin group, a
 * stage's audience from an Entra group (resolved after the advance into a snapshot), the feedback
 * gate reads the snapshot, and Graph failures fail closed with a plain message.
 */
const ADMINS = 'a0000000-0000-4000-8000-0000000000ad';
const PILOTS = 'b0000000-0000-4000-8000-0000000000b1';
const GRACE = { id: '00000000-0000-4000-8000-0000000000b7', name: 'Grace Group-Admin' };
const PIA = { id: '00000000-0000-4000-8000-0000000000b8', name: 'Pia Pilot' };
const GUS = { id: '00000000-0000-4000-8000-0000000000b9', name: 'Gus Guest' };

let fake: FakeGraph;
let h: AuthenticatedHarness;
type Person = { id: string; name: string };

const graphEnv = (): Record<string, string> => {
  const { GRAPH_AUTH, GRAPH_BASE_URL, GRAPH_AUTHORITY_HOST } = fakeGraphConfig(fake);
  return { GRAPH_AUTH, GRAPH_BASE_URL, GRAPH_AUTHORITY_HOST, ADMIN_GROUP_IDS: ADMINS };
};

const say = async (text: string, from: Person = ADELE, scope: 'channel' | 'personal' = 'channel') => {
  const res = await h.post(message(text, { serviceUrl: h.connector.url, from, scope }), {
    Authorization: h.validAuthorization(),
  });
  await h.server.settled();
  return res;
};
const lastText = (): string => h.connector.texts().at(-1) ?? '';
const lastCard = (): Record<string, unknown> => h.connector.cards().at(-1) ?? {};

beforeAll(async () => {
  fake = await new FakeGraph().start();
  fake.tenant(TENANT, {
    roles: [
      'User.Read.All',
      'GroupMember.Read.All',
      'Group.Read.All',
      'DeviceManagementManagedDevices.Read.All',
    ],
    users: [
      { id: GRACE.id, displayName: GRACE.name },
      { id: PIA.id, displayName: PIA.name, department: 'Finance', usageLocation: 'DE' },
      { id: GUS.id, displayName: GUS.name, userType: 'Guest' },
      { id: LEE.id, displayName: LEE.name },
    ],
    groups: [
      { id: ADMINS, displayName: 'Rollout admins', members: [GRACE.id] },
      { id: PILOTS, displayName: 'Pilot users', members: [PIA.id, GUS.id, 'device-1'] },
    ],
    others: [{ id: 'device-1', type: '#microsoft.graph.device' }],
    devices: [{ id: 'd-1', userId: PIA.id, operatingSystem: 'Windows' }],
  });
  h = await startAuthenticatedHarness({
    env: graphEnv(),
    graph: {
      options: {
        credential: { tlsOptions: { ca: fake.ca } },
        fetch: trustingFetch(fake.ca),
        timing: { wait: async () => undefined, now: () => Date.now() },
      },
    },
  });
});

afterAll(async () => {
  await h?.close();
  await fake?.stop();
});

describe('Microsoft Graph: roles, audiences and the gate', () => {
  let rolloutId = '';

  it('a member of ADMIN_GROUP_IDS may create a rollout; someone else may not', async () => {
    await say('rollout new Contoso Copilot', LEE);
    expect(lastText()).toMatch(/only the rollout's admins/);
    await say('rollout new Contoso Copilot', GRACE);
    rolloutId = fact(lastCard(), 'Rollout id') ?? '';
    expect(rolloutId).not.toBe('');
    // The group was checked through Graph with the bot's own token for the tenant.
    const checks = fake.callsTo(/checkMemberGroups/);
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every((c) => /^Bearer /.test(c.headers.authorization ?? ''))).toBe(true);
    expect(fake.tokenRequests.map((r) => r.tenant)).toContain(TENANT);
  });

  it('entering a stage resolves its audience from the group; `audience` shows it', async () => {
    const repo = new TableRolloutRepository(h.table);
    const stored = await repo.get(TENANT, rolloutId);
    if (!stored) throw new Error('no rollout');
    const phases = stored.value.phases.map((p) =>
      p.key === 'pilot' ? { ...p, audience: { ...emptyAudience(), groups: [PILOTS] } } : p,
    );
    await repo.commit(TENANT, {
      rollout: { ...stored.value, phases },
      ifMatch: stored.etag,
      audit: [],
      processed: null,
    });
    await say(`advance phase ${rolloutId} --force "scope agreed"`, GRACE);
    await say(`advance phase ${rolloutId} --force "poc done"`, GRACE);
    expect(lastText()).toMatch(/to Pilot/);
    await say(`audience ${rolloutId}`, ADELE);
    const text = cardText(lastCard());
    expect(text).toContain('1 person');
    expect(text).toMatch(/Left out: 1 guest, 1 member that is not a user/);
    expect(text).toContain('Pia Pilot'); // names for admins
    await say(`audience ${rolloutId}`, LEE);
    expect(cardText(lastCard())).not.toContain('Pia Pilot'); // counts only for others
    await say(`plan ${rolloutId}`, LEE);
    expect(cardText(lastCard())).toContain('audience: 1 person in Entra ID');
    const edit = await h.post(
      invoke(
        'plan.edit',
        { rolloutId, revision: 2, section: 'phase', phase: 'pilot', waveId: '' },
        {
          serviceUrl: h.connector.url,
          from: ADELE,
        },
      ),
      { Authorization: h.validAuthorization() },
    );
    expect(cardText((edit.body as { value: unknown }).value)).toMatch(/Resolved: 1 person in Entra ID \(/);
  });

  it('the feedback gate reads the snapshot: the group member answers, others are told why not', async () => {
    const before = fake.callsTo(/checkMemberGroups/).length;
    await say(`feedback ${rolloutId}`, PIA, 'personal');
    expect(JSON.stringify(lastCard())).toContain('feedback.submit');
    await say(`feedback ${rolloutId}`, GUS, 'personal');
    expect(lastText()).toMatch(/not listed among them/);
    // Only the admin-role checks (one per new person) reached Graph, no membership check.
    const bodies = fake
      .callsTo(/checkMemberGroups/)
      .slice(before)
      .map((c) => JSON.stringify(c.body));
    expect(bodies.every((b) => b.includes(ADMINS) && !b.includes(PILOTS))).toBe(true);
  });

  it('when Graph cannot answer, a group admin is told plainly and nothing changes; listed roles still work', async () => {
    h.clock.advance(5 * 60_000 + 1); // the role cache has expired
    fake.fault({ path: /checkMemberGroups/, status: 503, times: Infinity });
    try {
      await say('rollout new Another rollout', GRACE);
      expect(lastText()).toMatch(/cannot check your role right now/);
      expect((await new TableRolloutRepository(h.table).list(TENANT)).map((r) => r.name)).toEqual([
        'Contoso Copilot',
      ]);
      // The rollout's creator and a listed admin still are admins.
      await say(`audience refresh ${rolloutId}`, GRACE);
      expect(lastText()).toMatch(/Resolving the audience of Pilot/);
      await say(`status ${rolloutId}`, ADELE);
      expect(fact(lastCard(), 'Current phase')).toMatch(/^Pilot/);
    } finally {
      fake.clearFaults();
    }
  });

  it('a refresh that fails says so and leaves the previous snapshot in force', async () => {
    fake.fault({ path: /transitiveMembers/, status: 404, times: 1 });
    await say(`audience refresh ${rolloutId}`, ADELE);
    expect(h.connector.texts().join('\n')).toMatch(/Resolving the audience of Pilot/);
    expect(JSON.stringify(h.connector.cards().at(-1))).toMatch(/was not resolved: the members of group/);
    await say(`audience ${rolloutId}`, ADELE);
    expect(cardText(lastCard())).toContain('1 person');
  });
});

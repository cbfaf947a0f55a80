import { emptyAudience } from '../../src/domain/audience';
import type { Directory } from '../../src/app/ports';
import { MemoryTable } from '../../src/storage/memory-table';
import { TableRolloutRepository } from '../../src/storage/rollout-repository';
import { ADELE, cardText, fact, message, TENANT } from '../support/activities';
import { startAuthenticatedHarness, type AuthenticatedHarness } from '../support/authenticated-harness';
import { FakeGraph, fakeGraphConfig, trustingFetch, type FakeAssignment } from '../support/fake-graph';
import { MemoryDirectory } from '../support/memory-directory';

/**
 * Intune assignment end to end: the authenticated server with INTUNE_ASSIGN, the real Graph
 * client against the fake Graph. The advance answers first; the assignment (one POST) follows,
 * is reported in the conversation and shown by `status`; a process that dies between the commit
 * and the assignment leaves it to the next start, which assigns it once.
 */
const APP = 'c0000000-0000-4000-8000-0000000000a9';
const PILOTS = 'b0000000-0000-4000-8000-0000000000b1';
const OTHERS = 'b0000000-0000-4000-8000-0000000000b2';

let fake: FakeGraph;
let appAssignments: FakeAssignment[];

const start = (table: MemoryTable, directory?: Directory) => {
  const { GRAPH_AUTH, GRAPH_BASE_URL, GRAPH_AUTHORITY_HOST } = fakeGraphConfig(fake);
  return startAuthenticatedHarness({
    table,
    env: { GRAPH_AUTH, GRAPH_BASE_URL, GRAPH_AUTHORITY_HOST, INTUNE_ASSIGN: 'true' },
    graph: directory
      ? { directory }
      : {
          options: {
            credential: { tlsOptions: { ca: fake.ca } },
            fetch: trustingFetch(fake.ca),
            timing: { wait: async () => undefined, now: () => Date.now() },
          },
        },
  });
};

const say = async (h: AuthenticatedHarness, text: string) => {
  await h.post(message(text, { serviceUrl: h.connector.url, from: ADELE, scope: 'channel' }), {
    Authorization: h.validAuthorization(),
  });
  await h.server.settled();
  return h.connector.texts().at(-1) ?? '';
};

/** A new rollout whose proof of concept is for PILOTS, with the Intune app APP. */
const rolloutForPilots = async (h: AuthenticatedHarness): Promise<string> => {
  await say(h, 'rollout new Contoso Copilot');
  const rolloutId = fact(h.connector.cards().at(-1), 'Rollout id') ?? '';
  const repo = new TableRolloutRepository(h.table);
  const stored = await repo.get(TENANT, rolloutId);
  if (!stored) throw new Error('no rollout');
  await repo.commit(TENANT, {
    rollout: {
      ...stored.value,
      app: { ...stored.value.app, intuneAppId: APP },
      phases: stored.value.phases.map((p) =>
        p.key === 'poc' ? { ...p, audience: { ...emptyAudience(), groups: [PILOTS] } } : p,
      ),
    },
    ifMatch: stored.etag,
    audit: [],
    processed: null,
  });
  return rolloutId;
};

const posts = () =>
  fake.callsTo(/\/deviceAppManagement\/mobileApps\/[^/]+\/assignments$/).filter((c) => c.method === 'POST');

beforeEach(async () => {
  fake = await new FakeGraph().start();
  appAssignments = [
    {
      id: 'kept',
      intent: 'required',
      target: { '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget', groupId: OTHERS },
      settings: null,
    },
  ];
  fake.tenant(TENANT, {
    roles: ['GroupMember.Read.All', 'DeviceManagementApps.ReadWrite.All'],
    groups: [
      { id: PILOTS, displayName: 'Pilot users', members: [] },
      { id: OTHERS, displayName: 'Others', members: [] },
    ],
    apps: { [APP]: appAssignments },
  });
});
afterEach(() => fake.stop());

describe('Intune assignment through the server', () => {
  it('advance phase answers, then assigns the group once (existing assignment kept), reports it; status shows it', async () => {
    const h = await start(new MemoryTable());
    try {
      const rolloutId = await rolloutForPilots(h);
      const texts = h.connector.texts().length;
      await say(h, `advance phase ${rolloutId} --force "scope agreed"`);
      expect(h.connector.texts()[texts]).toMatch(/Intune: assigning app .* to 1 group \(required\) next/);
      expect(posts()).toHaveLength(1);
      expect(posts()[0]?.body).toMatchObject({
        intent: 'required',
        target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: PILOTS },
      });
      expect(appAssignments.map((a) => a.target.groupId)).toEqual([OTHERS, PILOTS]);
      expect(cardText(h.connector.cards().at(-1))).toContain(`✅ Intune: app ${APP} for Proof of concept`);
      await say(h, `status ${rolloutId}`);
      expect(cardText(h.connector.cards().at(-1))).toContain(
        `Intune: ${APP} — assigned to 1 group (required) · last read`,
      );
    } finally {
      await h.close();
    }
  });

  it('a process that dies after the commit, before the assignment: the next start assigns it exactly once', async () => {
    const table = new MemoryTable();
    // Graph never answers the first process's read of the assignments: it "dies" with the row committed.
    const stuck = new MemoryDirectory();
    stuck.appAssignments = () => new Promise(() => {});
    const first = await start(table, stuck);
    const rolloutId = await rolloutForPilots(first);
    await first.post(
      message(`advance phase ${rolloutId} --force x`, {
        serviceUrl: first.connector.url,
        from: ADELE,
        scope: 'channel',
      }),
      { Authorization: first.validAuthorization() },
    );
    await first.server.inFlight.drain(10_000);
    await first.close();
    expect(await new TableRolloutRepository(table).pendingAssignments(10)).toHaveLength(1);
    expect(posts()).toHaveLength(0);

    const next = await start(table);
    try {
      // Recovery at start (its report goes to the first process's connector, which is gone: retried
      // by the SDK for a few seconds, then logged; the result is stored all the same).
      await next.server.settled();
      expect(posts()).toHaveLength(1);
      expect(await new TableRolloutRepository(table).pendingAssignments(10)).toEqual([]);
      await next.sweep();
      await next.server.settled();
      expect(posts()).toHaveLength(1);
    } finally {
      await next.close();
    }
  });
});

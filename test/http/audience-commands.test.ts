import { NO_GRAPH } from '../../src/app/audience-refresh';
import { emptyAudience } from '../../src/domain/audience';
import { TableRolloutRepository } from '../../src/storage/rollout-repository';
import { ADELE, cardText, fact, LEE, message, TENANT } from '../support/activities';
import { startHarness, type Harness } from '../support/harness';

/** `audience` and `audience refresh` without Microsoft Graph (GRAPH_AUTH=none, the default). */
let h: Harness;
let rolloutId = '';
const say = async (text: string, from = ADELE) => {
  await h.post(message(text, { serviceUrl: h.connector.url, from }));
  await h.server.settled();
};
const lastText = () => h.connector.texts().at(-1) ?? '';
const lastCard = () => h.connector.cards().at(-1) ?? {};
const PILOT_GROUP = 'b0000000-0000-4000-8000-0000000000b1';

beforeAll(async () => {
  h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id } });
  await say('rollout new Copilot');
  rolloutId = fact(lastCard(), 'Rollout id') ?? '';
  // The pilot names a group and two listed members.
  const repo = new TableRolloutRepository(h.table);
  const stored = await repo.get(TENANT, rolloutId);
  if (!stored) throw new Error('no rollout');
  const audience = { ...emptyAudience(), groups: [PILOT_GROUP], members: [ADELE.id, LEE.id] };
  const phases = stored.value.phases.map((p) => (p.key === 'pilot' ? { ...p, audience } : p));
  await repo.commit(TENANT, {
    rollout: { ...stored.value, phases },
    ifMatch: stored.etag,
    audit: [],
    processed: null,
  });
});
afterAll(() => h.close());

it('audience --stage shows the definition and says the groups are not resolved without Graph', async () => {
  await say(`audience ${rolloutId} --stage pilot`, LEE);
  const text = cardText(lastCard());
  expect(text).toContain('Audience of Pilot');
  expect(text).toContain(`Entra groups: ${PILOT_GROUP}`);
  expect(text).toContain('Listed members: 2');
  expect(text).toContain('Microsoft Graph is not configured');
  expect(JSON.stringify(lastCard())).not.toContain('audience refresh'); // no Refresh button without Graph
});

it('an unknown --stage names the stages there are', async () => {
  await say(`audience ${rolloutId} --stage pilot/nope`);
  expect(lastText()).toMatch(/has no phase or wave “pilot\/nope”\. Use one of: `scope`, `poc`, `pilot`/);
});

it('audience refresh: admins only, and without Graph there is nothing to resolve', async () => {
  await say(`audience refresh ${rolloutId}`, LEE);
  expect(lastText()).toMatch(/only the rollout's admins/);
  await say(`audience refresh ${rolloutId} --stage pilot`);
  expect(lastText()).toBe(NO_GRAPH);
});

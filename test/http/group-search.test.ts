import { ADELE, invoke, LEE, message, searchInvoke, TENANT } from '../support/activities';
import { startAuthenticatedHarness, type AuthenticatedHarness } from '../support/authenticated-harness';
import { formValues, requireAction, type Card } from '../support/cards';
import { FakeGraph, trustingFetch } from '../support/fake-graph';
import { startHarness, type Harness } from '../support/harness';

/**
 * Picking groups in the plan forms through the real server: the typeahead's `application/search`
 * invokes answered from a fake Microsoft Graph over HTTPS (the bot's own credential and Graph
 * client), and the picked ids saved with the pasted ones. Without Graph, pasting still works.
 */
const PILOT = { id: '0a000000-0000-4000-8000-000000000001', displayName: 'Pilot users' };
const PILOT_EU = { id: '0a000000-0000-4000-8000-000000000002', displayName: 'Pilot users EU' };
const OTHER_TENANT = '72f988bf-0000-4000-8000-0000000000ff';
const QUOTED = { id: '0a000000-0000-4000-8000-000000000003', displayName: 'R&D "core" \\ team' };

const searchResponse = (results: { title: string; value: string }[]) => ({
  statusCode: 200,
  type: 'application/vnd.microsoft.search.searchResponse',
  value: { results },
});

/** Opens the pilot phase's form and returns it with a submit that merges changes into its values. */
const pilotForm = async (h: Harness, headers: () => Record<string, string>) => {
  const post = async (activity: unknown) => {
    const res = await h.post(activity, headers());
    expect(res.status).toBe(200);
    return res;
  };
  const click = async (verb: string, data: unknown): Promise<Card> => {
    const res = await post(invoke(verb, data, { serviceUrl: h.connector.url, scope: 'personal' }));
    const body = res.body as { statusCode: number; value: Card };
    if (body.statusCode !== 200) throw new Error(`invoke failed: ${JSON.stringify(body)}`);
    return body.value;
  };
  await post(message('rollout new Teams Premium', { serviceUrl: h.connector.url }));
  await post(message('plan', { serviceUrl: h.connector.url }));
  const plan = h.connector.cards().at(-1) as Card;
  const open = () =>
    click(
      'plan.edit',
      requireAction(plan, 'plan.edit', (d) => d.section === 'phase' && d.phase === 'pilot').data,
    );
  const form = await open();
  const submit = (changes: Record<string, string>) =>
    click('plan.save', { ...requireAction(form, 'plan.save').data, ...formValues(form), ...changes });
  return { form, open, submit };
};

/** The typeahead inputs of a card: id, style, multi-select, static choices, dataset, placeholder. */
const pickers = (card: unknown): unknown[] => {
  const found: unknown[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.type === 'Input.ChoiceSet' && n['choices.data'])
      found.push({
        id: n.id,
        style: n.style,
        isMultiSelect: n.isMultiSelect,
        choices: n.choices,
        data: n['choices.data'],
        placeholder: n.placeholder,
      });
    Object.values(n).forEach(walk);
  };
  walk(card);
  return found;
};

describe('with Microsoft Graph (a fake over HTTPS)', () => {
  let fake: FakeGraph;
  let h: AuthenticatedHarness;
  const auth = () => ({ authorization: h.validAuthorization() });
  const search = async (value: Record<string, unknown>, from = ADELE) => {
    const res = await h.post(searchInvoke(value, { serviceUrl: h.connector.url, from }), auth());
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeEach(async () => {
    fake = await new FakeGraph().start();
    fake.tenant(TENANT, {
      roles: ['Group.Read.All', 'GroupMember.Read.All', 'User.Read.All'],
      groups: [PILOT, PILOT_EU, QUOTED],
    });
    fake.tenant(OTHER_TENANT, {
      roles: ['Group.Read.All'],
      groups: [{ id: '0b000000-0000-4000-8000-000000000001', displayName: 'Pilot users elsewhere' }],
    });
    h = await startAuthenticatedHarness({
      env: { GRAPH_AUTH: 'secret', GRAPH_BASE_URL: fake.url, GRAPH_AUTHORITY_HOST: fake.url },
      graph: { options: { credential: { tlsOptions: { ca: fake.ca } }, fetch: trustingFetch(fake.ca) } },
    });
  });
  afterEach(async () => {
    await h.close();
    await fake.stop();
  });

  it("an admin's typeahead finds the groups of their own tenant by name, the text escaped for $search", async () => {
    expect(await search({ queryText: 'pilot' })).toEqual(
      searchResponse([
        { title: 'Pilot users', value: PILOT.id },
        { title: 'Pilot users EU', value: PILOT_EU.id },
      ]),
    );
    expect(await search({ queryText: ' "core" \\ ' })).toEqual(
      searchResponse([{ title: QUOTED.displayName, value: QUOTED.id }]),
    );
    // The fake unescapes the $search clause: what it matched is what was typed (trimmed).
    expect(fake.searches).toEqual(['pilot', '"core" \\']);
    expect(fake.callsTo('/groups').map((c) => c.headers.consistencylevel)).toEqual(['eventual', 'eventual']);
    // The same admin in another tenant finds that tenant's groups, not these.
    const elsewhere = searchInvoke({ queryText: 'pilot' }, { serviceUrl: h.connector.url });
    elsewhere.channelData = { tenant: { id: OTHER_TENANT } };
    elsewhere.conversation = { ...(elsewhere.conversation as object), tenantId: OTHER_TENANT };
    expect((await h.post(elsewhere, auth())).body).toEqual(
      searchResponse([{ title: 'Pilot users elsewhere', value: '0b000000-0000-4000-8000-000000000001' }]),
    );
  });

  it('someone who may not edit plans is refused without a group search', async () => {
    expect(await search({ queryText: 'users eu' })).toEqual(
      searchResponse([{ title: 'Pilot users EU', value: PILOT_EU.id }]),
    );
    expect(await search({ queryText: 'pilot' }, LEE)).toEqual({
      statusCode: 400,
      type: 'application/vnd.microsoft.error',
      value: { code: 'Forbidden', message: 'Only rollout admins can search groups.' },
    });
    expect(fake.searches).toEqual(['users eu']);
  });

  it('a 403 from Graph (Group.Read.All not granted) is an error naming the permission', async () => {
    fake.fault({ path: '/groups', status: 403, times: Infinity });
    expect(await search({ queryText: 'pilot' })).toEqual({
      statusCode: 500,
      type: 'application/vnd.microsoft.error',
      value: { code: 'GraphPermissionMissing', message: expect.stringContaining('Group.Read.All') },
    });
  });

  it('the phase form picks groups by name; picked ids are saved with the pasted ones, each once', async () => {
    const { form, open, submit } = await pilotForm(h, auth);
    const picker = (id: string) => ({
      id,
      style: 'filtered',
      isMultiSelect: true,
      choices: [],
      data: { type: 'Data.Query', dataset: 'entra-groups' },
      placeholder: 'Search groups (Teams)',
    });
    expect(pickers(form)).toEqual([picker('f_audienceGroupPicks'), picker('f_signoffGroupPicks')]);
    const saved = await submit({
      f_audienceGroups: PILOT.id,
      f_audienceGroupPicks: `${PILOT.id.toUpperCase()},${PILOT_EU.id},${PILOT_EU.id}`,
      f_signoffGroupPicks: QUOTED.id,
    });
    expect(JSON.stringify(saved)).not.toContain('Nothing was saved');
    const again = formValues(await open());
    expect(again.f_audienceGroups).toBe(`${PILOT.id}\n${PILOT_EU.id}`);
    expect(again.f_signoffGroups).toBe(QUOTED.id);
    expect(again.f_audienceGroupPicks).toBe('');
  });

  it('a picked id is checked as a pasted one: a bad one comes back in the groups field, nothing saved', async () => {
    const { open, submit } = await pilotForm(h, auth);
    const refused = await submit({ f_audienceGroups: PILOT.id, f_audienceGroupPicks: 'not-a-group' });
    expect(JSON.stringify(refused)).toContain('Nothing was saved');
    expect(formValues(refused).f_audienceGroups).toBe(`${PILOT.id}\nnot-a-group`);
    expect(formValues(refused).f_audienceGroupPicks).toBe('');
    expect(formValues(await open()).f_audienceGroups).toBe('');
  });
});

describe('without Microsoft Graph (the Agents Playground, GRAPH_AUTH none)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id } });
  });
  afterEach(() => h.close());

  it('a search says group search needs Graph; pasting group ids saves them', async () => {
    const res = await h.post(searchInvoke({ queryText: 'pilot' }, { serviceUrl: h.connector.url }));
    expect(res.body).toEqual({
      statusCode: 400,
      type: 'application/vnd.microsoft.error',
      value: { code: 'GraphNotConfigured', message: expect.stringContaining('paste the group') },
    });
    const { open, submit } = await pilotForm(h, () => ({}));
    await submit({ f_audienceGroups: `${PILOT.id}, ${PILOT_EU.id}`, f_audienceGroupPicks: '' });
    expect(formValues(await open()).f_audienceGroups).toBe(`${PILOT.id}\n${PILOT_EU.id}`);
  });
});

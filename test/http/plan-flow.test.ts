import { ADELE, cardText, fact, findAction, invoke, LEE, message } from '../support/activities';
import { formValues, requireAction, type Card } from '../support/cards';
import { startHarness, type Harness } from '../support/harness';
import { CHECKLISTS } from '../../src/domain/templates';

/** What an advance into a stage with no announce setting (prompt) adds to its reply. */
const PREVIEW_FOLLOWS =
  "A preview of the announcement follows in the rollout's conversation: Send or Skip it there.";

/** Planning a rollout in Teams as an admin does: the plan card, section forms, waves, files. */
let h: Harness;
const say = (text: string, from = ADELE) => h.post(message(text, { serviceUrl: h.connector.url, from }));
const click = async (verb: string, data: unknown, from = ADELE): Promise<Card> => {
  const res = await h.post(invoke(verb, data, { serviceUrl: h.connector.url, scope: 'personal', from }));
  expect(res.status).toBe(200);
  const body = res.body as { statusCode: number; value: Card };
  if (body.statusCode !== 200) throw new Error(`invoke failed: ${JSON.stringify(body)}`);
  return body.value;
};
const lastCard = () => h.connector.cards().at(-1) as Card;
const action = requireAction;
/** Submits a form: its own values, some changed, merged into the Save button's data. */
const submit = (form: Card, changes: Record<string, string>, verb = 'plan.save', from = ADELE) =>
  click(verb, { ...action(form, verb).data, ...formValues(form), ...changes }, from);

const openPlan = async () => {
  await say('plan');
  return lastCard();
};

beforeEach(async () => {
  h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id } });
});
afterEach(() => h.close());

it('the enrollment template plans a pilot in stages starting with IT users, in the sender’s time zone', async () => {
  await say('rollout new Intune enrollment --template enrollment');
  const plan = await openPlan();
  expect(fact(plan, 'Template')).toBe('Endpoint Manager enrollment');
  expect(fact(plan, 'Time zone')).toBe('America/Los_Angeles');
  expect(cardText(plan)).toMatch(/1\. IT users[\s\S]*2\. More IT users[\s\S]*3\. Other groups/);
  expect(cardText(plan)).toContain('**Production rollout**');
});

it('edits a phase: invalid input comes back inline and saves nothing; valid input is saved and audited', async () => {
  await say('rollout new Teams Premium');
  const plan = await openPlan();
  const form = await click(
    'plan.edit',
    action(plan, 'plan.edit', (d) => d.section === 'phase' && d.phase === 'pilot').data,
  );
  const bad = await submit(form, {
    f_startDate: '2026-05-10',
    f_endDate: '2026-05-01',
    f_selfHelpUrl: 'ftp://x',
  });
  expect(cardText(bad)).toContain('Nothing was saved');
  expect(cardText(bad)).toContain('must not be before the start (2026-05-10)');
  expect(cardText(bad)).toContain('must be empty or an https:// URL');
  expect(formValues(bad).f_startDate).toBe('2026-05-10'); // what the person typed is kept
  expect(fact(await openPlan(), 'Plan revision')).toBe('1');

  const saved = await submit(form, {
    f_startDate: '2026-05-01',
    f_startTime: '09:00',
    f_endDate: '2026-05-31',
    f_targetGroups: 'Pilot ring\nIT champions',
    f_goals: '80% of pilot users open it weekly',
    f_whatIsDeployed: 'Teams Premium licences',
    f_selfHelpUrl: 'https://contoso.sharepoint.com/teams-premium',
  });
  expect(fact(saved, 'Plan revision')).toBe('2');
  expect(cardText(saved)).toContain('2026-05-01 09:00 → 2026-05-31');
  expect(cardText(saved)).toContain('Pilot ring, IT champions');
  expect(cardText(saved)).toContain('80% of pilot users open it weekly');
  await say('status');
  expect(cardText(lastCard())).toContain('Changed the plan (phase pilot), now revision 2');
});

it('a form made on an older revision is refused and shows the fresh section', async () => {
  await say('rollout new Teams Premium');
  const plan = await openPlan();
  const edit = action(plan, 'plan.edit', (d) => d.section === 'phase' && d.phase === 'poc').data;
  const first = await click('plan.edit', edit);
  const second = await click('plan.edit', edit);
  await submit(first, { f_targetGroups: 'Lab users' });
  const stale = await submit(second, { f_targetGroups: 'Someone else' });
  expect(cardText(stale)).toContain('The plan changed since this form was opened (revision 1, now 2)');
  expect(formValues(stale).f_targetGroups).toBe('Lab users');
  expect(cardText(await openPlan())).toContain('Lab users');
});

it('passed phases are read-only', async () => {
  await say('rollout new Teams Premium');
  const before = await openPlan();
  const scopeEdit = action(before, 'plan.edit', (d) => d.section === 'phase' && d.phase === 'scope').data;
  await say('advance phase --force "skip"');
  const plan = await openPlan();
  expect(findAction(plan, 'plan.edit', (d) => d.phase === 'scope')).toBeNull();
  const refused = await click('plan.edit', { ...scopeEdit, revision: 1 });
  expect(cardText(refused)).toContain('That phase has passed; its plan is read-only.');
  const forced = await click('plan.save', { ...scopeEdit, revision: 1, f_targetGroups: 'x' });
  expect(cardText(forced)).toContain('Project scope has passed; its plan can no longer change.');
});

it('adds waves, suggests an order (lower risk, higher willingness first) and applies it; moves and removes', async () => {
  await say('rollout new Teams Premium');
  const addWave = async (name: string, risk: string, willingness: string) => {
    const plan = await openPlan();
    const form = await click(
      'plan.edit',
      action(plan, 'plan.edit', (d) => d.section === 'wave' && d.phase === 'enterprise' && d.waveId === '')
        .data,
    );
    return submit(form, {
      f_name: name,
      f_kind: 'department',
      f_enrollment: 'self-service',
      f_businessRisk: risk,
      f_willingness: willingness,
      f_users: '120',
    });
  };
  await addWave('Finance', 'high', 'low');
  const plan = await addWave('IT department', 'low', 'high');
  expect(cardText(plan)).toMatch(/1\. Finance[\s\S]*2\. IT department/);
  expect(cardText(plan)).toContain(
    'Suggested order: Lower business risk and higher willingness for change first: IT department (risk low, willingness high) → Finance (risk high, willingness low).',
  );
  const reordered = await click('plan.reorder', action(plan, 'plan.reorder').data);
  expect(cardText(reordered)).toMatch(/1\. IT department[\s\S]*2\. Finance/);

  const wave = await click(
    'plan.edit',
    action(reordered, 'plan.edit', (d) => d.section === 'wave' && d.waveId === 'finance').data,
  );
  const badUsers = await submit(wave, { f_users: '-3' });
  expect(cardText(badUsers)).toContain('Must be a whole number, 0 or more.');
  const moved = await click('plan.move', action(wave, 'plan.move', (d) => d.direction === 'earlier').data);
  expect(cardText(moved)).toMatch(/1\. Finance[\s\S]*2\. IT department/);
  const wave2 = await click(
    'plan.edit',
    action(moved, 'plan.edit', (d) => d.section === 'wave' && d.waveId === 'it-department').data,
  );
  const removed = await click('plan.move', action(wave2, 'plan.move', (d) => d.direction === 'remove').data);
  expect(cardText(removed)).not.toContain('IT department');
  await say('advance phase --force "a"');
  await say('advance phase --force "b"');
  await say('advance phase --force "c"');
  await say('status');
  expect(fact(lastCard(), 'Current phase')).toBe('Enterprise rollout — wave 1 of 1: Finance');
});

it('exports the plan as YAML and imports an edited file; an invalid file names its lines and changes nothing', async () => {
  await say('rollout new Teams Premium');
  await say('plan export');
  const exported = lastCard();
  const code = JSON.stringify(exported);
  expect(code).toContain('"type":"CodeBlock"');
  expect(code).toContain('"fontType":"Monospace"'); // the fallback the Agents Playground shows
  const yaml = String((findNode(exported, 'CodeBlock') as { codeSnippet: string }).codeSnippet);
  expect(yaml).toContain('name: Teams Premium');

  await say('plan import');
  const importCard = lastCard();
  const broken = await click('plan.import', {
    ...action(importCard, 'plan.import').data,
    f_yaml: yaml.replace('name: Teams Premium', 'name: ""').replace(/timeZone: .*/, 'timeZone: Mars/Base'),
  });
  expect(cardText(broken)).toMatch(/Nothing was imported/);
  expect(cardText(broken)).toMatch(/line \d+: name/);
  expect(cardText(broken)).toMatch(/line \d+: timeZone/);

  const edited = yaml.replace('name: Teams Premium', 'name: Teams Premium 2026');
  const imported = await click('plan.import', { ...action(importCard, 'plan.import').data, f_yaml: edited });
  expect(cardText(imported)).toContain('Teams Premium 2026: plan');
  expect(fact(imported, 'Plan revision')).toBe('2');
});

it('an import card opened before another change stays refused: importing again never overwrites it', async () => {
  await say('rollout new Teams Premium');
  await say('plan export');
  const yaml = String((findNode(lastCard(), 'CodeBlock') as { codeSnippet: string }).codeSnippet);
  await say('plan import');
  const importData = action(lastCard(), 'plan.import').data;
  const form = await click(
    'plan.edit',
    action(await openPlan(), 'plan.edit', (d) => d.section === 'phase' && d.phase === 'poc').data,
  );
  await submit(form, { f_targetGroups: 'Lab users' });
  const edited = yaml.replace('name: Teams Premium', 'name: Renamed');
  const refused = await click('plan.import', { ...importData, f_yaml: edited });
  expect(cardText(refused)).toContain('the plan changed since this card was opened (revision 1, now 2)');
  const again = await click('plan.import', { ...action(refused, 'plan.import').data, f_yaml: edited });
  expect(cardText(again)).toContain('Nothing was imported');
  const plan = await openPlan();
  expect(cardText(plan)).toContain('Lab users');
  expect(cardText(plan)).toContain('Teams Premium: plan');
});

it('a manual goal is marked met with a note on the checklist card, and gates the advance', async () => {
  await say('rollout new Teams Premium');
  const plan = await openPlan();
  const form = await click(
    'plan.edit',
    action(plan, 'plan.edit', (d) => d.section === 'phase' && d.phase === 'scope').data,
  );
  await submit(form, { f_goals: 'Budget approved by the CIO' });
  await say('checklist');
  let card = lastCard();
  for (const tick of CHECKLISTS.app.scope) {
    card = await click('checklist.tick', action(card, 'checklist.tick', (d) => d.itemId === tick[0]).data);
  }
  await say('advance phase');
  expect(h.connector.texts().at(-1)).toContain('**Budget approved by the CIO**: not met yet');
  const mark = action(card, 'criterion.mark');
  const noNote = await click('criterion.mark', { ...mark.data, [String(mark.data.noteInput)]: '' });
  expect(cardText(noNote)).toContain('Marking a goal met needs a note');
  const marked = await click('criterion.mark', {
    ...mark.data,
    [String(mark.data.noteInput)]: 'CIO mail of 2 March',
  });
  expect(cardText(marked)).toContain('✅ Met, marked by Adele Vance');
  await say('advance phase');
  expect(h.connector.texts().at(-1)).toBe(
    `“Teams Premium” advanced from Project scope to Proof of concept. ${PREVIEW_FOLLOWS}`,
  );
});

const findNode = (node: unknown, type: string): unknown => {
  if (Array.isArray(node)) {
    for (const n of node) {
      const found = findNode(n, type);
      if (found) return found;
    }
    return null;
  }
  if (node && typeof node === 'object') {
    const n = node as Record<string, unknown>;
    if (n.type === type) return n;
    for (const v of Object.values(n)) {
      const found = findNode(v, type);
      if (found) return found;
    }
  }
  return null;
};

it('only admins edit the plan; the refused save is audited', async () => {
  await say('rollout new Teams Premium');
  const plan = await openPlan();
  const edit = action(plan, 'plan.edit', (d) => d.section === 'phase' && d.phase === 'pilot').data;
  const refused = await click('plan.edit', edit, LEE);
  expect(cardText(refused)).toContain('Only the rollout’s admins can edit its plan.');
  const save = await click('plan.save', { ...edit, section: 'phase', f_targetGroups: 'mine' }, LEE);
  expect(cardText(save)).toMatch(/only the rollout's admins/);
  await say('status');
  expect(cardText(lastCard())).toContain('Lee Gu: Refused `plan edit`: not an admin');
});

import pino from 'pino';
import type { Deps } from '../../../src/app/ports';
import { ACTIONS } from '../../../src/teams/actions';
import { COMMANDS } from '../../../src/teams/commands';
import { Router } from '../../../src/teams/router';
import { invoke, message } from '../../support/activities';
import { ADMIN, type FuzzWorld, type Json } from './arbitraries';
import type { FuzzHarness } from './fuzz-harness';

/**
 * The router the server builds, read for what it registers: every command, flag, verb (and each
 * verb's data keys) and typeahead dataset is fuzzed without anyone listing them here.
 */
export const registered = (): Pick<
  FuzzWorld,
  'commandNames' | 'flags' | 'verbs' | 'dataKeys' | 'datasets'
> => {
  const router = new Router(COMMANDS, ACTIONS, {} as Deps, pino({ level: 'silent' }));
  const dataKeys: Record<string, string[]> = {};
  for (const action of ACTIONS) {
    const shape = (action.schema as unknown as { shape?: Record<string, unknown> }).shape;
    dataKeys[action.verb] = Object.keys(shape ?? {});
  }
  return {
    commandNames: router.commandNames,
    flags: [...new Set(COMMANDS.flatMap((c) => Object.keys(c.flags)))],
    verbs: router.verbs,
    dataKeys,
    datasets: router.datasets,
  };
};

/** Invoke names Teams sends (and made-up ones): the bot answers `adaptiveCard/action` and `application/search` only. */
export const INVOKE_NAMES = [
  'adaptiveCard/action',
  'application/search',
  'task/fetch',
  'task/submit',
  'composeExtension/query',
  'composeExtension/submitAction',
  'signin/verifyState',
  'signin/tokenExchange',
  'fileConsent/invoke',
  'actionableMessage/executeAction',
  'config/fetch',
  'healthCheck',
  'adaptiveCard/Action',
  'adaptiveCard/action ',
  '',
];

type JsonObject = Record<string, Json>;

const walkCards = (
  node: unknown,
  out: { actions: { verb: string; data: JsonObject }[]; inputs: Set<string> },
): void => {
  if (Array.isArray(node)) return node.forEach((n) => walkCards(n, out));
  if (!node || typeof node !== 'object') return;
  const n = node as Record<string, unknown>;
  if (n.type === 'Action.Execute' && typeof n.verb === 'string') {
    out.actions.push({ verb: n.verb, data: (n.data ?? {}) as JsonObject });
  }
  if (typeof n.type === 'string' && n.type.startsWith('Input.') && typeof n.id === 'string')
    out.inputs.add(n.id);
  Object.values(n).forEach((v) => walkCards(v, out));
};

/**
 * Seeds the server with what an admin does first — a rollout, its plan, checklist, an advance to
 * the pilot, feedback and a readiness request — and collects every card action and input the bot
 * showed, so the fuzz starts from real card data. Then saves the tables: each case starts here.
 */
export const seedWorld = async (h: FuzzHarness): Promise<FuzzWorld> => {
  const serviceUrl = h.connector.url;
  const say = async (text: string) => {
    const res = await h.post(message(text, { serviceUrl, from: ADMIN, scope: 'personal' }));
    if (res.status !== 200) throw new Error(`seeding "${text}" answered ${res.status}: ${res.text}`);
    await h.server.settled();
  };
  const found = { actions: [] as { verb: string; data: JsonObject }[], inputs: new Set<string>() };
  await say('rollout new Fuzz target');
  await say('rollout new "Second rollout"');
  for (const text of [
    'plan',
    'checklist',
    'status',
    'plan import "Fuzz target"',
    'plan export',
    'advance phase "Fuzz target" --force "seed"',
    'advance phase "Fuzz target" --force "seed"',
    'feedback post "Fuzz target"',
    'signoff request "Fuzz target"',
    'checklist "Fuzz target"',
    'plan "Fuzz target"',
    'status "Fuzz target"',
    'reminders on "Fuzz target"',
    'rollout list',
  ]) {
    await say(text);
  }
  walkCards(h.connector.cards(), found);
  // Open each section form once, so the form inputs (f_…) and Save buttons are known too.
  for (const edit of found.actions.filter((a) => a.verb === 'plan.edit').slice(0, 12)) {
    const res = await h.post(invoke('plan.edit', edit.data, { serviceUrl, from: ADMIN, scope: 'personal' }));
    walkCards((res.body as { value?: unknown } | null)?.value, found);
  }
  const rolloutIds = [
    ...new Set(
      found.actions.map((a) => a.data.rolloutId).filter((id): id is string => typeof id === 'string'),
    ),
  ];
  if (rolloutIds.length === 0) throw new Error('seeding found no rollout id on the cards');
  // A feedback nudge's "Stop reminding me" names its rollout (the scheduler sends nudges, the seed
  // cannot wait for one): the data such a card carries, for each rollout.
  for (const rolloutId of rolloutIds) found.actions.push({ verb: 'reminders.stop', data: { rolloutId } });
  await h.server.settled();
  h.connector.clear();
  h.takeErrors();
  h.save();
  return {
    serviceUrl,
    ...registered(),
    seenActions: found.actions,
    inputIds: [...found.inputs],
    rolloutIds,
    invokeNames: INVOKE_NAMES,
  };
};

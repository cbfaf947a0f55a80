import { formatPlanErrors, parsePlanYaml, stringifyPlan } from '../../src/plan/plan-yaml';
import { invoke } from '../support/activities';
import { ADMIN, type FuzzWorld } from './support/arbitraries';
import { fuzzConfig, replayHint, runsOf } from './support/fuzz-config';
import {
  ProcessWatch,
  prototypeChanges,
  snapshotPrototypes,
  startFuzzHarness,
  type FuzzHarness,
} from './support/fuzz-harness';
import { planText } from './support/plan-arbitraries';
import { postChecked, type CaseContext } from './support/properties';
import { explore, report } from './support/runner';
import { seedWorld } from './support/world';

/**
 * Plan files (src/plan): valid exports edited with wrong types, damaged text, YAML bombs (billion
 * laughs with anchors and aliases, merge keys), deep nesting, huge documents, duplicate keys, odd
 * scalars, tags and directives, prototype keys. parsePlanYaml answers each with a valid plan or a
 * clear error, quickly, and never throws; a valid plan survives export → import unchanged; and
 * the `plan import` card action answers each over HTTP within its budget.
 */
const config = fuzzConfig();
const FILE = 'test/fuzz/plan-files.test.ts';
/** Parsing one file (at most 256 KiB) takes at most this long, even on a busy 2-core machine. */
const PARSE_BUDGET_MS = 2000;
const watch = new ProcessWatch();

beforeAll(() => {
  console.log(replayHint(config, FILE));
  watch.start();
});
afterAll(() => watch.stop());

const describeText = (text: string): string => {
  const shown = JSON.stringify(text.length > 600 ? `${text.slice(0, 300)}…${text.slice(-200)}` : text);
  return `${shown} (${text.length} chars)`;
};

const parseRuns = runsOf(config, 300);
it(
  `${parseRuns} plan files: a valid plan or a clear error, within ${PARSE_BUDGET_MS} ms, never a throw`,
  async () => {
    const prototypes = snapshotPrototypes();
    const found = await explore(
      config,
      planText(),
      parseRuns,
      async (text) => {
        const failures: string[] = [];
        const started = performance.now();
        let result: ReturnType<typeof parsePlanYaml>;
        try {
          result = parsePlanYaml(text);
        } catch (err) {
          return [
            `parsePlanYaml threw ${err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : String(err)}`,
          ];
        }
        const ms = performance.now() - started;
        if (ms > PARSE_BUDGET_MS) failures.push(`parsing took ${Math.round(ms)} ms`);
        if (result.ok) {
          try {
            const again = parsePlanYaml(stringifyPlan(result.file));
            if (!again.ok)
              failures.push(`its export does not import: ${formatPlanErrors(again.errors).slice(0, 300)}`);
            else if (JSON.stringify(again.file) !== JSON.stringify(result.file))
              failures.push('export → import changed the plan');
          } catch (err) {
            failures.push(
              `export → import threw ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`,
            );
          }
        } else {
          if (result.errors.length === 0) failures.push('refused with no error');
          for (const e of result.errors) {
            if (typeof e.message !== 'string' || e.message.trim() === '')
              failures.push('an error without a message');
            if (e.line !== null && !(Number.isInteger(e.line) && e.line >= 1))
              failures.push(`an error on line ${String(e.line)}`);
          }
          const shown = formatPlanErrors(result.errors);
          if (shown.length > 20_000) failures.push(`the error text is ${shown.length} characters long`);
        }
        const changed = prototypeChanges(prototypes);
        if (changed.length > 0) failures.push(`prototypes changed: ${changed.join(', ')}`);
        failures.push(...watch.take());
        return failures;
      },
      describeText,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(report('plan files', config, found)).toBe('');
  },
  60_000 + parseRuns * 50,
);

describe('plan import through HTTP', () => {
  let h: FuzzHarness;
  let world: FuzzWorld;
  let ctx: CaseContext;
  beforeAll(async () => {
    h = await startFuzzHarness({ store: config.store, env: { ROLLOUT_ADMINS: ADMIN.id } });
    world = await seedWorld(h);
    ctx = { h, watch, prototypes: snapshotPrototypes(), store: config.store };
  }, 120_000);
  afterAll(() => h?.close());

  const importRuns = runsOf(config, 100);
  it(
    `${importRuns} pasted plan files: the admin gets a card (imported, or each error) within the invoke budget`,
    async () => {
      const imports = world.seenActions.filter((a) => a.verb === 'plan.import');
      if (imports.length === 0) throw new Error('seeding showed no plan import card');
      const found = await explore(
        config,
        planText(),
        importRuns,
        async (text) => {
          h.reset();
          const data = { ...(imports[0]?.data ?? {}), f_yaml: text };
          const activity = invoke('plan.import', data, {
            serviceUrl: world.serviceUrl,
            from: ADMIN,
            scope: 'personal',
          });
          const { res, failures } = await postChecked(ctx, activity);
          const body = res.body as { statusCode?: number; value?: { body?: unknown } } | null;
          if (res.status === 200 && body?.statusCode === 200 && !Array.isArray(body.value?.body)) {
            failures.push(`plan import answered without a card: ${res.text.slice(0, 200)}`);
          }
          return failures;
        },
        describeText,
      );
      expect(report('plan import over HTTP', config, found)).toBe('');
    },
    60_000 + importRuns * 200,
  );
});

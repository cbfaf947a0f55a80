import { parse as parseYaml } from 'yaml';
import { emptyAudience, type AudienceSpec } from '../../src/domain/audience';
import { DEFAULT_FEEDBACK_GOALS, defaultFeedbackPlan } from '../../src/domain/feedback-goals';
import { applyPlan, defaultWaveChecklist, planOf, type PlanSpec } from '../../src/domain/plan';
import { defaultReadinessPlan, readinessPlanOf, type ReadinessPlan } from '../../src/domain/signoff';
import { PHASE_KEYS } from '../../src/domain/phases';
import type { Rollout, TemplateName } from '../../src/domain/rollout';
import { emptyCommunication } from '../../src/domain/templates';
import { fromPlanFile, planFileOf, toPlanFile } from '../../src/plan/plan-file';
import { PLAN_FILE_RULES } from '../../src/plan/plan-file-rules';
import { planFileSchema, type PlanFile } from '../../src/plan/plan-file-schema';
import {
  formatPlanErrors,
  MAX_PLAN_FILE_BYTES,
  parsePlanYaml,
  stringifyPlan,
  type PlanFileError,
} from '../../src/plan/plan-yaml';
import { ADMIN, createdRollout, defaultWaveSpec, NOW, tickFirstScopeItem } from './support';

const GUID_A = '0b7c5a36-8e5e-4f5b-9d8f-3a7c1f0f0a01';
const GUID_B = 'aaaaaaaa-0000-4000-8000-000000000001';

/**
 * A small plan file that relies on defaults; the rules below edit one line at a time (the line
 * numbers in the table are this file's).
 */
const BASE = `version: 1
name: Windows 11
timeZone: Europe/Berlin
app:
  name: Company Portal
  intuneAppId: null
  platforms: [windows]
businessPurpose: Keep devices supported
phases:
  scope:
    timeFrame:
      start: 2026-03-01
      end: 2026-03-15
    targetGroups: [IT]
    checklist: [{ id: user-task, text: The user task is written down }]
    criteria: [{ id: checklist, kind: checklist-complete }, { id: adoption, kind: manual, goal: Nine in ten enrolled }]
    communication:
      selfHelpUrl: https://contoso.example/help
      whatIsDeployed: Windows 11
  poc: {}
  pilot:
    waves:
      - id: it-users
        name: IT users
        kind: it
        enrollment: self-service
        groupId: ${GUID_A}
        members: [${GUID_B}]
        users: 25
        devices: 40
        willingness: high
        businessRisk: low
        platforms: [windows, macos]
        requirements: VPN
        geography: Berlin
  enterprise: {}
  operations: {}
`;

type Edits = Readonly<Record<number, string>>;

/** BASE with whole lines replaced (a replacement may span several lines, or comment a line out). */
const edited = (edits: Edits): string =>
  BASE.split('\n')
    .map((line, i) => edits[i + 1] ?? line)
    .join('\n');

const list = (n: number, item: (i: number) => string): string =>
  `[${Array.from({ length: n }, (_, i) => item(i)).join(', ')}]`;
const hex = (i: number): string => i.toString(16).padStart(12, '0');
const guids = (n: number): string => list(n, (i) => `00000000-0000-4000-8000-${hex(i)}`);
const waves = (n: number): string => list(n, (i) => `{ id: w${i}, name: Wave ${i} }`);
const items = (n: number): string => list(n, (i) => `{ id: i${i}, text: Item ${i} }`);

interface RuleCase {
  rule: string;
  valid: Edits;
  invalid: Edits;
  path: string;
  line: number;
  message: RegExp;
}

/** Line `n` (1-based) of BASE. */
const baseLine = (n: number): string => BASE.split('\n')[n - 1] ?? '';

/** BASE's line `line` with another value after its key (`  platforms: [windows]` → `  platforms: <value>`). */
const valueAt = (line: number, value: string): Edits => {
  const text = baseLine(line);
  return { [line]: `${text.slice(0, text.indexOf(': ') + 2)}${value}` };
};

/** For `onLine`: BASE as it is is the valid example. */
const UNCHANGED = null;

type Examples = Pick<RuleCase, 'valid' | 'invalid'>;

/** Both examples set the value on line `line` of BASE. */
const onLine = (line: number, valid: string | typeof UNCHANGED, invalid: string): Examples => ({
  valid: valid === UNCHANGED ? {} : valueAt(line, valid),
  invalid: valueAt(line, invalid),
});

/** BASE is the valid example; the invalid one comments line `line` out (`# no <key>`, indented alike). */
const lineLeftOut = (line: number): Examples => {
  const text = baseLine(line);
  const key = text.trim().split(':')[0] ?? '';
  return { valid: {}, invalid: { [line]: text.replace(/\S.*$/, `# no ${key}`) } };
};

/** BASE is the valid example; the invalid one adds `text` after line `line`. */
const lineAdded = (line: number, text: string): Examples => ({
  valid: {},
  invalid: { [line]: `${baseLine(line)}\n${text}` },
});

/** Both examples add a line (or lines) after line `line` of BASE. */
const afterLine = (line: number, valid: string, invalid: string): Examples => ({
  valid: { [line]: `${baseLine(line)}\n${valid}` },
  invalid: { [line]: `${baseLine(line)}\n${invalid}` },
});

/** The one error the invalid example gives: its line, field and message. */
const error = (line: number, path: string, message: RegExp): Pick<RuleCase, 'line' | 'path' | 'message'> => ({
  path,
  line,
  message,
});

/** A row of the table: the rule (the test's name), its two examples, and the error. */
const rule = (name: string, examples: Examples, expected: ReturnType<typeof error>): RuleCase => ({
  rule: name,
  ...examples,
  ...expected,
});

const RULES: RuleCase[] = [
  rule('version is 1', onLine(1, '1', '2'), error(1, 'version', /must be 1/)),
  rule('version is required', lineLeftOut(1), error(2, 'version', /is required/)),
  rule(
    'name: at most 80 characters after trimming',
    onLine(2, `"   ${'n'.repeat(80)}   "`, 'n'.repeat(81)),
    error(2, 'name', /at most 80 characters \(has 81\)/),
  ),
  rule('name: not empty after trimming', onLine(2, 'W', '"   "'), error(2, 'name', /must not be empty/)),
  rule(
    'name is required (reported on the line of the mapping that misses it)',
    lineLeftOut(2),
    error(1, 'name', /is required/),
  ),
  rule(
    'timeZone: an IANA time zone',
    onLine(3, 'America/New_York', 'Europe/Atlantis'),
    error(3, 'timeZone', /IANA time zone .*"Europe\/Atlantis"/),
  ),
  rule(
    'app.name: at most 80 characters',
    onLine(5, 'a'.repeat(80), 'a'.repeat(81)),
    error(5, 'app.name', /at most 80 characters/),
  ),
  rule(
    'app.intuneAppId: null or a GUID',
    onLine(6, GUID_A.toUpperCase(), 'company-portal'),
    error(6, 'app.intuneAppId', /must be the Intune app id \(a GUID\)/),
  ),
  rule(
    'app.platforms: known platforms',
    onLine(7, '[windows, macos, ios, android, linux, web]', '[windows, symbian]'),
    error(7, 'app.platforms[1]', /must be one of windows, macos, ios, android, linux, web \(got "symbian"\)/),
  ),
  rule(
    'app.platforms: no duplicates',
    onLine(7, '[]', '[windows, ios, windows]'),
    error(7, 'app.platforms[2]', /duplicate platform "windows"/),
  ),
  rule(
    'businessPurpose: at most 2000 characters',
    onLine(8, 'b'.repeat(2000), 'b'.repeat(2001)),
    error(8, 'businessPurpose', /at most 2000 characters \(has 2001\)/),
  ),
  rule(
    'timeFrame.start: a date or date and time',
    onLine(12, '2026-03-01T09:30', '01.03.2026'),
    error(12, 'phases.scope.timeFrame.start', /YYYY-MM-DD or a date and time YYYY-MM-DDTHH:mm/),
  ),
  rule(
    'timeFrame.start: a real date',
    {
      valid: { ...valueAt(12, '2028-02-29'), ...valueAt(13, '2028-03-01') },
      invalid: valueAt(12, '2026-02-30'),
    },
    error(12, 'phases.scope.timeFrame.start', /real date/),
  ),
  rule(
    'timeFrame.end: not before the start',
    onLine(13, '2026-03-01T00:00', '2026-02-28T23:59'),
    error(13, 'phases.scope.timeFrame.end', /must not be before the start \(2026-03-01\)/),
  ),
  rule(
    'targetGroups: at most 20',
    onLine(
      14,
      list(20, (i) => `g${i}`),
      list(21, (i) => `g${i}`),
    ),
    error(14, 'phases.scope.targetGroups', /at most 20 entries/),
  ),
  rule(
    'targetGroups: entries of 1–100 characters',
    onLine(14, `[${'g'.repeat(100)}]`, `[IT, ${'g'.repeat(101)}]`),
    error(14, 'phases.scope.targetGroups[1]', /at most 100 characters/),
  ),
  rule(
    'targetGroups: no empty entries',
    onLine(14, '[]', '[""]'),
    error(14, 'phases.scope.targetGroups[0]', /must not be empty/),
  ),
  rule(
    'targetGroups: not only spaces',
    onLine(14, '[" IT "]', '["   "]'),
    error(14, 'phases.scope.targetGroups[0]', /must not be only spaces/),
  ),
  rule(
    'checklist: at most 50 items',
    onLine(15, items(50), items(51)),
    error(15, 'phases.scope.checklist', /at most 50 items/),
  ),
  rule(
    'checklist: ids are slugs',
    onLine(15, `[{ id: 0-a-${'b'.repeat(36)}, text: T }]`, '[{ id: User Task, text: T }]'),
    error(15, 'phases.scope.checklist[0].id', /checklist item id: lowercase letters, digits and hyphens/),
  ),
  rule(
    'checklist: ids at most 40 characters',
    onLine(
      15,
      `[{ id: ${'a'.repeat(40)}, text: T }]`,
      `[{ id: a, text: T }, { id: ${'a'.repeat(41)}, text: T }]`,
    ),
    error(15, 'phases.scope.checklist[1].id', /at most 40 characters/),
  ),
  rule(
    'checklist: ids do not start with a hyphen',
    onLine(15, '[{ id: 1-a, text: T }]', '[{ id: -a, text: T }]'),
    error(15, 'phases.scope.checklist[0].id', /starting with a letter or digit/),
  ),
  rule(
    'checklist: ids unique within the stage',
    onLine(
      15,
      '[{ id: a, text: One }, { id: b, text: Two }]',
      '[{ id: a, text: One }, { id: a, text: Two }]',
    ),
    error(15, 'phases.scope.checklist[1].id', /duplicate checklist item id "a" \(also at \[0\]\)/),
  ),
  rule(
    'checklist: text 1–200 characters',
    onLine(15, `[{ id: a, text: ${'t'.repeat(200)} }]`, `[{ id: a, text: ${'t'.repeat(201)} }]`),
    error(15, 'phases.scope.checklist[0].text', /at most 200 characters/),
  ),
  rule(
    'checklist: text not empty',
    onLine(15, UNCHANGED, '[{ id: a, text: "" }]'),
    error(15, 'phases.scope.checklist[0].text', /must not be empty/),
  ),
  rule(
    'criteria: ids are slugs',
    onLine(16, '[{ id: goal-1, kind: manual, goal: G }]', '[{ id: Goal 1, kind: manual, goal: G }]'),
    error(16, 'phases.scope.criteria[0].id', /criterion id/),
  ),
  rule(
    'criteria: ids unique within the stage',
    onLine(
      16,
      '[{ id: a, kind: manual, goal: G }, { id: b, kind: manual, goal: H }]',
      '[{ id: a, kind: manual, goal: G }, { id: a, kind: manual, goal: H }]',
    ),
    error(16, 'phases.scope.criteria[1].id', /duplicate criterion id "a"/),
  ),
  rule(
    'criteria: at most one checklist-complete',
    onLine(
      16,
      '[{ id: a, kind: checklist-complete }]',
      '[{ id: a, kind: checklist-complete }, { id: b, kind: checklist-complete }]',
    ),
    error(16, 'phases.scope.criteria[1].kind', /only one checklist-complete/),
  ),
  rule(
    'criteria: kind is checklist-complete or manual',
    onLine(16, '[]', '[{ id: a, kind: sometimes }]'),
    error(16, 'phases.scope.criteria[0].kind', /must be checklist-complete or manual/),
  ),
  rule(
    'criteria: a manual goal has 1–300 characters',
    onLine(
      16,
      `[{ id: a, kind: manual, goal: ${'g'.repeat(300)} }]`,
      `[{ id: a, kind: manual, goal: ${'g'.repeat(301)} }]`,
    ),
    error(16, 'phases.scope.criteria[0].goal', /at most 300 characters/),
  ),
  rule(
    'criteria: a manual goal is required',
    onLine(16, UNCHANGED, '[{ id: a, kind: manual }]'),
    error(16, 'phases.scope.criteria[0].goal', /is required/),
  ),
  rule(
    'communication: texts at most 2000 characters',
    onLine(19, 'w'.repeat(2000), 'w'.repeat(2001)),
    error(19, 'phases.scope.communication.whatIsDeployed', /at most 2000 characters/),
  ),
  rule(
    'communication.selfHelpUrl: empty or https',
    onLine(18, '""', 'http://contoso.example/help'),
    error(18, 'phases.scope.communication.selfHelpUrl', /must be empty or an https:\/\/ URL/),
  ),
  rule(
    'communication.selfHelpUrl: a real URL',
    onLine(18, 'https://contoso.sharepoint.com/sites/help?x=1#top', 'https://[not a host'),
    error(18, 'phases.scope.communication.selfHelpUrl', /https:\/\/ URL/),
  ),
  rule(
    'waves[].id: a slug',
    onLine(23, 'it-users-2', 'IT users'),
    error(23, 'phases.pilot.waves[0].id', /must be a wave id/),
  ),
  rule(
    'waves[].id: unique across the plan',
    onLine(
      36,
      '{ waves: [{ id: berlin, name: Berlin }] }',
      '{ waves: [{ id: berlin, name: Berlin }, { id: it-users, name: More }] }',
    ),
    error(
      36,
      'phases.enterprise.waves[1].id',
      /duplicate wave id "it-users" \(also at phases\.pilot\.waves\[0\]\)/,
    ),
  ),
  rule(
    'waves[].name: 1–80 characters',
    onLine(24, 'n'.repeat(80), 'n'.repeat(81)),
    error(24, 'phases.pilot.waves[0].name', /at most 80 characters/),
  ),
  rule(
    'waves[].name is required (reported on the wave’s line)',
    lineLeftOut(24),
    error(23, 'phases.pilot.waves[0].name', /is required/),
  ),
  rule(
    'waves[].kind: a wave kind',
    onLine(25, 'geography', 'team'),
    error(25, 'phases.pilot.waves[0].kind', /must be one of department, geography, platform, it, custom/),
  ),
  rule(
    'waves[].enrollment: null or an approach',
    onLine(26, 'null', 'walk-in'),
    error(26, 'phases.pilot.waves[0].enrollment', /must be one of self-service, assisted, tech-fair/),
  ),
  rule(
    'waves[].groupId: null or a GUID',
    onLine(27, 'null', 'IT Department'),
    error(27, 'phases.pilot.waves[0].groupId', /must be an Entra group id \(a GUID\)/),
  ),
  rule(
    'waves[].members: at most 500',
    onLine(28, guids(500), guids(501)),
    error(28, 'phases.pilot.waves[0].members', /at most 500 members/),
  ),
  rule(
    'waves[].members: GUIDs',
    onLine(28, '[]', '[adele@contoso.com]'),
    error(28, 'phases.pilot.waves[0].members[0]', /must be an Entra object id \(a GUID\)/),
  ),
  rule(
    'waves[].members: no duplicates (whatever the case)',
    onLine(28, `[${GUID_A}, ${GUID_B}]`, `[${GUID_A}, ${GUID_A.toUpperCase()}]`),
    error(28, 'phases.pilot.waves[0].members[1]', /duplicate member/),
  ),
  rule(
    'waves[].users: at most 1,000,000',
    onLine(29, '1000000', '1000001'),
    error(29, 'phases.pilot.waves[0].users', /from 0 to 1,000,000/),
  ),
  rule(
    'waves[].users: not negative',
    onLine(29, '0', '-1'),
    error(29, 'phases.pilot.waves[0].users', /from 0 to 1,000,000/),
  ),
  rule(
    'waves[].devices: a whole number',
    onLine(30, 'null', '2.5'),
    error(30, 'phases.pilot.waves[0].devices', /whole number/),
  ),
  rule(
    'waves[].devices: a number, not text',
    onLine(30, '7', '"many"'),
    error(30, 'phases.pilot.waves[0].devices', /must be a whole number \(got "many"\)/),
  ),
  rule(
    'waves[].willingness: null or low/medium/high',
    onLine(31, 'medium', 'very'),
    error(31, 'phases.pilot.waves[0].willingness', /must be one of low, medium, high/),
  ),
  rule(
    'waves[].businessRisk: null or low/medium/high',
    onLine(32, 'null', 'extreme'),
    error(32, 'phases.pilot.waves[0].businessRisk', /must be one of low, medium, high/),
  ),
  rule(
    'waves[].platforms: known, no duplicates',
    onLine(33, '[linux]', '[linux, linux]'),
    error(33, 'phases.pilot.waves[0].platforms[1]', /duplicate platform "linux"/),
  ),
  rule(
    'waves[].requirements: at most 2000 characters',
    onLine(34, 'r'.repeat(2000), 'r'.repeat(2001)),
    error(34, 'phases.pilot.waves[0].requirements', /at most 2000 characters/),
  ),
  rule(
    'waves[].geography: at most 200 characters',
    onLine(35, 'g'.repeat(200), 'g'.repeat(201)),
    error(35, 'phases.pilot.waves[0].geography', /at most 200 characters/),
  ),
  rule(
    'waves: at most 20 per phase',
    onLine(36, `{ waves: ${waves(20)} }`, `{ waves: ${waves(21)} }`),
    error(36, 'phases.enterprise.waves', /at most 20 waves/),
  ),
  rule(
    'feedback: false, true or a mapping of goals',
    onLine(20, '{ feedback: false }', '{ feedback: maybe }'),
    error(
      20,
      'phases.poc.feedback',
      /must be false \(no feedback\), true \(the default goals\) or a mapping of feedback goals \(got "maybe"\)/,
    ),
  ),
  rule(
    'feedback: not a list',
    onLine(20, '{ feedback: true }', '{ feedback: [10, 30] }'),
    error(20, 'phases.poc.feedback', /or a mapping of feedback goals \(got a list\)/),
  ),
  rule(
    'feedback.minResponses: a whole number',
    onLine(20, '{ feedback: { minResponses: 0 } }', '{ feedback: { minResponses: 12.5 } }'),
    error(20, 'phases.poc.feedback.minResponses', /must be a whole number from 0 to 100,000 \(got 12\.5\)/),
  ),
  rule(
    'feedback.minResponses: at most 100,000',
    onLine(20, '{ feedback: { minResponses: 100000 } }', '{ feedback: { minResponses: 100001 } }'),
    error(20, 'phases.poc.feedback.minResponses', /must be a whole number from 0 to 100,000 \(got 100001\)/),
  ),
  rule(
    'feedback.minResponses: a number, not text',
    onLine(20, '{ feedback: { minResponses: null } }', '{ feedback: { minResponses: ten } }'),
    error(20, 'phases.poc.feedback.minResponses', /must be a whole number from 0 to 100,000 \(got "ten"\)/),
  ),
  rule(
    'feedback.minResponsePercent: 0 to 100, decimals allowed',
    onLine(20, '{ feedback: { minResponsePercent: 12.5 } }', '{ feedback: { minResponsePercent: 100.5 } }'),
    error(20, 'phases.poc.feedback.minResponsePercent', /must be a number from 0 to 100 \(got 100\.5\)/),
  ),
  rule(
    'feedback.minResponsePercent: not negative',
    onLine(20, '{ feedback: { minResponsePercent: 0 } }', '{ feedback: { minResponsePercent: -1 } }'),
    error(20, 'phases.poc.feedback.minResponsePercent', /must be a number from 0 to 100 \(got -1\)/),
  ),
  rule(
    'feedback.minAverageRating: 1 to 5, decimals allowed',
    onLine(20, '{ feedback: { minAverageRating: 4.25 } }', '{ feedback: { minAverageRating: 5.5 } }'),
    error(20, 'phases.poc.feedback.minAverageRating', /must be a number from 1 to 5 \(got 5\.5\)/),
  ),
  rule(
    'feedback.minAverageRating: at least 1',
    onLine(20, '{ feedback: { minAverageRating: 1 } }', '{ feedback: { minAverageRating: 0.5 } }'),
    error(20, 'phases.poc.feedback.minAverageRating', /must be a number from 1 to 5 \(got 0\.5\)/),
  ),
  rule(
    'feedback.minInstallSuccess: 0 to 100',
    onLine(20, '{ feedback: { minInstallSuccess: 99.5 } }', '{ feedback: { minInstallSuccess: 101 } }'),
    error(20, 'phases.poc.feedback.minInstallSuccess', /must be a number from 0 to 100 \(got 101\)/),
  ),
  rule(
    'feedback.minInstallSuccess: a number, not a percentage text',
    onLine(20, '{ feedback: { minInstallSuccess: 90 } }', '{ feedback: { minInstallSuccess: 90% } }'),
    error(20, 'phases.poc.feedback.minInstallSuccess', /must be a number from 0 to 100 \(got "90%"\)/),
  ),
  rule(
    'feedback.maxOpenBlockers: a whole number up to 10,000',
    onLine(20, '{ feedback: { maxOpenBlockers: 10000 } }', '{ feedback: { maxOpenBlockers: 10001 } }'),
    error(20, 'phases.poc.feedback.maxOpenBlockers', /must be a whole number from 0 to 10,000 \(got 10001\)/),
  ),
  rule(
    'feedback.maxOpenBlockers: not negative, not a fraction',
    onLine(20, '{ feedback: { maxOpenBlockers: 0 } }', '{ feedback: { maxOpenBlockers: 0.5 } }'),
    error(20, 'phases.poc.feedback.maxOpenBlockers', /must be a whole number from 0 to 10,000 \(got 0\.5\)/),
  ),
  rule(
    'feedback in a wave, on its own lines',
    lineAdded(35, '        feedback:\n          minResponses: 5\n          minAverageRating: 9'),
    error(38, 'phases.pilot.waves[0].feedback.minAverageRating', /must be a number from 1 to 5 \(got 9\)/),
  ),
  rule(
    'unknown keys: in feedback goals',
    lineAdded(35, '        feedback: { minRating: 4 }'),
    error(
      36,
      'phases.pilot.waves[0].feedback.minRating',
      /unknown key "minRating"; allowed here: minResponses, minResponsePercent, minAverageRating, minInstallSuccess, maxOpenBlockers/,
    ),
  ),
  rule(
    'signoff: false, true or a mapping',
    onLine(20, '{ signoff: false }', '{ signoff: maybe }'),
    error(
      20,
      'phases.poc.signoff',
      /must be false \(no sign-off\), true \(everyone, no deadline\) or a mapping of sign-off settings \(got "maybe"\)/,
    ),
  ),
  rule(
    'signoff: not a number',
    onLine(20, '{ signoff: true }', '{ signoff: 2 }'),
    error(20, 'phases.poc.signoff', /or a mapping of sign-off settings \(got 2\)/),
  ),
  rule(
    'signoff.policy: everyone, quorum or first',
    onLine(20, '{ signoff: { policy: first } }', '{ signoff: { policy: majority } }'),
    error(20, 'phases.poc.signoff.policy', /must be one of everyone, quorum, first \(got "majority"\)/),
  ),
  rule(
    'signoff.quorum: required with policy quorum',
    onLine(20, '{ signoff: { policy: quorum, quorum: 2 } }', '{ signoff: { policy: quorum } }'),
    error(20, 'phases.poc.signoff.quorum', /^is required with policy quorum/),
  ),
  rule(
    'signoff.quorum: refused with the other policies (everyone when left out)',
    onLine(20, '{ signoff: { policy: quorum, quorum: 1 } }', '{ signoff: { quorum: 2 } }'),
    error(20, 'phases.poc.signoff.quorum', /only goes with policy quorum \(the policy is everyone\)/),
  ),
  rule(
    'signoff.quorum: at most 200',
    onLine(
      20,
      '{ signoff: { policy: quorum, quorum: 200 } }',
      '{ signoff: { policy: quorum, quorum: 201 } }',
    ),
    error(20, 'phases.poc.signoff.quorum', /must be a whole number from 1 to 200 \(got 201\)/),
  ),
  rule(
    'signoff.quorum: at least 1, a whole number',
    onLine(20, '{ signoff: { policy: quorum, quorum: 1 } }', '{ signoff: { policy: quorum, quorum: 1.5 } }'),
    error(20, 'phases.poc.signoff.quorum', /must be a whole number from 1 to 200 \(got 1\.5\)/),
  ),
  rule(
    'signoff.allowNotReady: only with policy quorum',
    onLine(
      20,
      '{ signoff: { policy: quorum, quorum: 2, allowNotReady: true } }',
      '{ signoff: { policy: first, allowNotReady: true } }',
    ),
    error(20, 'phases.poc.signoff.allowNotReady', /only goes with policy quorum \(the policy is first\)/),
  ),
  rule(
    'signoff.allowNotReady: true or false',
    onLine(
      20,
      '{ signoff: { policy: quorum, quorum: 2, allowNotReady: false } }',
      '{ signoff: { policy: quorum, quorum: 2, allowNotReady: yes } }',
    ),
    error(20, 'phases.poc.signoff.allowNotReady', /must be true or false \(got "yes"\)/),
  ),
  rule(
    'signoff.members: Entra object ids',
    onLine(20, `{ signoff: { members: [${GUID_A}] } }`, '{ signoff: { members: [helpdesk@contoso.com] } }'),
    error(20, 'phases.poc.signoff.members[0]', /must be an Entra object id \(a GUID\)/),
  ),
  rule(
    'signoff.members: no duplicates (whatever the case)',
    onLine(
      20,
      `{ signoff: { members: [${GUID_A}, ${GUID_B}] } }`,
      `{ signoff: { members: [${GUID_A}, ${GUID_A.toUpperCase()}] } }`,
    ),
    error(20, 'phases.poc.signoff.members[1]', /duplicate member/),
  ),
  rule(
    'signoff.members: at most 200',
    onLine(20, `{ signoff: { members: ${guids(200)} } }`, `{ signoff: { members: ${guids(201)} } }`),
    error(20, 'phases.poc.signoff.members', /at most 200 members/),
  ),
  rule(
    'signoff.groups: Entra group ids',
    onLine(20, `{ signoff: { groups: [${GUID_A}] } }`, '{ signoff: { groups: [Helpdesk] } }'),
    error(20, 'phases.poc.signoff.groups[0]', /must be an Entra group id \(a GUID\) \(got "Helpdesk"\)/),
  ),
  rule(
    'signoff.groups: at most 20, no duplicates',
    onLine(20, `{ signoff: { groups: ${guids(20)} } }`, `{ signoff: { groups: ${guids(21)} } }`),
    error(20, 'phases.poc.signoff.groups', /must have at most 20 groups/),
  ),
  rule(
    'audience: a mapping',
    onLine(20, '{ audience: {} }', `{ audience: [${GUID_A}] }`),
    error(20, 'phases.poc.audience', /must be a mapping of keys to values \(got a list\)/),
  ),
  rule(
    'audience.groups: Entra group ids',
    onLine(20, `{ audience: { groups: [${GUID_A}] } }`, '{ audience: { groups: [All staff] } }'),
    error(20, 'phases.poc.audience.groups[0]', /must be an Entra group id \(a GUID\) \(got "All staff"\)/),
  ),
  rule(
    'audience.groups: at most 20',
    onLine(20, `{ audience: { groups: ${guids(20)} } }`, `{ audience: { groups: ${guids(21)} } }`),
    error(20, 'phases.poc.audience.groups', /must have at most 20 groups/),
  ),
  rule(
    'audience.groups: no duplicates (whatever the case)',
    onLine(
      20,
      `{ audience: { groups: [${GUID_A}, ${GUID_B}] } }`,
      `{ audience: { groups: [${GUID_A}, ${GUID_A.toUpperCase()}] } }`,
    ),
    error(20, 'phases.poc.audience.groups[1]', /duplicate group/),
  ),
  rule(
    'audience.members: at most 500 Entra object ids, in a wave too',
    lineAdded(35, `        audience: { members: ${guids(501)} }`),
    error(36, 'phases.pilot.waves[0].audience.members', /must have at most 500 members/),
  ),
  rule(
    'audience.members: GUIDs',
    onLine(20, `{ audience: { members: ${guids(500)} } }`, '{ audience: { members: [adele@contoso.com] } }'),
    error(20, 'phases.poc.audience.members[0]', /must be an Entra object id \(a GUID\)/),
  ),
  rule(
    'audience.departments: no duplicates (whatever the case)',
    onLine(20, '{ audience: { departments: [HR, Sales] } }', '{ audience: { departments: [HR, hr] } }'),
    error(20, 'phases.poc.audience.departments[1]', /duplicate department "hr" \(also at \[0\]\)/),
  ),
  rule(
    'audience.departments: at most 50',
    onLine(
      20,
      `{ audience: { departments: ${list(50, (i) => `D${i}`)} } }`,
      `{ audience: { departments: ${list(51, (i) => `D${i}`)} } }`,
    ),
    error(20, 'phases.poc.audience.departments', /must have at most 50 departments/),
  ),
  rule(
    'audience.offices: 1–128 characters, not only spaces',
    onLine(20, `{ audience: { offices: [${'x'.repeat(128)}] } }`, "{ audience: { offices: ['  '] } }"),
    error(20, 'phases.poc.audience.offices[0]', /must not be only spaces/),
  ),
  rule(
    'audience.countries: two-letter codes',
    onLine(20, '{ audience: { countries: [DE, us] } }', '{ audience: { countries: [DEU] } }'),
    error(20, 'phases.poc.audience.countries[0]', /must be a two-letter country code .*\(got "DEU"\)/),
  ),
  rule(
    'audience.countries: no duplicates (whatever the case)',
    onLine(20, '{ audience: { countries: [DE, AT] } }', '{ audience: { countries: [DE, de] } }'),
    error(20, 'phases.poc.audience.countries[1]', /duplicate country "DE"/),
  ),
  rule(
    'audience.platforms: device platforms (not web)',
    onLine(20, '{ audience: { platforms: [windows, linux] } }', '{ audience: { platforms: [web] } }'),
    error(
      20,
      'phases.poc.audience.platforms[0]',
      /must be one of windows, macos, ios, android, linux \(got "web"\)/,
    ),
  ),
  rule(
    'audience.includeGuests: true or false',
    onLine(20, '{ audience: { includeGuests: true } }', '{ audience: { includeGuests: yes } }'),
    error(20, 'phases.poc.audience.includeGuests', /must be true or false \(got "yes"\)/),
  ),
  rule(
    'audience.includeDisabled: true or false',
    onLine(20, '{ audience: { includeDisabled: false } }', '{ audience: { includeDisabled: 1 } }'),
    error(20, 'phases.poc.audience.includeDisabled', /must be true or false \(got 1\)/),
  ),
  rule(
    'unknown keys: in an audience (the plan model’s filters are not named)',
    onLine(20, UNCHANGED, '{ audience: { group: [] } }'),
    error(
      20,
      'phases.poc.audience.group',
      /unknown key "group"; allowed here: groups, members, departments, countries, offices, platforms, includeGuests, includeDisabled$/,
    ),
  ),
  rule(
    'intent: required or available',
    onLine(20, '{ intent: available }', '{ intent: optional }'),
    error(20, 'phases.poc.intent', /must be one of required, available \(got "optional"\)/),
  ),
  rule(
    'announce: auto, prompt or off',
    onLine(20, '{ announce: auto }', '{ announce: always }'),
    error(20, 'phases.poc.announce', /must be one of auto, prompt, off \(got "always"\)/),
  ),
  rule(
    'announce: in a wave too, named in the message',
    lineAdded(35, '        announce: Auto'),
    error(36, 'phases.pilot.waves[0].announce', /must be one of auto, prompt, off \(got "Auto"\)/),
  ),
  rule(
    'schedule: a mapping of quietHours and digestTime',
    afterLine(8, 'schedule: {}', 'schedule: nightly'),
    error(9, 'schedule', /must be a mapping of quietHours and digestTime \(got "nightly"\)/),
  ),
  rule(
    'schedule.quietHours: false (none) or a mapping',
    afterLine(8, 'schedule: { quietHours: false }', 'schedule: { quietHours: off }'),
    error(
      9,
      'schedule.quietHours',
      /must be false \(no quiet hours\) or a mapping of start, end and weekends, e\.g\. .* \(got "off"\)/,
    ),
  ),
  rule(
    'schedule.quietHours.start: a time HH:mm',
    afterLine(
      8,
      'schedule:\n  quietHours: { start: "22:00", end: "06:30" }',
      'schedule:\n  quietHours: { start: 7pm, end: "06:30" }',
    ),
    error(10, 'schedule.quietHours.start', /^must be a time HH:mm, e\.g\. 19:00 \(got "7pm"\)$/),
  ),
  rule(
    'schedule.quietHours.end: a real time of day',
    afterLine(
      8,
      'schedule:\n  quietHours:\n    start: "12:00"\n    end: "13:30"',
      'schedule:\n  quietHours:\n    start: "12:00"\n    end: "24:00"',
    ),
    error(12, 'schedule.quietHours.end', /must be a time HH:mm, e\.g\. 19:00 \(got "24:00"\)/),
  ),
  rule(
    'schedule.quietHours.end: not the same as the start',
    afterLine(
      8,
      'schedule: { quietHours: { start: "08:00", end: "18:00" } }',
      'schedule: { quietHours: { start: "08:00", end: "08:00" } }',
    ),
    error(9, 'schedule.quietHours.end', /must not be the same as the start \(08:00\)/),
  ),
  rule(
    'schedule.quietHours.weekends: true or false',
    afterLine(
      8,
      'schedule: { quietHours: { start: "19:00", end: "08:00", weekends: false } }',
      'schedule: { quietHours: { start: "19:00", end: "08:00", weekends: sometimes } }',
    ),
    error(9, 'schedule.quietHours.weekends', /must be true or false \(got "sometimes"\)/),
  ),
  rule(
    'schedule.digestTime: a time HH:mm',
    afterLine(8, 'schedule: { digestTime: "17:45" }', 'schedule: { digestTime: 9am }'),
    error(
      9,
      'schedule.digestTime',
      /^must be a time HH:mm, e\.g\. 09:00, or false \(no digest\) \(got "9am"\)$/,
    ),
  ),
  rule(
    'schedule.digestTime: false for no digest, not true',
    afterLine(8, 'schedule: { digestTime: false }', 'schedule: { digestTime: true }'),
    error(
      9,
      'schedule.digestTime',
      /must be a time HH:mm, e\.g\. 09:00, or false \(no digest\) \(got true\)/,
    ),
  ),
  rule(
    'unknown keys: in the schedule',
    afterLine(8, 'schedule: { digestTime: null, quietHours: null }', 'schedule: { digest: "09:00" }'),
    error(9, 'schedule.digest', /unknown key "digest"; allowed here: quietHours, digestTime$/),
  ),
  rule(
    'nudges: a whole number from 0 to 5',
    onLine(20, '{ nudges: 0 }', '{ nudges: 6 }'),
    error(20, 'phases.poc.nudges', /^must be a whole number from 0 to 5 \(got 6\)$/),
  ),
  rule(
    'nudges: in a wave too, whole numbers only',
    afterLine(35, '        nudges: 5', '        nudges: 2.5'),
    error(36, 'phases.pilot.waves[0].nudges', /must be a whole number from 0 to 5 \(got 2\.5\)/),
  ),
  rule(
    'gotItReminder: true or false',
    onLine(20, '{ gotItReminder: true }', '{ gotItReminder: yes }'),
    error(20, 'phases.poc.gotItReminder', /must be true or false \(got "yes"\)/),
  ),
  rule(
    'autoAdvance: true or false, in a wave too',
    afterLine(35, '        autoAdvance: true', '        autoAdvance: 1'),
    error(36, 'phases.pilot.waves[0].autoAdvance', /must be true or false \(got 1\)/),
  ),
  rule(
    'signoff.deadline: a date and a time of day',
    onLine(20, '{ signoff: { deadline: 2026-05-01 17:00 } }', '{ signoff: { deadline: 2026-05-01 } }'),
    error(
      20,
      'phases.poc.signoff.deadline',
      /must be a date and time YYYY-MM-DD HH:mm .*\(got "2026-05-01"\)/,
    ),
  ),
  rule(
    'signoff.deadline: YYYY-MM-DDTHH:mm too, not other formats',
    onLine(20, '{ signoff: { deadline: 2026-05-01T17:00 } }', '{ signoff: { deadline: 01.05.2026 17:00 } }'),
    error(20, 'phases.poc.signoff.deadline', /must be a date and time YYYY-MM-DD HH:mm/),
  ),
  rule(
    'signoff.deadline: a real date and time',
    onLine(20, '{ signoff: { deadline: 2028-02-29 23:59 } }', '{ signoff: { deadline: 2026-02-29 17:00 } }'),
    error(20, 'phases.poc.signoff.deadline', /must be a real date .* \(got "2026-02-29 17:00"\)/),
  ),
  rule(
    'signoff.deadline: a real time of day',
    onLine(20, '{ signoff: { deadline: null } }', '{ signoff: { deadline: 2026-05-01 24:00 } }'),
    error(20, 'phases.poc.signoff.deadline', /must be a real date .*time of day/),
  ),
  rule(
    'signoff in a wave, on its own lines',
    lineAdded(35, '        signoff:\n          policy: quorum\n          quorum: 300'),
    error(38, 'phases.pilot.waves[0].signoff.quorum', /must be a whole number from 1 to 200 \(got 300\)/),
  ),
  rule(
    'signoff in a wave: a missing quorum is reported on the signoff line',
    lineAdded(35, '        signoff:\n          policy: quorum\n          allowNotReady: true'),
    error(36, 'phases.pilot.waves[0].signoff.quorum', /is required with policy quorum/),
  ),
  rule(
    'unknown keys: in sign-off settings',
    lineAdded(35, '        signoff: { approvers: [] }'),
    error(
      36,
      'phases.pilot.waves[0].signoff.approvers',
      /unknown key "approvers"; allowed here: policy, quorum, allowNotReady, members, groups, deadline$/,
    ),
  ),
  rule('phases: all five are required', lineLeftOut(36), error(9, 'phases.enterprise', /is required/)),
  rule(
    'unknown keys: at the top',
    lineAdded(37, 'colour: blue'),
    error(
      38,
      'colour',
      /unknown key "colour"; allowed here: version, name, timeZone, app, businessPurpose, schedule, phases/,
    ),
  ),
  rule(
    'unknown keys: in a phase',
    onLine(20, UNCHANGED, '{ owner: Lee }'),
    error(
      20,
      'phases.poc.owner',
      /unknown key "owner"; allowed here: timeFrame, targetGroups, checklist, criteria, feedback, signoff, audience, intent, announce, nudges, gotItReminder, autoAdvance, communication, waves$/,
    ),
  ),
  rule(
    'unknown keys: a misspelt phase',
    lineAdded(20, '  pilott: {}'),
    error(
      21,
      'phases.pilott',
      /unknown key "pilott"; allowed here: scope, poc, pilot, enterprise, operations/,
    ),
  ),
  rule(
    'unknown keys: in a wave',
    lineAdded(35, '        colour: blue'),
    error(36, 'phases.pilot.waves[0].colour', /unknown key "colour"; allowed here: id, name, kind,/),
  ),
  rule(
    'unknown keys: progress cannot be written into a checklist item',
    onLine(15, UNCHANGED, '[{ id: a, text: T, done: true }]'),
    error(15, 'phases.scope.checklist[0].done', /unknown key "done"; allowed here: id, text/),
  ),
];

describe('plan file rules', () => {
  it('the base file is valid', () => {
    const result = parsePlanYaml(BASE);
    if (!result.ok) throw new Error(formatPlanErrors(result.errors));
  });

  describe.each(RULES)('$rule', ({ valid, invalid, path, line, message }) => {
    it('accepts the valid example', () => {
      const result = parsePlanYaml(edited(valid));
      if (!result.ok) throw new Error(formatPlanErrors(result.errors));
    });

    it(`refuses the invalid example with one error at line ${line}, ${path}`, () => {
      const result = parsePlanYaml(edited(invalid));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors).toEqual([{ line, path, message: expect.stringMatching(message) }]);
    });
  });

  it('every rule of the README list has at least one test above', () => {
    // The list is data for the README section; each of its fields appears in a rule's path here.
    const tested = RULES.map((r) => r.path.replace(/\[\d+\]/g, ''));
    for (const { field } of PLAN_FILE_RULES) {
      if (field === '(anywhere)') continue;
      const names = field.split(', ').map((f) => f.replace(/^waves\[\]\./, ''));
      expect(names.some((name) => tested.some((p) => p.endsWith(name) || p.includes(`${name}.`)))).toBe(true);
    }
  });

  it('reports every error of a file at once, in line order', () => {
    const result = parsePlanYaml(
      edited({ 3: 'timeZone: Mars', 12: '      start: tomorrow', 29: '        users: lots' }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.line, e.path])).toEqual([
      [3, 'timeZone'],
      [12, 'phases.scope.timeFrame.start'],
      [29, 'phases.pilot.waves[0].users'],
    ]);
    expect(formatPlanErrors(result.errors).split('\n')).toEqual([
      expect.stringMatching(/^line 3: timeZone: must be an IANA time zone/),
      expect.stringMatching(/^line 12: phases\.scope\.timeFrame\.start: must be a date/),
      expect.stringMatching(
        /^line 29: phases\.pilot\.waves\[0\]\.users: must be a whole number \(got "lots"\)$/,
      ),
    ]);
  });

  it('several unknown keys in one mapping: one error each, on its own line', () => {
    const result = parsePlanYaml(edited({ 5: '  name: Company Portal\n  vendor: Contoso\n  owner: IT' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.line, e.path, e.message.split(';')[0]])).toEqual([
      [6, 'app.vendor', 'unknown key "vendor"'],
      [7, 'app.owner', 'unknown key "owner"'],
    ]);
  });
});

describe('reading YAML', () => {
  const errorsOf = (text: string): PlanFileError[] => {
    const result = parsePlanYaml(text);
    if (result.ok) throw new Error('expected errors');
    return result.errors;
  };

  it('syntax errors come with their line', () => {
    expect(errorsOf(edited({ 14: '    targetGroups: [IT' }))).toEqual([
      { line: expect.any(Number), path: '', message: expect.stringMatching(/^YAML syntax: /) },
    ]);
    expect(errorsOf(edited({ 14: '    targetGroups: [IT' }))[0]?.line).toBeGreaterThanOrEqual(14);
    expect(errorsOf(edited({ 2: 'name: A\nname: B' }))).toEqual([
      { line: 3, path: '', message: 'YAML syntax: Map keys must be unique' },
    ]);
  });

  it('refuses input over 256 KiB before parsing it', () => {
    const big = `${BASE}# ${'x'.repeat(MAX_PLAN_FILE_BYTES)}\n`;
    expect(errorsOf(big)).toEqual([
      { line: null, path: '', message: expect.stringMatching(/too large \(\d+ KiB\).*at most 256 KiB/) },
    ]);
    // Multi-byte characters count as bytes.
    expect(errorsOf(`# ${'é'.repeat(MAX_PLAN_FILE_BYTES / 2)}`)[0]?.message).toMatch(/too large/);
  });

  it('an empty file, a list, or a scalar is not a plan', () => {
    expect(errorsOf('')).toEqual([{ line: null, path: '', message: expect.stringMatching(/empty/) }]);
    expect(errorsOf('# only a comment\n')[0]?.message).toMatch(/empty/);
    expect(errorsOf('- a\n- b\n')).toEqual([
      { line: 1, path: '', message: 'must be a mapping of keys to values (got a list)' },
    ]);
    expect(errorsOf('just text')).toEqual([
      { line: 1, path: '', message: 'must be a mapping of keys to values (got "just text")' },
    ]);
  });

  it('aliases resolve, and errors inside an aliased mapping point at the anchor', () => {
    const text = edited({
      20: '  poc: &empty { targetGroups: [""] }',
      37: '  operations: *empty',
    });
    expect(errorsOf(text).map((e) => [e.line, e.path])).toEqual([
      [20, 'phases.poc.targetGroups[0]'],
      [20, 'phases.operations.targetGroups[0]'],
    ]);
  });

  it('an alias bomb is refused', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) {
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    }
    expect(errorsOf(lines.join('\n'))[0]?.message).toMatch(/alias|YAML/i);
  });
});

describe('defaults', () => {
  const MINIMAL = `version: 1
name: Minimal
timeZone: UTC
phases:
  scope: {}
  poc: {}
  pilot: { waves: [{ id: it, name: IT }] }
  enterprise: {}
  operations: {}
`;

  it('optional fields get empty strings, lists and nulls; criteria default to "checklist complete"', () => {
    const result = parsePlanYaml(MINIMAL);
    if (!result.ok) throw new Error(formatPlanErrors(result.errors));
    const stage = {
      timeFrame: { start: null, end: null },
      targetGroups: [],
      checklist: [],
      criteria: [{ id: 'checklist', kind: 'checklist-complete' }],
      feedback: null,
      // No `readiness`: left out, each stage gets the default for its place.
      communication: emptyCommunication(),
      waves: [],
    };
    expect(result.spec).toEqual({
      name: 'Minimal',
      timeZone: 'UTC',
      app: { name: '', intuneAppId: null, platforms: [] },
      businessPurpose: '',
      phases: {
        scope: stage,
        poc: stage,
        pilot: {
          ...stage,
          feedback: defaultFeedbackPlan(),
          waves: [defaultWaveSpec('it', 'IT')],
        },
        enterprise: stage,
        operations: stage,
      },
    });
    // The file as read leaves `feedback` and `signoff` out (their defaults depend on the stage);
    // all else is filled in.
    const { phases, ...settings } = result.file;
    expect({ version: 1, ...result.spec }).toMatchObject(settings);
    for (const key of PHASE_KEYS) {
      const { feedback, readiness: _readiness, waves, ...rest } = result.spec.phases[key];
      expect(phases[key]).toEqual({
        ...rest,
        waves: waves.map(({ feedback: _waveFeedback, readiness: _waveReadiness, ...wave }) => wave),
      });
      expect(feedback).toEqual(key === 'pilot' ? defaultFeedbackPlan() : null);
    }
  });

  it('defaults are fresh objects: changing one parsed plan does not change the next', () => {
    const first = parsePlanYaml(MINIMAL);
    if (!first.ok) throw new Error('invalid');
    first.spec.phases.scope.targetGroups.push('changed');
    first.spec.phases.pilot.waves[0]?.checklist.push({ id: 'x', text: 'x' });
    const second = parsePlanYaml(MINIMAL);
    if (!second.ok) throw new Error('invalid');
    expect(second.spec.phases.scope.targetGroups).toEqual([]);
    expect(second.spec.phases.poc.targetGroups).toEqual([]);
    expect(second.spec.phases.pilot.waves[0]?.checklist).toEqual(defaultWaveChecklist());
  });

  it('an explicitly empty wave checklist stays empty', () => {
    const result = parsePlanYaml(MINIMAL.replace('name: IT }', 'name: IT, checklist: [] }'));
    if (!result.ok) throw new Error(formatPlanErrors(result.errors));
    expect(result.spec.phases.pilot.waves[0]?.checklist).toEqual([]);
  });

  it('the name is trimmed', () => {
    const result = parsePlanYaml(MINIMAL.replace('name: Minimal', 'name: "  Minimal  "'));
    expect(result.ok && result.spec.name).toBe('Minimal');
  });
});

describe('feedback', () => {
  /** A minimal file with `pilot` and its wave `it` given as `pilotText` and `waveText` (flow mappings). */
  const file = (pilot = '', wave = '', poc = '') => `version: 1
name: Feedback
timeZone: UTC
phases:
  scope: {}
  poc: {${poc}}
  pilot: { ${pilot}${pilot ? ', ' : ''}waves: [{ id: it, name: IT${wave ? `, ${wave}` : ''} }] }
  enterprise: { waves: [{ id: rest, name: Rest }] }
  operations: {}
`;
  const specOf = (text: string): PlanSpec => {
    const result = parsePlanYaml(text);
    if (!result.ok) throw new Error(formatPlanErrors(result.errors));
    return result.spec;
  };
  const goals = (overrides: Partial<typeof DEFAULT_FEEDBACK_GOALS> = {}) => ({
    goals: { ...DEFAULT_FEEDBACK_GOALS, ...overrides },
  });

  it('left out: the pilot phase and every wave take feedback with the default goals, other phases none', () => {
    const spec = specOf(file());
    expect(spec.phases.pilot.feedback).toEqual(defaultFeedbackPlan());
    expect(spec.phases.pilot.waves[0]?.feedback).toEqual(defaultFeedbackPlan());
    expect(spec.phases.enterprise.waves[0]?.feedback).toEqual(defaultFeedbackPlan());
    for (const key of ['scope', 'poc', 'enterprise', 'operations'] as const) {
      expect([key, spec.phases[key].feedback]).toEqual([key, null]);
    }
  });

  it('false (or null): no feedback; true: the default goals, in any phase', () => {
    const spec = specOf(file('feedback: false', 'feedback: null', 'feedback: true'));
    expect(spec.phases.pilot.feedback).toBeNull();
    expect(spec.phases.pilot.waves[0]?.feedback).toBeNull();
    expect(spec.phases.poc.feedback).toEqual(defaultFeedbackPlan());
  });

  it('a mapping of goals: a goal left out gets its default, null means no such goal', () => {
    const spec = specOf(
      file(
        'feedback: { minResponses: null, minAverageRating: 4.25 }',
        'feedback: {}',
        'feedback: { maxOpenBlockers: 2 }',
      ),
    );
    expect(spec.phases.pilot.feedback).toEqual(goals({ minResponses: null, minAverageRating: 4.25 }));
    expect(spec.phases.pilot.waves[0]?.feedback).toEqual(defaultFeedbackPlan());
    expect(spec.phases.poc.feedback).toEqual(goals({ maxOpenBlockers: 2 }));
    // Goals come in the plan's key order whatever the file's (the domain compares plans as JSON).
    const reordered = specOf(file('feedback: { maxOpenBlockers: 1, minResponses: 3 }'));
    expect(JSON.stringify(reordered.phases.pilot.feedback)).toBe(
      JSON.stringify(goals({ minResponses: 3, maxOpenBlockers: 1 })),
    );
  });

  it('a JSON plan file says the same', () => {
    const json = JSON.stringify({
      version: 1,
      name: 'JSON',
      timeZone: 'UTC',
      phases: {
        scope: {},
        poc: { feedback: true },
        pilot: { feedback: false, waves: [{ id: 'it', name: 'IT', feedback: { minInstallSuccess: 75.5 } }] },
        enterprise: {},
        operations: {},
      },
    });
    const spec = specOf(json);
    expect([
      spec.phases.poc.feedback,
      spec.phases.pilot.feedback,
      spec.phases.pilot.waves[0]?.feedback,
    ]).toEqual([defaultFeedbackPlan(), null, goals({ minInstallSuccess: 75.5 })]);
    const errors = parsePlanYaml(json.replace('75.5', '175.5'));
    expect(errors.ok ? [] : formatPlanErrors(errors.errors)).toBe(
      'line 1: phases.pilot.waves[0].feedback.minInstallSuccess: must be a number from 0 to 100 (got 175.5)',
    );
  });

  it('every wrong goal of a mapping is reported, each on its own line', () => {
    const text = [
      'version: 1',
      'name: Feedback',
      'timeZone: UTC',
      'phases:',
      '  scope: {}',
      '  poc: {}',
      '  pilot:',
      '    feedback:',
      '      minResponses: -1',
      '      minResponsePercent: 30',
      '      maxOpenBlockers: many',
      '      minRating: 4',
      '  enterprise: {}',
      '  operations: {}',
    ].join('\n');
    const result = parsePlanYaml(text);
    expect(result.ok ? [] : result.errors.map((e) => [e.line, e.path, e.message.split(';')[0]])).toEqual([
      [9, 'phases.pilot.feedback.minResponses', 'must be a whole number from 0 to 100,000 (got -1)'],
      [11, 'phases.pilot.feedback.maxOpenBlockers', 'must be a whole number from 0 to 10,000 (got "many")'],
      [12, 'phases.pilot.feedback.minRating', 'unknown key "minRating"'],
    ]);
  });

  it('the file schema also takes the plan model’s own form, as the edit forms check it', () => {
    const spec = planOf(richRollout('enrollment'));
    expect(planFileSchema.safeParse({ version: 1, ...spec }).success).toBe(true);
    const bad = structuredClone(spec);
    bad.phases.enterprise.waves[0]!.feedback = goals({ minAverageRating: 7 });
    const parsed = planFileSchema.safeParse({ version: 1, ...bad });
    expect(parsed.success ? [] : parsed.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['phases.enterprise.waves.0.feedback', 'goals.minAverageRating: must be a number from 1 to 5 (got 7)'],
    ]);
  });

  it('the export writes feedback for every phase and wave: false, or every goal', () => {
    const rollout = richRollout('enrollment');
    const file = toPlanFile(rollout);
    for (const key of PHASE_KEYS) {
      const phase = file.phases[key];
      expect([key, phase.feedback === false || typeof phase.feedback === 'object']).toEqual([key, true]);
      for (const wave of phase.waves) expect(wave.feedback).not.toBeUndefined();
    }
    expect(file.phases.scope.feedback).toEqual({
      minResponses: 100_000,
      minResponsePercent: 12.5,
      minAverageRating: null,
      minInstallSuccess: 0,
      maxOpenBlockers: null,
    });
    expect(file.phases.pilot.feedback).toBe(false);
    expect(file.phases.pilot.waves[0]?.feedback).toEqual(DEFAULT_FEEDBACK_GOALS);
    const text = stringifyPlan(file);
    expect(text.match(/^ *feedback:/gm)).toHaveLength(5 + rollout.phases.flatMap((p) => p.waves).length);
    expect(text).toContain('    feedback: false\n');
  });

  it('a rollout stored before feedback existed exports the defaults, and importing them changes nothing', () => {
    const legacy = createdRollout('enrollment');
    for (const phase of legacy.phases) {
      delete phase.feedback;
      for (const wave of phase.waves) delete wave.feedback;
    }
    const spec = specOf(stringifyPlan(toPlanFile(legacy)));
    expect(spec.phases.pilot.feedback).toEqual(defaultFeedbackPlan());
    expect(spec.phases.pilot.waves.map((w) => w.feedback)).toEqual([
      defaultFeedbackPlan(),
      defaultFeedbackPlan(),
      defaultFeedbackPlan(),
    ]);
    expect(spec.phases.scope.feedback).toBeNull();
    const again = applyPlan(legacy, spec, { by: ADMIN, revision: null, section: 'test' }, NOW);
    expect(again.ok && again.events).toEqual([]);
  });
});

describe('signoff', () => {
  /** A minimal file: `pilot` with waves `a` and `b`, `enterprise` with `c` and `d`, extra keys as given. */
  const file = ({ poc = '', pilot = '', a = '', enterprise = '', c = '' } = {}) => `version: 1
name: Sign-off
timeZone: UTC
phases:
  scope: {}
  poc: {${poc}}
  pilot: { ${pilot}${pilot ? ', ' : ''}waves: [{ id: a, name: A${a ? `, ${a}` : ''} }, { id: b, name: B }] }
  enterprise: { ${enterprise}${enterprise ? ', ' : ''}waves: [{ id: c, name: C${c ? `, ${c}` : ''} }, { id: d, name: D }] }
  operations: {}
`;
  const specOf = (text: string): PlanSpec => {
    const result = parsePlanYaml(text);
    if (!result.ok) throw new Error(formatPlanErrors(result.errors));
    return result.spec;
  };
  const settings = (overrides: Partial<ReadinessPlan> = {}): ReadinessPlan => ({
    ...defaultReadinessPlan(),
    ...overrides,
  });
  /** What entering each stage needs once `spec` is a rollout's plan (defaults filled in by place). */
  const effective = (spec: PlanSpec) => {
    const rollout = createdRollout('app');
    const applied = applyPlan(rollout, spec, { by: ADMIN, revision: null, section: 'test' }, NOW);
    if (!applied.ok) throw new Error(applied.error.message);
    return PHASE_KEYS.flatMap((key) => [
      [key, readinessPlanOf(applied.value, key)],
      ...spec.phases[key].waves.map((w) => [
        `${key}/${w.id}`,
        readinessPlanOf(applied.value, `${key}/${w.id}`),
      ]),
    ]);
  };
  const absent = (spec: PlanSpec) =>
    PHASE_KEYS.every(
      (key) => !('readiness' in spec.phases[key]) && spec.phases[key].waves.every((w) => !('readiness' in w)),
    );

  it('left out: no setting of its own; entering the pilot’s first stage and each enterprise wave needs it, other stages not', () => {
    const spec = specOf(file());
    expect(absent(spec)).toBe(true);
    expect(effective(spec)).toEqual([
      ['scope', null],
      ['poc', null],
      // A phase with waves is entered at its first wave.
      ['pilot', null],
      ['pilot/a', defaultReadinessPlan()],
      ['pilot/b', null],
      ['enterprise', null],
      ['enterprise/c', defaultReadinessPlan()],
      ['enterprise/d', defaultReadinessPlan()],
      ['operations', null],
    ]);
  });

  it('left out, without waves: entering the pilot and the enterprise rollout needs it', () => {
    const spec = specOf(
      file()
        .replace(/ *waves: \[.*\] /g, ' ')
        .replace(/, *}/g, ' }'),
    );
    expect(absent(spec)).toBe(true);
    expect(effective(spec)).toEqual([
      ['scope', null],
      ['poc', null],
      ['pilot', defaultReadinessPlan()],
      ['enterprise', defaultReadinessPlan()],
      ['operations', null],
    ]);
  });

  it.each<[string, TemplateName, (rollout: Rollout) => void]>([
    ['a new app rollout', 'app', () => {}],
    ['a new enrollment rollout', 'enrollment', () => {}],
    [
      'an app rollout with waves in three phases',
      'app',
      (r) => {
        for (const key of ['poc', 'pilot', 'enterprise'] as const) {
          const phase = r.phases.find((p) => p.key === key)!;
          phase.waves = [0, 1, 2].map((i) => ({
            ...createdRollout('enrollment').phases[2]!.waves[i]!,
            id: `${key}-${i}`,
          }));
        }
      },
    ],
  ])('left out, %s gets what planOf gives a rollout without sign-off settings', (_name, template, shape) => {
    const legacy = createdRollout(template);
    shape(legacy);
    for (const phase of legacy.phases) {
      delete phase.readiness;
      for (const wave of phase.waves) delete wave.readiness;
    }
    // The exported file with every `signoff` left out.
    const file = toPlanFile(legacy);
    for (const key of PHASE_KEYS) {
      delete file.phases[key].signoff;
      for (const wave of file.phases[key].waves) delete wave.signoff;
    }
    const withoutSignoff = stringifyPlan(file);
    expect(withoutSignoff).not.toMatch(/signoff|policy:/);
    expect(specOf(withoutSignoff)).toEqual(planOf(legacy));
  });

  it('false (or null): none; true: everyone, no deadline, members from ROLLOUT_HELPDESK; in any stage', () => {
    const spec = specOf(
      file({ poc: 'signoff: true', pilot: 'signoff: true', a: 'signoff: false', c: 'signoff: null' }),
    );
    expect(spec.phases.poc.readiness).toEqual(defaultReadinessPlan());
    expect(spec.phases.pilot.readiness).toEqual(defaultReadinessPlan());
    expect(spec.phases.pilot.waves[0]?.readiness).toBeNull();
    expect(spec.phases.enterprise.waves[0]?.readiness).toBeNull();
    // The others have none of their own: the default for their place.
    expect(spec.phases.enterprise.waves[1]).not.toHaveProperty('readiness');
    expect(spec.phases.pilot.waves[1]).not.toHaveProperty('readiness');
    expect(effective(spec)).toEqual([
      ['scope', null],
      // `true` is the default settings explicitly: where the default is none, it needs them too.
      ['poc', defaultReadinessPlan()],
      ['pilot', defaultReadinessPlan()],
      ['pilot/a', null],
      ['pilot/b', null],
      ['enterprise', null],
      ['enterprise/c', null],
      ['enterprise/d', defaultReadinessPlan()],
      ['operations', null],
    ]);
    // Exported, `true` is written as every setting (the same plan, explicit).
    expect(specOf(stringifyPlan(planFileOf(spec)))).toEqual(spec);
    expect(planFileOf(spec).phases.poc.signoff).toEqual({ policy: 'everyone', members: [], deadline: null });
  });

  it('a mapping: keys left out get their defaults; a deadline with a space; member ids in lower case', () => {
    const spec = specOf(
      file({
        poc: 'signoff: {}',
        pilot: `signoff: { policy: quorum, quorum: 2, allowNotReady: true, members: [${GUID_A.toUpperCase()}, ${GUID_B}] }`,
        a: 'signoff: { policy: first, deadline: 2026-05-01 17:00 }',
        c: 'signoff: { deadline: 2026-05-01T08:05, policy: quorum, quorum: 1 }',
      }),
    );
    expect(spec.phases.poc.readiness).toEqual(defaultReadinessPlan());
    expect(spec.phases.pilot.readiness).toEqual(
      settings({ policy: { kind: 'quorum', n: 2 }, allowNotReady: true, members: [GUID_A, GUID_B] }),
    );
    expect(spec.phases.pilot.waves[0]?.readiness).toEqual(
      settings({ policy: { kind: 'first' }, deadline: '2026-05-01T17:00' }),
    );
    // In the plan's key order whatever the file's (the domain compares plans as JSON).
    expect(JSON.stringify(spec.phases.enterprise.waves[0]?.readiness)).toBe(
      JSON.stringify(settings({ policy: { kind: 'quorum', n: 1 }, deadline: '2026-05-01T08:05' })),
    );
  });

  it('a JSON plan file says the same', () => {
    const json = JSON.stringify({
      version: 1,
      name: 'JSON',
      timeZone: 'UTC',
      phases: {
        scope: {},
        poc: { signoff: true },
        pilot: {
          signoff: false,
          waves: [{ id: 'it', name: 'IT', signoff: { policy: 'quorum', quorum: 3 } }],
        },
        enterprise: {},
        operations: {},
      },
    });
    const spec = specOf(json);
    expect([
      spec.phases.poc.readiness,
      spec.phases.pilot.readiness,
      spec.phases.pilot.waves[0]?.readiness,
    ]).toEqual([defaultReadinessPlan(), null, settings({ policy: { kind: 'quorum', n: 3 } })]);
    const errors = parsePlanYaml(json.replace('"quorum":3', '"quorum":0'));
    expect(errors.ok ? [] : formatPlanErrors(errors.errors)).toBe(
      'line 1: phases.pilot.waves[0].signoff.quorum: must be a whole number from 1 to 200 (got 0)',
    );
  });

  it('every wrong setting of a mapping is reported, each on its own line', () => {
    const text = [
      'version: 1',
      'name: Sign-off',
      'timeZone: UTC',
      'phases:',
      '  scope: {}',
      '  poc: {}',
      '  pilot:',
      '    signoff:',
      '      policy: first',
      '      quorum: 2',
      '      members: [someone]',
      '      deadline: tomorrow',
      '      approvers: []',
      '  enterprise: {}',
      '  operations: {}',
    ].join('\n');
    const result = parsePlanYaml(text);
    expect(result.ok ? [] : result.errors.map((e) => [e.line, e.path, e.message.split(';')[0]])).toEqual([
      [10, 'phases.pilot.signoff.quorum', 'only goes with policy quorum (the policy is first)'],
      [11, 'phases.pilot.signoff.members[0]', 'must be an Entra object id (a GUID) (got "someone")'],
      [
        12,
        'phases.pilot.signoff.deadline',
        'must be a date and time YYYY-MM-DD HH:mm (or YYYY-MM-DDTHH:mm) (got "tomorrow")',
      ],
      [13, 'phases.pilot.signoff.approvers', 'unknown key "approvers"'],
    ]);
  });

  it('the file schema takes the plan model’s own form (`readiness`), as the edit forms check it; not with signoff', () => {
    const spec = planOf(richRollout('enrollment'));
    expect(planFileSchema.safeParse({ version: 1, ...spec }).success).toBe(true);
    const bad = structuredClone(spec);
    bad.phases.enterprise.waves[0]!.readiness = settings({ policy: { kind: 'quorum', n: 0 } });
    bad.phases.scope.readiness = settings({ allowNotReady: true, deadline: '2026-05-01' });
    const parsed = planFileSchema.safeParse({ version: 1, ...bad });
    expect(parsed.success ? [] : parsed.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'phases.scope.readiness.deadline',
        'must be a date and time YYYY-MM-DD HH:mm (or YYYY-MM-DDTHH:mm) (got "2026-05-01")',
      ],
      ['phases.scope.readiness.allowNotReady', 'only goes with policy quorum (the policy is everyone)'],
      ['phases.enterprise.waves.0.readiness.policy.n', 'must be a whole number from 1 to 200 (got 0)'],
    ]);
    // In a file it reads as the plan says; given with `signoff` it is refused.
    expect(
      specOf(
        file({
          a: 'readiness: { policy: { kind: first }, allowNotReady: false, members: [], deadline: null }',
        }),
      ).phases.pilot.waves[0]?.readiness,
    ).toEqual(settings({ policy: { kind: 'first' } }));
    const both = parsePlanYaml(file({ a: 'signoff: false, readiness: null' }));
    expect(both.ok ? [] : both.errors.map((e) => [e.line, e.path, e.message])).toEqual([
      [
        7,
        'phases.pilot.waves[0].readiness',
        "give signoff or readiness (the plan model's form of it), not both",
      ],
    ]);
  });

  it('the export writes signoff for a stage with its own setting (false, or every setting) and leaves it out otherwise', () => {
    const rollout = richRollout('enrollment');
    const file = toPlanFile(rollout);
    for (const key of PHASE_KEYS) expect(file.phases[key]).not.toHaveProperty('readiness');
    expect(file.phases.scope.signoff).toEqual({
      policy: 'quorum',
      quorum: 2,
      allowNotReady: true,
      members: [GUID_A, GUID_B],
      deadline: '2026-03-01T17:00',
    });
    // `quorum` and `allowNotReady` go with policy quorum only.
    expect(file.phases.poc.signoff).toEqual({ policy: 'first', members: [], deadline: '2026-04-30T09:15' });
    expect(file.phases.pilot.signoff).toBe(false);
    // The pilot's stages have none of their own (the defaults for their places): left out.
    for (const wave of file.phases.pilot.waves) expect(wave).not.toHaveProperty('signoff');
    expect(file.phases.enterprise).not.toHaveProperty('signoff');
    expect(file.phases.enterprise.waves.map((w) => w.signoff)).toEqual([
      { policy: 'everyone', members: [GUID_B], deadline: '2026-05-03T18:00' },
      false,
    ]);
    expect(file.phases.operations).not.toHaveProperty('signoff');
    const text = stringifyPlan(file);
    expect(text.match(/^ *signoff:/gm)).toHaveLength(
      ['scope', 'poc', 'pilot', 'enterprise/berlin', 'enterprise/remote'].length,
    );
    // Next to `feedback`, as the plan has it.
    expect(text).toContain('    feedback: false\n    signoff: false\n');
  });

  it.each<[string, TemplateName]>([
    ['a new app rollout', 'app'],
    ['a new enrollment rollout', 'enrollment'],
  ])('%s exports no signoff at all, and importing it changes nothing', (_name, template) => {
    const rollout = createdRollout(template);
    const text = stringifyPlan(toPlanFile(rollout));
    expect(text).not.toMatch(/signoff|policy:/);
    const spec = specOf(text);
    expect(absent(spec)).toBe(true);
    expect(spec).toEqual(planOf(rollout));
    const again = applyPlan(rollout, spec, { by: ADMIN, revision: null, section: 'test' }, NOW);
    expect(again.ok && again.events).toEqual([]);
  });

  it('the default stays with the place: the pilot’s stages reordered in an exported file', () => {
    const rollout = createdRollout('enrollment');
    const file = toPlanFile(rollout);
    file.phases.pilot.waves.reverse();
    const spec = specOf(stringifyPlan(file));
    const applied = applyPlan(rollout, spec, { by: ADMIN, revision: null, section: 'test' }, NOW);
    if (!applied.ok) throw new Error(applied.error.message);
    expect(
      applied.value.phases[2]?.waves.map((w) => [w.id, readinessPlanOf(applied.value, `pilot/${w.id}`)]),
    ).toEqual([
      ['other-groups', defaultReadinessPlan()],
      ['more-it-users', null],
      ['it-users', null],
    ]);
    // Exported again: still nothing to say.
    expect(stringifyPlan(toPlanFile(applied.value))).not.toMatch(/signoff/);
  });

  it('a stage pinned by an earlier version (an explicit copy of its default) is exported as it is', () => {
    const pinned = createdRollout('enrollment');
    pinned.phases[2]!.waves[0]!.readiness = defaultReadinessPlan();
    pinned.phases[2]!.waves[1]!.readiness = null;
    const file = toPlanFile(pinned);
    expect(file.phases.pilot.waves.map((w) => w.signoff)).toEqual([
      { policy: 'everyone', members: [], deadline: null },
      false,
      undefined,
    ]);
    const spec = specOf(stringifyPlan(file));
    expect(JSON.stringify(spec)).toBe(JSON.stringify(planOf(pinned)));
    const again = applyPlan(pinned, spec, { by: ADMIN, revision: null, section: 'test' }, NOW);
    expect(again.ok && again.events).toEqual([]);
  });
});

/** Every field set, with strings YAML could misread. */
const richRollout = (template: TemplateName): Rollout => {
  const rollout = createdRollout(template);
  const tricky = [
    'key: value # not a comment',
    '- starts with a dash',
    `it's "quoted"`,
    'null',
    '123',
    'true',
    '2026-03-01',
    '  padded  ',
    'émoji 😀 日本語',
    '@at `tick` {braces} [brackets] *star &amp !bang |pipe >gt %percent',
    'tab\there',
  ];
  const spec: PlanSpec = structuredClone(planOf(rollout));
  spec.app = { name: 'Company Portal: "v2"', intuneAppId: GUID_A, platforms: ['windows', 'ios'] };
  spec.businessPurpose = 'Line one\nLine two: with a colon\n\n  indented line\n';
  spec.timeZone = 'America/New_York';
  spec.phases.scope.timeFrame = { start: '2026-03-01', end: '2026-03-01T17:00' };
  spec.phases.scope.targetGroups = tricky;
  spec.phases.scope.checklist.push({ id: 'custom-security', text: '# Security review: done?' });
  spec.phases.scope.criteria.push({ id: 'goal-adoption', kind: 'manual', goal: '90% of devices enrolled' });
  spec.phases.scope.feedback = {
    goals: {
      minResponses: 100_000,
      minResponsePercent: 12.5,
      minAverageRating: null,
      minInstallSuccess: 0,
      maxOpenBlockers: null,
    },
  };
  spec.phases.pilot.feedback = null;
  spec.phases.pilot.readiness = null;
  spec.phases.scope.readiness = {
    policy: { kind: 'quorum', n: 2 },
    allowNotReady: true,
    members: [GUID_A, GUID_B],
    deadline: '2026-03-01T17:00',
  };
  spec.phases.poc.readiness = {
    policy: { kind: 'first' },
    allowNotReady: false,
    members: [],
    deadline: '2026-04-30T09:15',
  };
  spec.phases.poc.communication = {
    whatIsDeployed: 'Windows 11 23H2\n- with the new Start menu',
    howAndWhen: 'Overnight, 22:00–02:00',
    businessPurpose: 'yes',
    selfHelpUrl: 'https://contoso.sharepoint.com/sites/help?q=a%20b#top',
    helpDeskContact: 'help@contoso.example, ext. 1234',
  };
  spec.phases.enterprise.waves = [
    {
      id: 'berlin',
      name: 'Berlin: HQ',
      kind: 'geography',
      enrollment: 'tech-fair',
      groupId: GUID_B,
      members: [GUID_A, GUID_B.toUpperCase()],
      timeFrame: { start: '2026-05-04T08:00', end: '2026-05-08' },
      targetGroups: ['Sales', 'Finance'],
      checklist: [...defaultWaveChecklist(), { id: 'wave-extra', text: 'null' }],
      criteria: [
        { id: 'checklist', kind: 'checklist-complete' },
        { id: 'goal-1', kind: 'manual', goal: '~ tilde: and more' },
      ],
      feedback: {
        goals: {
          minResponses: null,
          minResponsePercent: null,
          minAverageRating: 4.25,
          minInstallSuccess: 99.5,
          maxOpenBlockers: 10_000,
        },
      },
      readiness: {
        policy: { kind: 'everyone' },
        allowNotReady: false,
        members: [GUID_B],
        deadline: '2026-05-03T18:00',
      },
      willingness: 'medium',
      users: 0,
      devices: 1_000_000,
      platforms: ['windows', 'macos'],
      requirements: 'VPN\nBitLocker',
      geography: 'Berlin, Germany',
      businessRisk: 'high',
    },
    // Explicitly none (each enterprise wave needs it by default).
    { ...defaultWaveSpec('remote', 'Remote'), checklist: [], criteria: [], feedback: null, readiness: null },
  ];
  const decision = applyPlan(rollout, spec, { by: ADMIN, revision: null, section: 'test' }, NOW);
  if (!decision.ok) throw new Error(decision.error.message);
  return decision.value;
};

describe('export → YAML → import', () => {
  const cases: [string, Rollout][] = [
    ['a new app rollout', createdRollout('app')],
    ['a new enrollment rollout', createdRollout('enrollment')],
    ['an app rollout with every field set', richRollout('app')],
    ['an enrollment rollout with every field set', richRollout('enrollment')],
  ];

  it.each(cases)('%s round-trips losslessly', (_name, rollout) => {
    const file = toPlanFile(rollout);
    const text = stringifyPlan(file);
    const result = parsePlanYaml(text);
    if (!result.ok) throw new Error(formatPlanErrors(result.errors));
    expect(result.spec).toEqual(planOf(rollout));
    expect(fromPlanFile(result.file)).toEqual(planOf(rollout));
    // The domain compares plans as JSON: the key order must be the same too.
    expect(JSON.stringify(result.spec)).toBe(JSON.stringify(planOf(rollout)));
    // Importing the exported plan changes nothing.
    const again = applyPlan(rollout, result.spec, { by: ADMIN, revision: null, section: 'test' }, NOW);
    expect(again.ok && again.events).toEqual([]);
  });

  it.each(cases)('%s: the file writes every field (no defaults relied on)', (_name, rollout) => {
    const file = toPlanFile(rollout);
    expect(parseYaml(stringifyPlan(file))).toEqual(file);
    expect(planFileSchema.parse(file)).toEqual(file);
  });

  it('the YAML starts with a header, writes the version first and no anchors', () => {
    const text = stringifyPlan(toPlanFile(richRollout('enrollment')));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^# Rollout Coordinator plan file/);
    expect(text).toMatch(/^# .*ticks.*not part of this file/im);
    expect(lines.find((l) => !l.startsWith('#') && l.trim() !== '')).toBe('version: 1');
    expect(text).not.toMatch(/[&*]\w+\s*$/m);
    expect(lines.filter((l) => /^ {2}\w+:$/.test(l)).slice(-5)).toEqual([
      '  scope:',
      '  poc:',
      '  pilot:',
      '  enterprise:',
      '  operations:',
    ]);
  });

  it('the same plan always gives the same text', () => {
    const rollout = richRollout('app');
    expect(stringifyPlan(toPlanFile(rollout))).toBe(stringifyPlan(toPlanFile(structuredClone(rollout))));
  });

  it('progress is not in the file: ticks and marks stay out, and cannot be written in', () => {
    const rollout = createdRollout('app');
    tickFirstScopeItem(rollout);
    const text = stringifyPlan(toPlanFile(rollout));
    expect(text).not.toMatch(/done|Adele/);
    const file: PlanFile = toPlanFile(rollout);
    expect(Object.keys(file.phases.scope.checklist[0] ?? {})).toEqual(['id', 'text']);
  });
});

describe('audience and intent', () => {
  const specOf = (text: string): PlanSpec => {
    const result = parsePlanYaml(text);
    if (!result.ok) throw new Error(formatPlanErrors(result.errors));
    return result.spec;
  };
  const audience = (overrides: Partial<AudienceSpec> = {}): AudienceSpec => ({
    ...emptyAudience(),
    ...overrides,
  });
  const filters = (overrides: Partial<AudienceSpec['filters']>): AudienceSpec['filters'] => ({
    ...emptyAudience().filters,
    ...overrides,
  });
  const stages = (spec: PlanSpec) =>
    PHASE_KEYS.flatMap((key) => [spec.phases[key], ...spec.phases[key].waves]);

  it('left out: no audience of its own and the default intent (required), in no stage of the plan', () => {
    for (const stage of stages(specOf(BASE))) {
      expect(stage).not.toHaveProperty('audience');
      expect(stage).not.toHaveProperty('intent');
    }
  });

  it('a mapping: keys left out get their defaults; ids in lower case, countries in upper case, names trimmed', () => {
    const spec = specOf(
      edited({
        20: `  poc: { audience: { groups: [${GUID_A.toUpperCase()}], countries: [de, At], departments: ['  HR '] }, intent: available }`,
      }),
    );
    expect(spec.phases.poc.audience).toEqual(
      audience({ groups: [GUID_A], filters: filters({ departments: ['HR'], countries: ['DE', 'AT'] }) }),
    );
    expect(spec.phases.poc.intent).toBe('available');
  });

  it('an empty audience and intent required say the same as leaving them out', () => {
    const spec = specOf(edited({ 20: '  poc: { audience: { includeGuests: false }, intent: required }' }));
    expect(JSON.stringify(spec)).toBe(JSON.stringify(specOf(BASE)));
  });

  it("a wave's groupId, members and platforms keep their meaning beside its audience", () => {
    const spec = specOf(
      edited({ 35: `${baseLine(35)}\n        audience: { groups: [${GUID_B}], platforms: [ios] }` }),
    );
    const wave = spec.phases.pilot.waves[0];
    expect(wave).toMatchObject({ groupId: GUID_A, members: [GUID_B], platforms: ['windows', 'macos'] });
    expect(wave?.audience).toEqual(audience({ groups: [GUID_B], filters: filters({ platforms: ['ios'] }) }));
  });

  it('a JSON plan file says the same', () => {
    const json = JSON.stringify({
      version: 1,
      name: 'JSON',
      timeZone: 'UTC',
      phases: {
        scope: {},
        poc: {},
        pilot: { waves: [{ id: 'it', name: 'IT', audience: { offices: ['Berlin'] }, intent: 'available' }] },
        enterprise: { signoff: { groups: [GUID_A.toUpperCase()] } },
        operations: {},
      },
    });
    const spec = specOf(json);
    expect(spec.phases.pilot.waves[0]).toMatchObject({
      audience: audience({ filters: filters({ offices: ['Berlin'] }) }),
      intent: 'available',
    });
    expect(spec.phases.enterprise.readiness).toEqual({ ...defaultReadinessPlan(), groups: [GUID_A] });
  });

  it('signoff.groups: left out or [], none (the plan has no groups key)', () => {
    const spec = specOf(edited({ 20: '  poc: { signoff: { groups: [] } }' }));
    expect(spec.phases.poc.readiness).toEqual(defaultReadinessPlan());
    expect(JSON.stringify(spec.phases.poc.readiness)).toBe(JSON.stringify(defaultReadinessPlan()));
  });

  it('the file schema takes the plan model’s own form (filters), as the edit forms check it; not with the file’s filter keys', () => {
    const spec = structuredClone(specOf(BASE));
    spec.phases.poc.audience = audience({ filters: filters({ countries: ['DE'], platforms: ['linux'] }) });
    expect(planFileSchema.safeParse({ version: 1, ...spec }).success).toBe(true);
    spec.phases.poc.audience.filters.countries = ['Germany'];
    const parsed = planFileSchema.safeParse({ version: 1, ...spec });
    expect(parsed.success ? [] : parsed.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'phases.poc.audience.filters.countries.0',
        'must be a two-letter country code (ISO 3166 alpha-2, e.g. DE) (got "Germany")',
      ],
    ]);
    const both = parsePlanYaml(
      edited({
        20: '  poc: { audience: { countries: [DE], filters: { departments: [], countries: [AT], offices: [], platforms: [] } } }',
      }),
    );
    expect(both.ok ? [] : both.errors.map((e) => [e.line, e.path, e.message])).toEqual([
      [
        20,
        'phases.poc.audience.filters',
        "give countries or filters (the plan model's form of them), not both",
      ],
    ]);
  });

  const withAudiences = (): Rollout => {
    const rollout = createdRollout('enrollment');
    const spec: PlanSpec = structuredClone(planOf(rollout));
    spec.phases.poc.audience = audience({
      groups: [GUID_A],
      members: [GUID_B],
      filters: {
        departments: ['HR', 'R&D: "labs"'],
        countries: ['DE'],
        offices: ['Berlin'],
        platforms: ['macos'],
      },
      includeGuests: true,
      includeDisabled: true,
    });
    spec.phases.poc.intent = 'available';
    spec.phases.pilot.waves[0]!.audience = audience({ groups: [GUID_B] });
    spec.phases.pilot.waves[1]!.intent = 'available';
    spec.phases.pilot.waves[1]!.readiness = { ...defaultReadinessPlan(), groups: [GUID_A, GUID_B] };
    const decision = applyPlan(rollout, spec, { by: ADMIN, revision: null, section: 'test' }, NOW);
    if (!decision.ok) throw new Error(decision.error.message);
    return decision.value;
  };

  it('the export writes audience only when not empty (every key, the filters among them), intent only when not required, sign-off groups only when some', () => {
    const file = toPlanFile(withAudiences());
    expect(file.phases.poc.audience).toEqual({
      groups: [GUID_A],
      members: [GUID_B],
      departments: ['HR', 'R&D: "labs"'],
      countries: ['DE'],
      offices: ['Berlin'],
      platforms: ['macos'],
      includeGuests: true,
      includeDisabled: true,
    });
    expect(file.phases.poc.intent).toBe('available');
    expect(file.phases.pilot).not.toHaveProperty('audience');
    expect(file.phases.pilot).not.toHaveProperty('intent');
    expect(file.phases.pilot.waves[1]?.signoff).toEqual({
      policy: 'everyone',
      members: [],
      groups: [GUID_A, GUID_B],
      deadline: null,
    });
    // After feedback and signoff, as the plan has them.
    expect(stringifyPlan(file)).toMatch(/\n {4}feedback: false\n {4}audience:\n {6}groups:\n/);
  });

  it('today’s exports do not change: no audience, intent or groups key in them', () => {
    for (const template of ['app', 'enrollment'] as const) {
      const rollout = createdRollout(template);
      const text = stringifyPlan(toPlanFile(rollout));
      expect(text).not.toMatch(/audience|intent|groups:/);
      // A stage stored with an empty audience and intent required exports the same.
      const stored = structuredClone(rollout);
      stored.phases[0]!.audience = emptyAudience();
      stored.phases[0]!.intent = 'required';
      expect(stringifyPlan(toPlanFile(stored))).toBe(text);
    }
  });

  it('round-trips losslessly: export → YAML → import gives the same plan and changes nothing', () => {
    const rollout = withAudiences();
    const result = parsePlanYaml(stringifyPlan(toPlanFile(rollout)));
    if (!result.ok) throw new Error(formatPlanErrors(result.errors));
    expect(JSON.stringify(result.spec)).toBe(JSON.stringify(planOf(rollout)));
    const again = applyPlan(rollout, result.spec, { by: ADMIN, revision: null, section: 'test' }, NOW);
    expect(again.ok && again.events).toEqual([]);
    expect(planFileSchema.parse(toPlanFile(rollout))).toEqual(toPlanFile(rollout));
  });
});

describe('announce', () => {
  const specOf = (text: string): PlanSpec => {
    const result = parsePlanYaml(text);
    if (!result.ok) throw new Error(formatPlanErrors(result.errors));
    return result.spec;
  };
  const stages = (spec: PlanSpec) =>
    PHASE_KEYS.flatMap((key) => [spec.phases[key], ...spec.phases[key].waves]);

  const withAnnounce = (): Rollout => {
    const rollout = createdRollout('enrollment');
    const spec: PlanSpec = structuredClone(planOf(rollout));
    spec.phases.poc.announce = 'auto';
    spec.phases.enterprise.announce = 'off';
    spec.phases.pilot.waves[1]!.announce = 'off';
    spec.phases.pilot.waves[0]!.announce = 'prompt';
    const decision = applyPlan(rollout, spec, { by: ADMIN, revision: null, section: 'test' }, NOW);
    if (!decision.ok) throw new Error(decision.error.message);
    return decision.value;
  };

  it('left out: the default (prompt), and no announce key in any stage of the plan', () => {
    for (const stage of stages(specOf(BASE))) expect(stage).not.toHaveProperty('announce');
  });

  it('auto and off are kept, in a phase and in a wave; prompt says the same as leaving it out', () => {
    const spec = specOf(
      edited({ 20: '  poc: { announce: auto }', 35: `${baseLine(35)}\n        announce: off` }),
    );
    expect(spec.phases.poc.announce).toBe('auto');
    expect(spec.phases.pilot.waves[0]?.announce).toBe('off');
    expect(JSON.stringify(specOf(edited({ 20: '  poc: { announce: prompt }' })))).toBe(
      JSON.stringify(specOf(BASE)),
    );
  });

  it('the export writes announce only when not prompt, after intent', () => {
    const rollout = withAnnounce();
    expect(rollout.phases.find((p) => p.key === 'pilot')?.waves[0]).not.toHaveProperty('announce');
    const file = toPlanFile(rollout);
    expect(file.phases.poc.announce).toBe('auto');
    expect(file.phases.enterprise.announce).toBe('off');
    expect(file.phases.pilot.waves[1]?.announce).toBe('off');
    expect(file.phases.pilot).not.toHaveProperty('announce');
    expect(file.phases.pilot.waves[0]).not.toHaveProperty('announce');
    expect(stringifyPlan(file)).toMatch(/\n {4}feedback: false\n {4}announce: auto\n {4}communication:/);
  });

  it('today’s exports do not change: no announce key in them (a stored prompt neither)', () => {
    for (const template of ['app', 'enrollment'] as const) {
      const rollout = createdRollout(template);
      const text = stringifyPlan(toPlanFile(rollout));
      expect(text).not.toMatch(/announce/);
      const stored = structuredClone(rollout);
      stored.phases[0]!.announce = 'prompt';
      expect(stringifyPlan(toPlanFile(stored))).toBe(text);
    }
  });

  it('round-trips losslessly: export → YAML → import gives the same plan and changes nothing', () => {
    const rollout = withAnnounce();
    const result = parsePlanYaml(stringifyPlan(toPlanFile(rollout)));
    if (!result.ok) throw new Error(formatPlanErrors(result.errors));
    expect(JSON.stringify(result.spec)).toBe(JSON.stringify(planOf(rollout)));
    const again = applyPlan(rollout, result.spec, { by: ADMIN, revision: null, section: 'test' }, NOW);
    expect(again.ok && again.events).toEqual([]);
    expect(planFileSchema.parse(toPlanFile(rollout))).toEqual(toPlanFile(rollout));
  });

  it('an invalid value is refused with the values it may have', () => {
    const result = parsePlanYaml(edited({ 20: '  poc: { announce: yes }' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatPlanErrors(result.errors)).toBe(
      'line 20: phases.poc.announce: must be one of auto, prompt, off (got "yes")',
    );
  });
});

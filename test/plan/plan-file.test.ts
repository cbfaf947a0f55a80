import { parse as parseYaml } from 'yaml';
import { applyPlan, defaultWaveChecklist, planOf, type PlanSpec } from '../../src/domain/plan';
import { createRollout, type Rollout, type TemplateName } from '../../src/domain/rollout';
import { emptyCommunication } from '../../src/domain/templates';
import {
  fromPlanFile,
  PLAN_FILE_RULES,
  planFileSchema,
  toPlanFile,
  type PlanFile,
} from '../../src/plan/plan-file';
import {
  formatPlanErrors,
  MAX_PLAN_FILE_BYTES,
  parsePlanYaml,
  stringifyPlan,
  type PlanFileError,
} from '../../src/plan/plan-yaml';

const NOW = new Date('2026-02-10T17:30:00.000Z');
const ADMIN = { id: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'Adele Vance' };
const GUID_A = '0b7c5a36-8e5e-4f5b-9d8f-3a7c1f0f0a01';
const GUID_B = 'aaaaaaaa-0000-4000-8000-000000000001';

const newRollout = (template: TemplateName): Rollout => {
  const decision = createRollout(
    {
      id: `ro-${template}`,
      tenantId: 'tenant',
      name: `${template} rollout`,
      by: ADMIN,
      coordination: { conversationId: 'conv', conversationType: 'channel', serviceUrl: 'http://x/' },
      template,
      timeZone: 'Europe/Berlin',
    },
    NOW,
  );
  if (!decision.ok) throw new Error(decision.error.message);
  return decision.value;
};

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

const RULES: RuleCase[] = [
  {
    rule: 'version is 1',
    valid: { 1: 'version: 1' },
    invalid: { 1: 'version: 2' },
    path: 'version',
    line: 1,
    message: /must be 1/,
  },
  {
    rule: 'version is required',
    valid: {},
    invalid: { 1: '# no version' },
    path: 'version',
    line: 2,
    message: /is required/,
  },
  {
    rule: 'name: at most 80 characters after trimming',
    valid: { 2: `name: "   ${'n'.repeat(80)}   "` },
    invalid: { 2: `name: ${'n'.repeat(81)}` },
    path: 'name',
    line: 2,
    message: /at most 80 characters \(has 81\)/,
  },
  {
    rule: 'name: not empty after trimming',
    valid: { 2: 'name: W' },
    invalid: { 2: 'name: "   "' },
    path: 'name',
    line: 2,
    message: /must not be empty/,
  },
  {
    rule: 'name is required (reported on the line of the mapping that misses it)',
    valid: {},
    invalid: { 2: '# no name' },
    path: 'name',
    line: 1,
    message: /is required/,
  },
  {
    rule: 'timeZone: an IANA time zone',
    valid: { 3: 'timeZone: America/New_York' },
    invalid: { 3: 'timeZone: Europe/Atlantis' },
    path: 'timeZone',
    line: 3,
    message: /IANA time zone .*"Europe\/Atlantis"/,
  },
  {
    rule: 'app.name: at most 80 characters',
    valid: { 5: `  name: ${'a'.repeat(80)}` },
    invalid: { 5: `  name: ${'a'.repeat(81)}` },
    path: 'app.name',
    line: 5,
    message: /at most 80 characters/,
  },
  {
    rule: 'app.intuneAppId: null or a GUID',
    valid: { 6: `  intuneAppId: ${GUID_A.toUpperCase()}` },
    invalid: { 6: '  intuneAppId: company-portal' },
    path: 'app.intuneAppId',
    line: 6,
    message: /must be the Intune app id \(a GUID\)/,
  },
  {
    rule: 'app.platforms: known platforms',
    valid: { 7: '  platforms: [windows, macos, ios, android, linux, web]' },
    invalid: { 7: '  platforms: [windows, symbian]' },
    path: 'app.platforms[1]',
    line: 7,
    message: /must be one of windows, macos, ios, android, linux, web \(got "symbian"\)/,
  },
  {
    rule: 'app.platforms: no duplicates',
    valid: { 7: '  platforms: []' },
    invalid: { 7: '  platforms: [windows, ios, windows]' },
    path: 'app.platforms[2]',
    line: 7,
    message: /duplicate platform "windows"/,
  },
  {
    rule: 'businessPurpose: at most 2000 characters',
    valid: { 8: `businessPurpose: ${'b'.repeat(2000)}` },
    invalid: { 8: `businessPurpose: ${'b'.repeat(2001)}` },
    path: 'businessPurpose',
    line: 8,
    message: /at most 2000 characters \(has 2001\)/,
  },
  {
    rule: 'timeFrame.start: a date or date and time',
    valid: { 12: '      start: 2026-03-01T09:30' },
    invalid: { 12: '      start: 01.03.2026' },
    path: 'phases.scope.timeFrame.start',
    line: 12,
    message: /YYYY-MM-DD or a date and time YYYY-MM-DDTHH:mm/,
  },
  {
    rule: 'timeFrame.start: a real date',
    valid: { 12: '      start: 2028-02-29', 13: '      end: 2028-03-01' },
    invalid: { 12: '      start: 2026-02-30' },
    path: 'phases.scope.timeFrame.start',
    line: 12,
    message: /real date/,
  },
  {
    rule: 'timeFrame.end: not before the start',
    valid: { 13: '      end: 2026-03-01T00:00' },
    invalid: { 13: '      end: 2026-02-28T23:59' },
    path: 'phases.scope.timeFrame.end',
    line: 13,
    message: /must not be before the start \(2026-03-01\)/,
  },
  {
    rule: 'targetGroups: at most 20',
    valid: { 14: `    targetGroups: ${list(20, (i) => `g${i}`)}` },
    invalid: { 14: `    targetGroups: ${list(21, (i) => `g${i}`)}` },
    path: 'phases.scope.targetGroups',
    line: 14,
    message: /at most 20 entries/,
  },
  {
    rule: 'targetGroups: entries of 1–100 characters',
    valid: { 14: `    targetGroups: [${'g'.repeat(100)}]` },
    invalid: { 14: `    targetGroups: [IT, ${'g'.repeat(101)}]` },
    path: 'phases.scope.targetGroups[1]',
    line: 14,
    message: /at most 100 characters/,
  },
  {
    rule: 'targetGroups: no empty entries',
    valid: { 14: '    targetGroups: []' },
    invalid: { 14: '    targetGroups: [""]' },
    path: 'phases.scope.targetGroups[0]',
    line: 14,
    message: /must not be empty/,
  },
  {
    rule: 'targetGroups: not only spaces',
    valid: { 14: '    targetGroups: [" IT "]' },
    invalid: { 14: '    targetGroups: ["   "]' },
    path: 'phases.scope.targetGroups[0]',
    line: 14,
    message: /must not be only spaces/,
  },
  {
    rule: 'checklist: at most 50 items',
    valid: { 15: `    checklist: ${items(50)}` },
    invalid: { 15: `    checklist: ${items(51)}` },
    path: 'phases.scope.checklist',
    line: 15,
    message: /at most 50 items/,
  },
  {
    rule: 'checklist: ids are slugs',
    valid: { 15: `    checklist: [{ id: 0-a-${'b'.repeat(36)}, text: T }]` },
    invalid: { 15: '    checklist: [{ id: User Task, text: T }]' },
    path: 'phases.scope.checklist[0].id',
    line: 15,
    message: /checklist item id: lowercase letters, digits and hyphens/,
  },
  {
    rule: 'checklist: ids at most 40 characters',
    valid: { 15: `    checklist: [{ id: ${'a'.repeat(40)}, text: T }]` },
    invalid: { 15: `    checklist: [{ id: a, text: T }, { id: ${'a'.repeat(41)}, text: T }]` },
    path: 'phases.scope.checklist[1].id',
    line: 15,
    message: /at most 40 characters/,
  },
  {
    rule: 'checklist: ids do not start with a hyphen',
    valid: { 15: '    checklist: [{ id: 1-a, text: T }]' },
    invalid: { 15: '    checklist: [{ id: -a, text: T }]' },
    path: 'phases.scope.checklist[0].id',
    line: 15,
    message: /starting with a letter or digit/,
  },
  {
    rule: 'checklist: ids unique within the stage',
    valid: { 15: '    checklist: [{ id: a, text: One }, { id: b, text: Two }]' },
    invalid: { 15: '    checklist: [{ id: a, text: One }, { id: a, text: Two }]' },
    path: 'phases.scope.checklist[1].id',
    line: 15,
    message: /duplicate checklist item id "a" \(also at \[0\]\)/,
  },
  {
    rule: 'checklist: text 1–200 characters',
    valid: { 15: `    checklist: [{ id: a, text: ${'t'.repeat(200)} }]` },
    invalid: { 15: `    checklist: [{ id: a, text: ${'t'.repeat(201)} }]` },
    path: 'phases.scope.checklist[0].text',
    line: 15,
    message: /at most 200 characters/,
  },
  {
    rule: 'checklist: text not empty',
    valid: {},
    invalid: { 15: '    checklist: [{ id: a, text: "" }]' },
    path: 'phases.scope.checklist[0].text',
    line: 15,
    message: /must not be empty/,
  },
  {
    rule: 'criteria: ids are slugs',
    valid: { 16: '    criteria: [{ id: goal-1, kind: manual, goal: G }]' },
    invalid: { 16: '    criteria: [{ id: Goal 1, kind: manual, goal: G }]' },
    path: 'phases.scope.criteria[0].id',
    line: 16,
    message: /criterion id/,
  },
  {
    rule: 'criteria: ids unique within the stage',
    valid: { 16: '    criteria: [{ id: a, kind: manual, goal: G }, { id: b, kind: manual, goal: H }]' },
    invalid: { 16: '    criteria: [{ id: a, kind: manual, goal: G }, { id: a, kind: manual, goal: H }]' },
    path: 'phases.scope.criteria[1].id',
    line: 16,
    message: /duplicate criterion id "a"/,
  },
  {
    rule: 'criteria: at most one checklist-complete',
    valid: { 16: '    criteria: [{ id: a, kind: checklist-complete }]' },
    invalid: {
      16: '    criteria: [{ id: a, kind: checklist-complete }, { id: b, kind: checklist-complete }]',
    },
    path: 'phases.scope.criteria[1].kind',
    line: 16,
    message: /only one checklist-complete/,
  },
  {
    rule: 'criteria: kind is checklist-complete or manual',
    valid: { 16: '    criteria: []' },
    invalid: { 16: '    criteria: [{ id: a, kind: sometimes }]' },
    path: 'phases.scope.criteria[0].kind',
    line: 16,
    message: /must be checklist-complete or manual/,
  },
  {
    rule: 'criteria: a manual goal has 1–300 characters',
    valid: { 16: `    criteria: [{ id: a, kind: manual, goal: ${'g'.repeat(300)} }]` },
    invalid: { 16: `    criteria: [{ id: a, kind: manual, goal: ${'g'.repeat(301)} }]` },
    path: 'phases.scope.criteria[0].goal',
    line: 16,
    message: /at most 300 characters/,
  },
  {
    rule: 'criteria: a manual goal is required',
    valid: {},
    invalid: { 16: '    criteria: [{ id: a, kind: manual }]' },
    path: 'phases.scope.criteria[0].goal',
    line: 16,
    message: /is required/,
  },
  {
    rule: 'communication: texts at most 2000 characters',
    valid: { 19: `      whatIsDeployed: ${'w'.repeat(2000)}` },
    invalid: { 19: `      whatIsDeployed: ${'w'.repeat(2001)}` },
    path: 'phases.scope.communication.whatIsDeployed',
    line: 19,
    message: /at most 2000 characters/,
  },
  {
    rule: 'communication.selfHelpUrl: empty or https',
    valid: { 18: '      selfHelpUrl: ""' },
    invalid: { 18: '      selfHelpUrl: http://contoso.example/help' },
    path: 'phases.scope.communication.selfHelpUrl',
    line: 18,
    message: /must be empty or an https:\/\/ URL/,
  },
  {
    rule: 'communication.selfHelpUrl: a real URL',
    valid: { 18: '      selfHelpUrl: https://contoso.sharepoint.com/sites/help?x=1#top' },
    invalid: { 18: '      selfHelpUrl: https://[not a host' },
    path: 'phases.scope.communication.selfHelpUrl',
    line: 18,
    message: /https:\/\/ URL/,
  },
  {
    rule: 'waves[].id: a slug',
    valid: { 23: '      - id: it-users-2' },
    invalid: { 23: '      - id: IT users' },
    path: 'phases.pilot.waves[0].id',
    line: 23,
    message: /must be a wave id/,
  },
  {
    rule: 'waves[].id: unique across the plan',
    valid: { 36: `  enterprise: { waves: [{ id: berlin, name: Berlin }] }` },
    invalid: { 36: `  enterprise: { waves: [{ id: berlin, name: Berlin }, { id: it-users, name: More }] }` },
    path: 'phases.enterprise.waves[1].id',
    line: 36,
    message: /duplicate wave id "it-users" \(also at phases\.pilot\.waves\[0\]\)/,
  },
  {
    rule: 'waves[].name: 1–80 characters',
    valid: { 24: `        name: ${'n'.repeat(80)}` },
    invalid: { 24: `        name: ${'n'.repeat(81)}` },
    path: 'phases.pilot.waves[0].name',
    line: 24,
    message: /at most 80 characters/,
  },
  {
    rule: 'waves[].name is required (reported on the wave’s line)',
    valid: {},
    invalid: { 24: '        # no name' },
    path: 'phases.pilot.waves[0].name',
    line: 23,
    message: /is required/,
  },
  {
    rule: 'waves[].kind: a wave kind',
    valid: { 25: '        kind: geography' },
    invalid: { 25: '        kind: team' },
    path: 'phases.pilot.waves[0].kind',
    line: 25,
    message: /must be one of department, geography, platform, it, custom/,
  },
  {
    rule: 'waves[].enrollment: null or an approach',
    valid: { 26: '        enrollment: null' },
    invalid: { 26: '        enrollment: walk-in' },
    path: 'phases.pilot.waves[0].enrollment',
    line: 26,
    message: /must be one of self-service, assisted, tech-fair/,
  },
  {
    rule: 'waves[].groupId: null or a GUID',
    valid: { 27: '        groupId: null' },
    invalid: { 27: '        groupId: IT Department' },
    path: 'phases.pilot.waves[0].groupId',
    line: 27,
    message: /must be an Entra group id \(a GUID\)/,
  },
  {
    rule: 'waves[].members: at most 500',
    valid: { 28: `        members: ${guids(500)}` },
    invalid: { 28: `        members: ${guids(501)}` },
    path: 'phases.pilot.waves[0].members',
    line: 28,
    message: /at most 500 members/,
  },
  {
    rule: 'waves[].members: GUIDs',
    valid: { 28: '        members: []' },
    invalid: { 28: '        members: [adele@contoso.com]' },
    path: 'phases.pilot.waves[0].members[0]',
    line: 28,
    message: /must be an Entra object id \(a GUID\)/,
  },
  {
    rule: 'waves[].members: no duplicates (whatever the case)',
    valid: { 28: `        members: [${GUID_A}, ${GUID_B}]` },
    invalid: { 28: `        members: [${GUID_A}, ${GUID_A.toUpperCase()}]` },
    path: 'phases.pilot.waves[0].members[1]',
    line: 28,
    message: /duplicate member/,
  },
  {
    rule: 'waves[].users: at most 1,000,000',
    valid: { 29: '        users: 1000000' },
    invalid: { 29: '        users: 1000001' },
    path: 'phases.pilot.waves[0].users',
    line: 29,
    message: /from 0 to 1,000,000/,
  },
  {
    rule: 'waves[].users: not negative',
    valid: { 29: '        users: 0' },
    invalid: { 29: '        users: -1' },
    path: 'phases.pilot.waves[0].users',
    line: 29,
    message: /from 0 to 1,000,000/,
  },
  {
    rule: 'waves[].devices: a whole number',
    valid: { 30: '        devices: null' },
    invalid: { 30: '        devices: 2.5' },
    path: 'phases.pilot.waves[0].devices',
    line: 30,
    message: /whole number/,
  },
  {
    rule: 'waves[].devices: a number, not text',
    valid: { 30: '        devices: 7' },
    invalid: { 30: '        devices: "many"' },
    path: 'phases.pilot.waves[0].devices',
    line: 30,
    message: /must be a whole number \(got "many"\)/,
  },
  {
    rule: 'waves[].willingness: null or low/medium/high',
    valid: { 31: '        willingness: medium' },
    invalid: { 31: '        willingness: very' },
    path: 'phases.pilot.waves[0].willingness',
    line: 31,
    message: /must be one of low, medium, high/,
  },
  {
    rule: 'waves[].businessRisk: null or low/medium/high',
    valid: { 32: '        businessRisk: null' },
    invalid: { 32: '        businessRisk: extreme' },
    path: 'phases.pilot.waves[0].businessRisk',
    line: 32,
    message: /must be one of low, medium, high/,
  },
  {
    rule: 'waves[].platforms: known, no duplicates',
    valid: { 33: '        platforms: [linux]' },
    invalid: { 33: '        platforms: [linux, linux]' },
    path: 'phases.pilot.waves[0].platforms[1]',
    line: 33,
    message: /duplicate platform "linux"/,
  },
  {
    rule: 'waves[].requirements: at most 2000 characters',
    valid: { 34: `        requirements: ${'r'.repeat(2000)}` },
    invalid: { 34: `        requirements: ${'r'.repeat(2001)}` },
    path: 'phases.pilot.waves[0].requirements',
    line: 34,
    message: /at most 2000 characters/,
  },
  {
    rule: 'waves[].geography: at most 200 characters',
    valid: { 35: `        geography: ${'g'.repeat(200)}` },
    invalid: { 35: `        geography: ${'g'.repeat(201)}` },
    path: 'phases.pilot.waves[0].geography',
    line: 35,
    message: /at most 200 characters/,
  },
  {
    rule: 'waves: at most 20 per phase',
    valid: { 36: `  enterprise: { waves: ${waves(20)} }` },
    invalid: { 36: `  enterprise: { waves: ${waves(21)} }` },
    path: 'phases.enterprise.waves',
    line: 36,
    message: /at most 20 waves/,
  },
  {
    rule: 'phases: all five are required',
    valid: {},
    invalid: { 36: '  # no enterprise' },
    path: 'phases.enterprise',
    line: 9,
    message: /is required/,
  },
  {
    rule: 'unknown keys: at the top',
    valid: {},
    invalid: { 37: '  operations: {}\ncolour: blue' },
    path: 'colour',
    line: 38,
    message: /unknown key "colour"; allowed here: version, name, timeZone, app, businessPurpose, phases/,
  },
  {
    rule: 'unknown keys: in a phase',
    valid: {},
    invalid: { 20: '  poc: { owner: Lee }' },
    path: 'phases.poc.owner',
    line: 20,
    message:
      /unknown key "owner"; allowed here: timeFrame, targetGroups, checklist, criteria, communication, waves/,
  },
  {
    rule: 'unknown keys: a misspelt phase',
    valid: {},
    invalid: { 20: '  poc: {}\n  pilott: {}' },
    path: 'phases.pilott',
    line: 21,
    message: /unknown key "pilott"; allowed here: scope, poc, pilot, enterprise, operations/,
  },
  {
    rule: 'unknown keys: in a wave',
    valid: {},
    invalid: { 35: '        geography: Berlin\n        colour: blue' },
    path: 'phases.pilot.waves[0].colour',
    line: 36,
    message: /unknown key "colour"; allowed here: id, name, kind,/,
  },
  {
    rule: 'unknown keys: progress cannot be written into a checklist item',
    valid: {},
    invalid: { 15: '    checklist: [{ id: a, text: T, done: true }]' },
    path: 'phases.scope.checklist[0].done',
    line: 15,
    message: /unknown key "done"; allowed here: id, text/,
  },
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
          waves: [
            {
              id: 'it',
              name: 'IT',
              kind: 'custom',
              enrollment: null,
              groupId: null,
              members: [],
              timeFrame: { start: null, end: null },
              targetGroups: [],
              checklist: defaultWaveChecklist(),
              criteria: [{ id: 'checklist', kind: 'checklist-complete' }],
              willingness: null,
              users: null,
              devices: null,
              platforms: [],
              requirements: '',
              geography: '',
              businessRisk: null,
            },
          ],
        },
        enterprise: stage,
        operations: stage,
      },
    });
    expect(result.file).toEqual({ version: 1, ...result.spec });
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

/** Every field set, with strings YAML could misread. */
const richRollout = (template: TemplateName): Rollout => {
  const rollout = newRollout(template);
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
      willingness: 'medium',
      users: 0,
      devices: 1_000_000,
      platforms: ['windows', 'macos'],
      requirements: 'VPN\nBitLocker',
      geography: 'Berlin, Germany',
      businessRisk: 'high',
    },
    {
      id: 'remote',
      name: 'Remote',
      kind: 'custom',
      enrollment: null,
      groupId: null,
      members: [],
      timeFrame: { start: null, end: null },
      targetGroups: [],
      checklist: [],
      criteria: [],
      willingness: null,
      users: null,
      devices: null,
      platforms: [],
      requirements: '',
      geography: '',
      businessRisk: null,
    },
  ];
  const decision = applyPlan(rollout, spec, { by: ADMIN, revision: null, section: 'test' }, NOW);
  if (!decision.ok) throw new Error(decision.error.message);
  return decision.value;
};

describe('export → YAML → import', () => {
  const cases: [string, Rollout][] = [
    ['a new app rollout', newRollout('app')],
    ['a new enrollment rollout', newRollout('enrollment')],
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
    const rollout = newRollout('app');
    rollout.phases[0]!.checklist[0] = {
      ...rollout.phases[0]!.checklist[0]!,
      done: true,
      by: ADMIN,
      at: NOW.toISOString(),
    };
    const text = stringifyPlan(toPlanFile(rollout));
    expect(text).not.toMatch(/done|Adele/);
    const file: PlanFile = toPlanFile(rollout);
    expect(Object.keys(file.phases.scope.checklist[0] ?? {})).toEqual(['id', 'text']);
  });
});

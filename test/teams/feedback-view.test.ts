import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addTallies,
  CATEGORIES,
  contribution,
  sumTallies,
  INSTALL_RESULTS,
  PLATFORMS,
  RATINGS,
  SEVERITIES,
  type FeedbackAnswer,
  type FeedbackEntry,
} from '../../src/domain/feedback';
import { feedbackIssueCard, feedbackIssueData } from '../../src/teams/views/feedback-issue-view';
import {
  barRows,
  distributionLine,
  feedbackExportCard,
  feedbackExportData,
  feedbackSummaryCard,
  feedbackSummaryData,
  MAX_BAR,
  overallTally,
} from '../../src/teams/views/feedback-report-view';
import {
  answerValues,
  CATEGORY_LABELS,
  feedbackFormCard,
  feedbackFormData,
  feedbackThanksCard,
  feedbackThanksData,
  INSTALL_LABELS,
  PLATFORM_LABELS,
  RATING_LABELS,
  SEVERITY_DESCRIPTIONS,
} from '../../src/teams/views/feedback-view';
import { cardText, findAction } from '../support/activities';
import { formValues } from '../support/cards';
import { ADMIN, aRollout, OTHER, tallyOf, withWaves } from '../domain/fixtures';

const rollout = withWaves(aRollout({ position: { phase: 'enterprise', wave: 1 } }), ['HR', 'Sales']);
const PERSON = { id: 'cccccccc-0000-4000-8000-00000000beef', name: 'Megan Bowen' };
const LABEL = 'Enterprise rollout — wave 2 of 2: Sales';

const anAnswer = (overrides: Partial<FeedbackAnswer> = {}): FeedbackAnswer => ({
  rating: 2,
  installed: 'no',
  category: 'install',
  severity: 'blocker',
  platform: 'windows',
  comment: 'The installer stops at 80%.',
  shareName: false,
  ...overrides,
});

const anEntry = (
  answer: Partial<FeedbackAnswer> = {},
  overrides: Partial<FeedbackEntry> = {},
): FeedbackEntry => ({
  rolloutId: rollout.id,
  stageId: 'enterprise/w2',
  person: PERSON,
  answer: anAnswer(answer),
  submittedAt: '2026-02-10T09:00:00.000Z',
  updatedAt: '2026-02-10T17:30:00.000Z',
  resolution: null,
  activities: ['a1'],
  ...overrides,
});

const json = (content: unknown) => JSON.stringify(content);

describe('anonymous answers carry no name and no id', () => {
  const anonymous = anEntry({ shareName: false });
  const cards = {
    thanks: feedbackThanksCard.render(
      feedbackThanksData({
        rollout,
        stageId: 'enterprise/w2',
        stageLabel: LABEL,
        entry: anonymous,
        notice: '',
      }),
    ),
    issue: feedbackIssueCard.render(
      feedbackIssueData({
        rollout,
        stageLabel: LABEL,
        entry: anonymous,
        ref: 'sealed-ref',
        notice: '',
      }),
    ),
    summary: feedbackSummaryCard.render(
      feedbackSummaryData({
        rollout,
        stages: [{ stageId: 'enterprise/w2', label: LABEL, tally: tallyOf(1), audience: null }],
        comments: [
          {
            stageId: 'enterprise/w2',
            name: null,
            rating: 2,
            comment: anonymous.answer.comment,
            at: anonymous.updatedAt,
          },
        ],
        timeZone: 'UTC',
      }),
    ),
  };

  it.each(Object.entries(cards))('%s', (_name, card) => {
    const text = json(card.content);
    expect(text).not.toContain(PERSON.name);
    expect(text).not.toContain('Megan');
    expect(text).not.toContain(PERSON.id);
    expect(text).not.toContain('beef');
    expect(text).toContain('The installer stops at 80%.');
  });

  it('the issue and summary say "Anonymous"; the thanks card just "Thanks!"', () => {
    expect(cardText(cards.issue.content)).toMatch(/Reported by: Anonymous/);
    expect(cardText(cards.summary.content)).toMatch(/Anonymous/);
    expect(cardText(cards.thanks.content)).toMatch(/^Thanks!$/m);
    expect(cardText(cards.thanks.content)).toMatch(/Name shared with the rollout team: No/);
  });

  it('a shared name is shown (so the checks above can fail), the id still never', () => {
    const named = anEntry({ shareName: true });
    const thanks = feedbackThanksCard.render(
      feedbackThanksData({ rollout, stageId: 'enterprise/w2', stageLabel: LABEL, entry: named, notice: '' }),
    );
    const issue = feedbackIssueCard.render(
      feedbackIssueData({ rollout, stageLabel: LABEL, entry: named, ref: 'sealed-ref', notice: '' }),
    );
    expect(cardText(thanks.content)).toMatch(/Thanks, Megan Bowen!/);
    expect(cardText(issue.content)).toMatch(/Reported by: Megan Bowen/);
    for (const card of [thanks, issue]) expect(json(card.content)).not.toContain(PERSON.id);
  });
});

describe('the feedback form', () => {
  const template = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'cards', 'feedback-form.json'), 'utf8'),
  );
  const choicesOf = (id: string): Record<string, string> => {
    const found: { choices: { title: string; value: string }[] }[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.type === 'Input.ChoiceSet' && n.id === id) found.push(n as never);
      Object.values(n).forEach(walk);
    };
    walk(template);
    return Object.fromEntries(found[0]?.choices.map((c) => [c.value, c.title]) ?? []);
  };

  it('offers exactly the domain’s values, titled with the labels the other cards use', () => {
    const asText = (labels: Record<string | number, string>) =>
      Object.fromEntries(Object.entries(labels).map(([k, v]) => [String(k), v]));
    expect(choicesOf('rating')).toEqual(asText(RATING_LABELS));
    expect(Object.keys(choicesOf('rating'))).toEqual(RATINGS.map(String));
    expect(choicesOf('installed')).toEqual(INSTALL_LABELS);
    expect(Object.keys(choicesOf('installed'))).toEqual([...INSTALL_RESULTS]);
    expect(choicesOf('category')).toEqual(CATEGORY_LABELS);
    expect(Object.keys(choicesOf('category'))).toEqual([...CATEGORIES]);
    expect(choicesOf('severity')).toEqual(SEVERITY_DESCRIPTIONS);
    expect(Object.keys(choicesOf('severity'))).toEqual([...SEVERITIES]);
    expect(choicesOf('platform')).toEqual(PLATFORM_LABELS);
    expect(Object.keys(choicesOf('platform'))).toEqual([...PLATFORMS]);
  });

  it('a blank form: empty inputs, the toggle off, no errors, one Send feedback button', () => {
    const { content } = feedbackFormCard.render(
      feedbackFormData({ rollout, stageId: 'enterprise/w2', stageLabel: LABEL }),
    );
    expect(formValues(content)).toEqual({
      rating: '',
      installed: '',
      category: '',
      severity: '',
      platform: '',
      comment: '',
      shareName: 'false',
    });
    expect(json(content)).not.toContain('"color":"Attention"');
    expect(cardText(content)).toContain(LABEL);
    expect(cardText(content)).toContain(rollout.name);
    expect(findAction(content, 'feedback.submit')?.data).toEqual({
      rolloutId: rollout.id,
      stageId: 'enterprise/w2',
    });
    expect(json(content)).toContain('"associatedInputs":"auto"');
  });

  it('pre-fills a stored answer for editing', () => {
    const answer = anAnswer({ shareName: true, comment: 'Slow on VPN' });
    const { content } = feedbackFormCard.render(
      feedbackFormData({
        rollout,
        stageId: 'enterprise/w2',
        stageLabel: LABEL,
        values: answerValues(answer),
      }),
    );
    expect(formValues(content)).toEqual({
      rating: '2',
      installed: 'no',
      category: 'install',
      severity: 'blocker',
      platform: 'windows',
      comment: 'Slow on VPN',
      shareName: 'true',
    });
  });

  it('shows each error under its input and the form error at the top, keeping the values', () => {
    const { content } = feedbackFormCard.render(
      feedbackFormData({
        rollout,
        stageId: 'enterprise/w2',
        stageLabel: LABEL,
        values: { rating: '', comment: '${name} **typed**', platform: 'macos' },
        errors: { rating: 'Choose a rating from 1 to 5.' },
        formError: 'Some answers need another look: see below.',
      }),
    );
    const text = cardText(content);
    expect(text.indexOf('Some answers need another look')).toBeLessThan(text.indexOf('Choose a rating'));
    expect(text.match(/Choose a rating from 1 to 5\./g)).toHaveLength(1);
    expect(json(content).match(/"color":"Attention"/g)).toHaveLength(2);
    expect(formValues(content)).toMatchObject({ comment: '${name} **typed**', platform: 'macos' });
  });

  it('closed: the reason, no inputs and no button', () => {
    const { content } = feedbackFormCard.render(
      feedbackFormData({
        rollout,
        stageId: 'enterprise/w2',
        stageLabel: LABEL,
        closed: '“Teams Premium” is completed; it no longer takes feedback.',
      }),
    );
    expect(cardText(content)).toMatch(/no longer takes feedback/);
    expect(formValues(content)).toEqual({});
    expect(findAction(content, 'feedback.submit')).toBeNull();
  });
});

describe('the thank-you card', () => {
  it('lists the answers, the notice and an Edit button for the same stage', () => {
    const { content } = feedbackThanksCard.render(
      feedbackThanksData({
        rollout,
        stageId: 'enterprise/w2',
        stageLabel: LABEL,
        entry: anEntry({ comment: '' }),
        notice: 'Already saved: nothing changed.',
      }),
    );
    const text = cardText(content);
    expect(text).toContain('Rating: 2 – Fair');
    expect(text).toContain('Installed and works: No');
    expect(text).toContain('About: Installation');
    expect(text).toContain("Severity: Blocker – I can't work");
    expect(text).toContain('Platform: Windows');
    expect(text).toContain('Comment: —');
    expect(text).toContain('Already saved: nothing changed.');
    expect(findAction(content, 'feedback.edit')?.data).toEqual({
      rolloutId: rollout.id,
      stageId: 'enterprise/w2',
    });
  });
});

describe('the feedback summary', () => {
  const pilot = addTallies(
    tallyOf(3, { rating: 5 }),
    tallyOf(1, { rating: 2, installed: 'partly', severity: 'blocker' }),
  );
  const wave = tallyOf(2, { rating: 4, installed: 'no', severity: 'major' });
  // The enterprise phase's tally includes its wave's (as stageTally sums it).
  const stages = [
    { stageId: 'pilot', label: 'Pilot', tally: pilot, audience: 10 },
    { stageId: 'enterprise', label: 'Enterprise rollout', tally: wave, audience: null },
    { stageId: 'enterprise/w2', label: LABEL, tally: wave, audience: 40 },
    {
      stageId: 'enterprise/w1',
      label: 'Enterprise rollout — wave 1 of 2: HR',
      tally: tallyOf(0),
      audience: 5,
    },
  ];
  const data = feedbackSummaryData({
    rollout,
    stages,
    comments: [
      { stageId: 'pilot', name: ADMIN.name, rating: 5, comment: 'Love it', at: '2026-02-10T17:30:00.000Z' },
      {
        stageId: 'enterprise/w1',
        name: null,
        rating: 1,
        comment: 'c'.repeat(900),
        at: '2026-02-10T08:00:00.000Z',
      },
      { stageId: 'pilot', name: OTHER.name, rating: 3, comment: '   ', at: '2026-02-10T08:00:00.000Z' },
    ],
    timeZone: 'Europe/Amsterdam',
  });
  const { content } = feedbackSummaryCard.render(data);
  const text = cardText(content);

  it('one section per phase or wave with answers, with its figures', () => {
    expect(data.stages.map((s) => s.label)).toEqual(['Pilot', 'Enterprise rollout', LABEL]);
    expect(data.stages[0]).toEqual({
      stageId: 'pilot',
      label: 'Pilot',
      responses: '4 of 10 people (40%)',
      averageRating: '4.25 of 5',
      installSuccess: '75% (25% partly)',
      openBlockers: '1',
      openMajors: '0',
      hasOpenIssues: true,
      distribution: 'Ratings 1·0 2·1 3·0 4·0 5·3 — Windows 4 — Other 4',
    });
    expect(data.stages[1]).toMatchObject({
      responses: '2',
      averageRating: '4.00 of 5',
      installSuccess: '0%',
    });
    expect(data.stages[2]).toMatchObject({ responses: '2 of 40 people (5%)', openMajors: '2' });
    expect(text).toMatch(/Responses: 4 of 10 people \(40%\)/);
    expect(text).toMatch(/Average rating: 4\.25 of 5/);
    expect(text).toMatch(/Installed and works: 75% \(25% partly\)/);
    expect(text).toMatch(/Open blockers: 1/);
    expect(text).toMatch(/Open major issues: 2/);
  });

  it('each phase or wave shows its own distributions on one line, under its figures', () => {
    const mixed = sumTallies([
      ...Array.from({ length: 3 }, () => contribution(anEntry({ rating: 3, category: 'sign-in' }))),
      contribution(anEntry({ rating: 4, platform: 'macos', category: 'performance' })),
      contribution(anEntry({ rating: 4, platform: 'macos', category: 'sign-in' })),
    ]);
    expect(distributionLine(mixed)).toBe(
      'Ratings 1·0 2·0 3·3 4·2 5·0 — Windows 3, macOS 2 — Sign-in 4, Performance 1',
    );
    expect(distributionLine(tallyOf(1234, { rating: 4 }))).toBe(
      'Ratings 1·0 2·0 3·0 4·1,234 5·0 — Windows 1,234 — Other 1,234',
    );
    expect(distributionLine(tallyOf(0))).toBe('Ratings 1·0 2·0 3·0 4·0 5·0');
    const card = feedbackSummaryCard.render(
      feedbackSummaryData({
        rollout,
        stages: [
          { stageId: 'pilot', label: 'Pilot', tally: mixed, audience: null },
          { stageId: 'enterprise/w2', label: LABEL, tally: wave, audience: null },
        ],
        comments: [],
        timeZone: 'UTC',
      }),
    ).content;
    const lines = cardText(card).split('\n');
    const after = (label: string) => lines.slice(lines.indexOf(label)).find((l) => l.startsWith('Ratings '));
    expect(after('Pilot')).toBe(distributionLine(mixed));
    expect(after(LABEL)).toBe('Ratings 1·0 2·0 3·0 4·2 5·0 — Windows 2 — Other 2');
  });

  it('charts count every answer once (a phase already includes its waves)', () => {
    expect(overallTally(stages).responses).toBe(6);
    expect(data.overview).toBe('6 answers so far, from 3 phases and waves.');
    expect(data.ratingChart).toEqual([
      { x: '1', y: 0, color: 'attention' },
      { x: '2', y: 1, color: 'attention' },
      { x: '3', y: 0, color: 'warning' },
      { x: '4', y: 2, color: 'good' },
      { x: '5', y: 3, color: 'good' },
    ]);
    expect(data.platformChart).toEqual([{ legend: 'Windows', value: 6 }]);
    expect(data.categoryChart).toEqual([
      { x: 'Installation', y: 0 },
      { x: 'Sign-in', y: 0 },
      { x: 'Functionality', y: 0 },
      { x: 'Performance', y: 0 },
      { x: 'Other', y: 6 },
    ]);
  });

  it('a wave whose phase is not listed counts on its own', () => {
    expect(
      overallTally([{ stageId: 'enterprise/w2', label: LABEL, tally: wave, audience: null }]).responses,
    ).toBe(2);
  });

  it('the charts are Teams charts with a ColumnSet fallback for other clients', () => {
    const charts = (content.body as { items?: Record<string, unknown>[] }[])
      .flatMap((b) => b.items ?? [])
      .filter((i) => typeof i.type === 'string' && i.type.startsWith('Chart.'));
    expect(charts.map((c) => c.type)).toEqual(['Chart.VerticalBar', 'Chart.Pie', 'Chart.HorizontalBar']);
    expect(charts[0]?.data).toEqual(data.ratingChart);
    expect(charts[1]?.data).toEqual(data.platformChart);
    expect(charts[2]?.data).toEqual(data.categoryChart);
    for (const chart of charts) expect(json(chart.fallback)).toContain('"type":"ColumnSet"');
    expect(data.ratingRows.map((r) => [r.label, r.count, r.bar.length])).toEqual([
      ['1 – Poor', '0', 0],
      ['2 – Fair', '1', 7],
      ['3 – Good', '0', 0],
      ['4 – Very good', '2', 13],
      ['5 – Excellent', '3', MAX_BAR],
    ]);
  });

  it('text bars are proportional, the longest MAX_BAR, any answer at least one block', () => {
    expect(
      barRows([
        ['a', 1000],
        ['b', 1],
        ['c', 0],
        ['d', 500],
      ]).map((r) => r.bar.length),
    ).toEqual([MAX_BAR, 1, 0, MAX_BAR / 2]);
    expect(barRows([['a', 0]])).toEqual([{ label: 'a', count: '0', bar: '' }]);
  });

  it('latest comments: name or Anonymous, rating, stage, when; long ones cut, empty ones left out', () => {
    expect(data.comments).toEqual([
      {
        who: ADMIN.name,
        rating: '★★★★★ 5 of 5',
        stage: 'Pilot',
        when: '10 Feb 2026, 18:30 CET',
        text: 'Love it',
      },
      {
        who: 'Anonymous',
        rating: '★☆☆☆☆ 1 of 5',
        stage: 'Enterprise rollout — wave 1 of 2: HR',
        when: '10 Feb 2026, 09:00 CET',
        text: `${'c'.repeat(500)}…`,
      },
    ]);
    expect(text).toMatch(/Latest comments/);
  });

  it('a comment from a stage not listed gets its label from the plan', () => {
    const other = feedbackSummaryData({
      rollout,
      stages: [],
      comments: [
        { stageId: 'enterprise/w1', name: null, rating: 4, comment: 'ok', at: '2026-02-10T08:00:00.000Z' },
      ],
      timeZone: 'UTC',
    });
    expect(other.comments[0]?.stage).toBe('Enterprise rollout — wave 1 of 2: HR');
  });

  it('with no answers: a friendly line, no charts, no figures', () => {
    const empty = feedbackSummaryCard.render(
      feedbackSummaryData({ rollout, stages: [], comments: [], timeZone: 'UTC' }),
    ).content;
    const emptyText = cardText(empty);
    expect(emptyText).toMatch(/No feedback yet/);
    expect(emptyText).not.toMatch(/Responses|Latest comments/);
    expect(json(empty)).not.toContain('Chart.');
  });
});

describe('the issue card', () => {
  const ref = 'c2VhbGVkLXJlZg';

  it('open: severity, stage, answer details, a note input and Mark resolved', () => {
    const { content } = feedbackIssueCard.render(
      feedbackIssueData({ rollout, stageLabel: LABEL, entry: anEntry(), ref, notice: '' }),
    );
    const text = cardText(content);
    expect(text).toMatch(/⛔ Blocker reported/);
    expect(text).toContain(`${rollout.name} · ${LABEL}`);
    expect(text).toContain('Rating: 2 – Fair');
    expect(text).toContain('About: Installation');
    expect(text).toContain('Platform: Windows');
    expect(text).toContain('Installed and works: No');
    expect(text).toContain('Reported: 10 Feb 2026, 17:30 UTC');
    expect(text).toContain('The installer stops at 80%.');
    expect(text).toMatch(/^Open$/m);
    expect(formValues(content)).toEqual({ note: '' });
    // The buttons name the answer only through the sealed reference: no stage, no answer key.
    expect(findAction(content, 'blocker.resolve')?.data).toEqual({ rolloutId: rollout.id, ref });
    expect(json(content)).not.toMatch(/personKey|stageId/);
    expect(findAction(content, 'blocker.reopen')).toBeNull();
  });

  it('resolved: who, when and the note; Reopen instead of the note', () => {
    const entry = anEntry(
      { severity: 'major' },
      { resolution: { by: ADMIN, at: '2026-02-11T10:00:00.000Z', note: 'Fixed in 2.1' } },
    );
    const { content } = feedbackIssueCard.render(
      feedbackIssueData({ rollout, stageLabel: LABEL, entry, ref, notice: 'Reopened.' }),
    );
    const text = cardText(content);
    expect(text).toMatch(/⚠️ Major issue reported/);
    expect(text).toContain('Resolved by Adele Vance at 11 Feb 2026, 10:00 UTC: Fixed in 2.1');
    expect(text).toContain('Reopened.');
    expect(formValues(content)).toEqual({});
    expect(findAction(content, 'blocker.reopen')?.data).toEqual({ rolloutId: rollout.id, ref });
    expect(json(content)).toContain('"associatedInputs":"none"');
    expect(findAction(content, 'blocker.resolve')).toBeNull();
  });

  it('shows a notice such as a refused resolve', () => {
    const { content } = feedbackIssueCard.render(
      feedbackIssueData({
        rollout,
        stageLabel: LABEL,
        entry: anEntry(),
        ref,
        notice: 'Resolving an issue needs a note: what fixed it?',
      }),
    );
    expect(cardText(content)).toMatch(/needs a note/);
  });
});

describe('the export card', () => {
  it('the link, how many answers, and when the link expires (in the rollout’s time zone)', () => {
    const data = feedbackExportData({
      rollout: { ...rollout, timeZone: 'Europe/Amsterdam' },
      count: 1234,
      url: 'https://bot.example.com/exports/feedback/abc',
      expiresAt: '2026-02-10T17:40:00.000Z',
    });
    const { content } = feedbackExportCard.render(data);
    expect(cardText(content)).toMatch(/Feedback export ready/);
    expect(cardText(content)).toContain('1,234 answers');
    expect(cardText(content)).toContain('The link works once and expires at 10 Feb 2026, 18:40 CET.');
    expect(content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Download CSV', url: 'https://bot.example.com/exports/feedback/abc' },
    ]);
    expect(feedbackExportData({ rollout, count: 1, url: 'u', expiresAt: '' }).answers).toBe('1 answer');
    expect(feedbackExportData({ rollout, count: 0, url: 'u', expiresAt: '' }).answers).toBe('No answers yet');
  });
});

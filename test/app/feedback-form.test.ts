import {
  FEEDBACK_FIELDS,
  FEEDBACK_MESSAGES,
  feedbackActionSchema,
  parseFeedbackForm,
  type FeedbackField,
} from '../../src/app/feedback-form';

/** What a Teams client sends for a complete answer: every input as a string. */
const GOOD: Record<FeedbackField, string> = {
  rating: '4',
  installed: 'yes',
  category: 'functionality',
  severity: 'none',
  platform: 'windows',
  comment: 'Works well',
  shareName: 'true',
};

const without = (field: FeedbackField): Record<string, unknown> => {
  const data: Record<string, unknown> = { ...GOOD };
  delete data[field];
  return data;
};

describe('parseFeedbackForm', () => {
  it('a complete answer parses, with the rating as a number and the comment trimmed', () => {
    expect(parseFeedbackForm({ ...GOOD, comment: '  Works well \n' })).toEqual({
      ok: true,
      answer: {
        rating: 4,
        installed: 'yes',
        category: 'functionality',
        severity: 'none',
        platform: 'windows',
        comment: 'Works well',
        shareName: true,
      },
    });
  });

  it('keeps the action data besides the inputs (rolloutId, stageId) out of the answer', () => {
    const parsed = parseFeedbackForm({ ...GOOD, rolloutId: 'ro-1', stageId: 'pilot' });
    expect(parsed.ok && Object.keys(parsed.answer).sort()).toEqual([...FEEDBACK_FIELDS].sort());
  });

  it.each<[string, Record<string, unknown>, FeedbackField, string | RegExp]>([
    ['no rating', without('rating'), 'rating', FEEDBACK_MESSAGES.rating],
    ['an empty rating', { ...GOOD, rating: '' }, 'rating', 'Choose a rating from 1 to 5.'],
    ['a rating of 0', { ...GOOD, rating: '0' }, 'rating', FEEDBACK_MESSAGES.rating],
    ['a rating of 6', { ...GOOD, rating: '6' }, 'rating', FEEDBACK_MESSAGES.rating],
    ['a rating of 4.5', { ...GOOD, rating: '4.5' }, 'rating', FEEDBACK_MESSAGES.rating],
    ['a rating in words', { ...GOOD, rating: 'great' }, 'rating', FEEDBACK_MESSAGES.rating],
    ['no install result', without('installed'), 'installed', FEEDBACK_MESSAGES.installed],
    ['an unknown install result', { ...GOOD, installed: 'maybe' }, 'installed', FEEDBACK_MESSAGES.installed],
    ['no category', without('category'), 'category', FEEDBACK_MESSAGES.category],
    ['an unknown category', { ...GOOD, category: 'ui' }, 'category', FEEDBACK_MESSAGES.category],
    ['no severity', without('severity'), 'severity', FEEDBACK_MESSAGES.severity],
    ['an unknown severity', { ...GOOD, severity: 'critical' }, 'severity', FEEDBACK_MESSAGES.severity],
    ['no platform', without('platform'), 'platform', FEEDBACK_MESSAGES.platform],
    ['an unknown platform', { ...GOOD, platform: 'beos' }, 'platform', FEEDBACK_MESSAGES.platform],
    ['a comment that is not text', { ...GOOD, comment: { x: 1 } }, 'comment', FEEDBACK_MESSAGES.comment],
    [
      'a comment of 2,001 characters',
      { ...GOOD, comment: 'x'.repeat(2001) },
      'comment',
      'A comment can have at most 2,000 characters; you typed 2,001. Please shorten it.',
    ],
    [
      'a share-name value that is not on or off',
      { ...GOOD, shareName: 'maybe' },
      'shareName',
      FEEDBACK_MESSAGES.shareName,
    ],
  ])('%s: that field’s message and nothing else', (_case, data, field, message) => {
    const parsed = parseFeedbackForm(data);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.keys(parsed.errors)).toEqual([field]);
    expect(parsed.errors[field]).toEqual(message);
  });

  it('every message is a sentence for a person', () => {
    const parsed = parseFeedbackForm({});
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.keys(parsed.errors).sort()).toEqual(
      ['rating', 'installed', 'category', 'severity', 'platform'].sort(),
    );
    for (const message of Object.values(parsed.errors)) expect(message).toMatch(/^[A-Z].*\.\)?$/);
  });

  it('a comment of exactly 2,000 characters is fine; 2,001 is refused', () => {
    expect(parseFeedbackForm({ ...GOOD, comment: 'x'.repeat(2000) }).ok).toBe(true);
    expect(parseFeedbackForm({ ...GOOD, comment: 'x'.repeat(2001) }).ok).toBe(false);
  });

  it('counts characters, not UTF-16 units, and after trimming', () => {
    expect(parseFeedbackForm({ ...GOOD, comment: '👍'.repeat(2000) }).ok).toBe(true);
    expect(parseFeedbackForm({ ...GOOD, comment: `  ${'x'.repeat(2000)}  ` }).ok).toBe(true);
  });

  it.each<[unknown, boolean]>([
    ['true', true],
    ['false', false],
    [true, true],
    [false, false],
    [' TRUE ', true],
    [undefined, false],
    ['', false],
  ])('shareName %p → %p', (shareName, expected) => {
    const parsed = parseFeedbackForm({ ...GOOD, shareName });
    expect(parsed.ok && parsed.answer.shareName).toBe(expected);
  });

  it('the comment is optional', () => {
    const parsed = parseFeedbackForm(without('comment'));
    expect(parsed.ok && parsed.answer.comment).toBe('');
  });

  it('accepts a rating sent as a number', () => {
    const parsed = parseFeedbackForm({ ...GOOD, rating: 5 });
    expect(parsed.ok && parsed.answer.rating).toBe(5);
  });

  it('echoes what was sent, untrimmed, so the card shows it again', () => {
    const typed = { ...GOOD, rating: '', comment: `  ${'y'.repeat(2001)}`, shareName: false };
    const parsed = parseFeedbackForm(typed);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.values).toEqual({ ...GOOD, rating: '', comment: typed.comment, shareName: 'false' });
    expect(Object.keys(parsed.errors).sort()).toEqual(['comment', 'rating']);
  });
});

describe('feedbackActionSchema', () => {
  it('keeps the inputs that come in the same data as the ids', () => {
    expect(feedbackActionSchema.parse({ rolloutId: 'ro-1', stageId: 'pilot/w1', ...GOOD })).toEqual({
      rolloutId: 'ro-1',
      stageId: 'pilot/w1',
      ...GOOD,
    });
  });

  it.each([
    [{ stageId: 'pilot' }],
    [{ rolloutId: '', stageId: 'pilot' }],
    [{ rolloutId: 'r'.repeat(101), stageId: 'pilot' }],
    [{ rolloutId: 'ro-1' }],
    [{ rolloutId: 'ro-1', stageId: 's'.repeat(141) }],
  ])('refuses %p', (data) => {
    expect(feedbackActionSchema.safeParse(data).success).toBe(false);
  });
});

import { feedbackPersonKey } from '../../src/app/feedback-keys';
import { submitFeedback } from '../../src/app/submit-feedback';
import { RATINGS, sumTallies, tallyDelta, type FeedbackAnswer } from '../../src/domain/feedback';
import type { EntityTable } from '../../src/storage/entity-table';
import { makeDeps, rolloutInPilot, TENANT } from './support';

const ANSWER: FeedbackAnswer = {
  rating: 4,
  installed: 'yes',
  category: 'install',
  severity: 'none',
  platform: 'windows',
  comment: '',
  shareName: true,
};

/** Many people answering at once, against a real table (Azurite) or the in-memory one. */
export const describeFeedbackConcurrency = (
  name: string,
  tables: () => Promise<[EntityTable, EntityTable]>,
) =>
  describe(`feedback under concurrency (${name})`, () => {
    const setUp = async () => {
      const [rolloutTable, feedbackTable] = await tables();
      const deps = makeDeps(rolloutTable, feedbackTable);
      const rolloutId = await rolloutInPilot(deps);
      return { deps, rolloutId };
    };

    it('100 people submitting at once → exactly 100 rows and exact counts', async () => {
      const { deps, rolloutId } = await setUp();
      const people = Array.from({ length: 100 }, (_, i) => ({ id: `person-${i}`, name: `Person ${i}` }));
      const answerOf = (i: number): FeedbackAnswer => ({
        ...ANSWER,
        rating: RATINGS[i % 5] ?? 1,
        installed: i % 10 === 0 ? 'no' : 'yes',
        platform: i % 2 ? 'macos' : 'windows',
      });
      const outcomes = await Promise.all(
        people.map((by, i) =>
          submitFeedback(deps, {
            tenantId: TENANT,
            rolloutId,
            stageId: 'pilot',
            by,
            activityKey: `conv|submit-${i}`,
            answer: answerOf(i),
          }),
        ),
      );
      expect(outcomes.map((o) => o.kind)).toEqual(people.map(() => 'stored'));
      const entries = await deps.feedback.entries(TENANT, rolloutId, 1000);
      expect(entries).toHaveLength(100);
      const tally = (await deps.feedback.tallies(TENANT, rolloutId)).get('pilot');
      expect(tally).toEqual(sumTallies(entries.map((e) => tallyDelta(null, e))));
      expect(tally).toMatchObject({
        responses: 100,
        ratingSum: 300,
        ratings: { 1: 20, 2: 20, 3: 20, 4: 20, 5: 20 },
        platforms: { windows: 50, macos: 50 },
        installed: { yes: 90, no: 10 },
      });
    });

    it('20 edits by one person at once → one row, and counts that match it exactly', async () => {
      const { deps, rolloutId } = await setUp();
      const by = { id: 'person-x', name: 'Person X' };
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          submitFeedback(deps, {
            tenantId: TENANT,
            rolloutId,
            stageId: 'pilot',
            by,
            activityKey: `conv|edit-${i}`,
            answer: { ...ANSWER, rating: RATINGS[i % 5] ?? 1, severity: i % 3 ? 'minor' : 'blocker' },
          }),
        ),
      );
      const entries = await deps.feedback.entries(TENANT, rolloutId, 1000);
      expect(entries).toHaveLength(1);
      const [only] = entries;
      if (!only) throw new Error('no row');
      expect((await deps.feedback.tallies(TENANT, rolloutId)).get('pilot')).toEqual(tallyDelta(null, only));
      const stored = await deps.feedback.get(TENANT, rolloutId, 'pilot', feedbackPersonKey(rolloutId, by.id));
      expect(stored?.value).toEqual(only);
    });
  });

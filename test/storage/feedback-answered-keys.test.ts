import { feedbackPersonKey } from '../../src/app/feedback-keys';
import { decideSubmit, type FeedbackAnswer } from '../../src/domain/feedback';
import { TableFeedbackRepository } from '../../src/storage/feedback-repository';
import { MemoryTable } from '../../src/storage/memory-table';
import { CountingTable } from '../../bench/storage-counts';

const ANSWER: FeedbackAnswer = {
  rating: 4,
  installed: 'yes',
  category: 'install',
  severity: 'none',
  platform: 'windows',
  comment: 'fine',
  shareName: true,
};

const save = async (repo: TableFeedbackRepository, stageId: string, personId: string) => {
  const decision = decideSubmit(
    null,
    {
      rolloutId: 'ro-1',
      stageId,
      person: { id: personId, name: personId },
      answer: ANSWER,
      activityKey: `k-${stageId}-${personId}`,
    },
    new Date('2026-02-10T17:30:00Z'),
  );
  if (decision.kind !== 'store') throw new Error(decision.kind);
  await repo.save('t-1', {
    entry: decision.entry,
    ifMatch: null,
    delta: decision.delta,
    attempt: 0,
    notice: null,
  });
};

it('answeredKeys: the person keys of the stage’s answers only, read by keys (one query per bucket)', async () => {
  const table = new CountingTable(new MemoryTable());
  const repo = new TableFeedbackRepository(table);
  const pilot = Array.from({ length: 40 }, (_, i) => `p-${i}`);
  for (const id of pilot) await save(repo, 'pilot', id);
  await save(repo, 'enterprise/w1', 'q-1');
  table.counts = { get: 0, query: 0, submit: 0, conflicts: 0 };
  const keys = await repo.answeredKeys('t-1', 'ro-1', 'pilot');
  expect([...keys].sort()).toEqual(pilot.map((id) => feedbackPersonKey('ro-1', id)).sort());
  expect(table.counts).toEqual({ get: 0, query: 8, submit: 0, conflicts: 0 });
  expect(await repo.answeredKeys('t-1', 'ro-1', 'enterprise/w1')).toEqual(
    new Set([feedbackPersonKey('ro-1', 'q-1')]),
  );
  expect((await repo.answeredKeys('t-1', 'ro-1', 'enterprise')).size).toBe(0);
});

it('a partition query with select [] returns keys and ETags only', async () => {
  const table = new MemoryTable();
  await table.submit([{ kind: 'create', entity: { partitionKey: 'p', rowKey: 'r1', doc: 'big' } }]);
  const [row] = await table.query('p', { select: [] });
  expect(row).toEqual({ partitionKey: 'p', rowKey: 'r1', etag: expect.any(String) as string });
});

import { refContext } from '../../src/app/ports';
import { DeliveryError } from '../../src/app/errors';
import { NoticeDispatcher, retryDelay } from '../../src/app/notice-dispatcher';
import type { Log, Messenger, NoticeContent } from '../../src/app/ports';
import { feedbackPersonKey } from '../../src/app/feedback-keys';
import { AesRefSealer } from '../../src/app/sealed-ref';
import { submitFeedback } from '../../src/app/submit-feedback';
import { MEMBER, makeDeps, rolloutInPilot, TENANT } from './support';

const recordingLog = () => {
  const lines: { level: string; message: string }[] = [];
  const log: Log = {
    info: (_d, message) => void lines.push({ level: 'info', message }),
    warn: (_d, message) => void lines.push({ level: 'warn', message }),
    error: (_d, message) => void lines.push({ level: 'error', message }),
  };
  return { log, lines };
};

/** A messenger that fails as told, then delivers. */
const messenger = (failures: DeliveryError[]) => {
  const delivered: NoticeContent[] = [];
  const m: Messenger = {
    notify: async (_tenant, _to, content) => {
      const failure = failures.shift();
      if (failure) throw failure;
      delivered.push(content);
    },
    postSignoff: async () => 'unused',
    updateSignoff: async () => {},
  };
  return { m, delivered };
};

/** A rollout in its pilot with one blocker reported (its notice in the outbox). */
const withReportedBlocker = async () => {
  const deps = makeDeps();
  const rolloutId = await rolloutInPilot(deps);
  const outcome = await submitFeedback(deps, {
    tenantId: TENANT,
    rolloutId,
    stageId: 'pilot',
    by: MEMBER,
    activityKey: 'c|s1',
    answer: {
      rating: 1,
      installed: 'no',
      category: 'install',
      severity: 'blocker',
      platform: 'windows',
      comment: 'Fails',
      shareName: true,
    },
  });
  if (outcome.kind !== 'stored' || !outcome.notice) throw new Error('expected a notice');
  return { deps, notice: outcome.notice };
};

describe('the notice dispatcher', () => {
  it('delivers a notice and clears it from the outbox', async () => {
    const { deps, notice } = await withReportedBlocker();
    const { m, delivered } = messenger([]);
    const dispatcher = new NoticeDispatcher({
      ...deps,
      messenger: m,
      log: recordingLog().log,
      wait: async () => {},
    });
    dispatcher.enqueue(notice);
    dispatcher.enqueue(notice); // the same notice twice is sent once
    await dispatcher.idle();
    expect(delivered.map((c) => c.kind === 'feedback-issue' && c.entry.answer.comment)).toEqual(['Fails']);
    expect(await deps.feedback.pendingNotices(10)).toEqual([]);
  });

  it('names the answer by a sealed reference: no answer key, a different one on every card', async () => {
    const { deps, notice } = await withReportedBlocker();
    const { m, delivered } = messenger([]);
    const dispatcher = new NoticeDispatcher({
      ...deps,
      messenger: m,
      log: recordingLog().log,
      wait: async () => {},
    });
    dispatcher.enqueue(notice);
    await dispatcher.idle();
    dispatcher.enqueue(notice); // sent again (as after a crash): a new card
    await dispatcher.idle();
    const refs = delivered.map((c) => (c.kind === 'feedback-issue' ? c.ref : ''));
    expect(refs).toHaveLength(2);
    expect(refs[0]).not.toBe(refs[1]);
    const personKey = feedbackPersonKey(notice.rolloutId, MEMBER.id);
    for (const [i, content] of delivered.entries()) {
      expect(content).not.toHaveProperty('personKey');
      expect(refs[i]).not.toContain(personKey);
      const context = refContext(notice.tenantId, notice.rolloutId);
      expect(JSON.parse(deps.sealer.open(refs[i] ?? '', context) ?? 'null')).toEqual({
        stageId: 'pilot',
        personKey,
      });
      // Bound to its tenant and rollout: it opens nowhere else.
      expect(deps.sealer.open(refs[i] ?? '', refContext('another-tenant', notice.rolloutId))).toBeNull();
      expect(deps.sealer.open(refs[i] ?? '', refContext(notice.tenantId, 'ro-another'))).toBeNull();
    }
    expect(
      new AesRefSealer('another-secret').open(refs[0] ?? '', refContext(notice.tenantId, notice.rolloutId)),
    ).toBeNull();
  });

  it('retries throttled and failed sends, waiting as the service asks, then delivers', async () => {
    const { deps, notice } = await withReportedBlocker();
    const { m, delivered } = messenger([
      new DeliveryError('429', false, 3000),
      new DeliveryError('502', false, null),
    ]);
    const waits: number[] = [];
    const dispatcher = new NoticeDispatcher({
      ...deps,
      messenger: m,
      log: recordingLog().log,
      wait: async (ms) => void waits.push(ms),
    });
    dispatcher.enqueue(notice);
    await dispatcher.idle();
    expect(delivered).toHaveLength(1);
    expect(waits[0]).toBe(3000);
    expect(waits).toHaveLength(2);
  });

  it('after the last attempt the notice stays in the outbox, and the next start sends it', async () => {
    const { deps, notice } = await withReportedBlocker();
    const failing = messenger(Array.from({ length: 3 }, () => new DeliveryError('503', false)));
    const { log, lines } = recordingLog();
    const first = new NoticeDispatcher({
      ...deps,
      messenger: failing.m,
      log,
      wait: async () => {},
      maxAttempts: 3,
    });
    first.enqueue(notice);
    await first.idle();
    expect(failing.delivered).toEqual([]);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      expect.stringMatching(/stays in the outbox/),
    ]);
    expect(await deps.feedback.pendingNotices(10)).toEqual([notice]);

    const working = messenger([]);
    const next = new NoticeDispatcher({ ...deps, messenger: working.m, log, wait: async () => {} });
    expect(await next.recover()).toBe(1);
    await next.idle();
    expect(working.delivered).toHaveLength(1);
    expect(await deps.feedback.pendingNotices(10)).toEqual([]);
  });

  it('a conversation that blocked the bot is reported as an error, not retried', async () => {
    const { deps, notice } = await withReportedBlocker();
    const { m } = messenger([new DeliveryError('403 MessageWritesBlocked', true)]);
    const { log, lines } = recordingLog();
    const waits: number[] = [];
    const dispatcher = new NoticeDispatcher({
      ...deps,
      messenger: m,
      log,
      wait: async (ms) => void waits.push(ms),
    });
    dispatcher.enqueue(notice);
    await dispatcher.idle();
    expect(waits).toEqual([]);
    expect(lines.some((l) => l.level === 'error' && /cannot be delivered/.test(l.message))).toBe(true);
    expect(await deps.feedback.pendingNotices(10)).toEqual([]);
  });

  it.each([
    [0, null, 0.5, 500],
    [3, null, 1, 8000],
    [10, null, 1, 60_000],
    [2, 7000, 0.1, 7000],
  ])(
    'retry delay after attempt %i (Retry-After %p, jitter %p) is %i ms',
    (attempt, retryAfter, random, expected) => {
      expect(retryDelay(attempt, retryAfter, () => random)).toBe(expected);
    },
  );
});

import pino from 'pino';
import { INTUNE_PERMISSION } from '../../src/app/intune-status';
import { ACTIONS } from '../../src/teams/actions';
import { noticeCard } from '../../src/teams/views/notice-view';
import { intuneNoticeData } from '../../src/teams/views/intune-view';
import { COMMANDS } from '../../src/teams/commands';
import { Router } from '../../src/teams/router';
import type { Reply, Turn } from '../../src/teams/turn';
import { intuneSetup, type IntuneSetup } from '../app/intune-support';
import { ADMIN, COORDINATION, MEMBER, TENANT } from '../app/support';

/** What a turn did, in order: replies sent and work deferred (run by the test, as after the reply). */
const recordingTurn = (from: { id: string; name: string }, n: number) => {
  const events: string[] = [];
  const replies: Reply[] = [];
  const deferred: (() => void | Promise<unknown>)[] = [];
  const turn: Turn = {
    tenantId: TENANT,
    from,
    conversation: { id: COORDINATION.conversationId, type: 'channel', serviceUrl: COORDINATION.serviceUrl },
    activityId: `a-${n}`,
    activityKey: `${COORDINATION.conversationId}|a-${n}`,
    localTimezone: null,
    sentAt: null,
    send: async (reply) => void (events.push('reply'), replies.push(reply)),
    sendPrivately: async () => true,
    clickedMessageId: null,
    update: async () => {},
    defer: (task) => void (events.push('deferred'), deferred.push(task)),
  };
  const afterReply = async () => {
    for (const task of deferred.splice(0)) await task();
  };
  return { turn, events, replies, afterReply };
};

const textOf = (reply: Reply | undefined): string =>
  reply && 'card' in reply ? JSON.stringify(reply.card.content) : (reply?.text ?? '');

let n = 0;
const run = async (t: IntuneSetup, text: string, from = ADMIN) => {
  const router = new Router(COMMANDS, ACTIONS, t.deps, pino({ level: 'silent' }));
  const recorded = recordingTurn(from, ++n);
  await router.handleMessage(recorded.turn, text);
  return recorded;
};

describe('the Intune commands', () => {
  it('advance phase: the reply first, the assignment after it; status then shows it', async () => {
    const t = await intuneSetup();
    const advanced = await run(t, 'advance phase --force "vendor ok"');
    expect(textOf(advanced.replies[0])).toMatch(
      /Intune: assigning app app-0001 to 1 group \(required\) next/,
    );
    expect(await t.made()).toEqual([]);
    expect(await t.deps.rollouts.pendingAssignments(10)).toHaveLength(1);
    expect(textOf((await run(t, 'status')).replies[0])).toContain(
      'Intune: app-0001 — assignments not read yet · assignment for poc pending',
    );
    await advanced.afterReply();
    await t.running.idle();
    expect(await t.made()).toHaveLength(1);

    const status = await run(t, 'status');
    expect(textOf(status.replies[0])).toContain(
      'Intune: app-0001 — assigned to 1 group (required) · last read 10 Feb 2026, 18:30 CET',
    );
    expect(textOf(status.replies[0])).not.toContain('intune retry');
  });

  it('intune retry: admins only; nothing to retry is said; a failure shown by status is run again after the reply', async () => {
    const t = await intuneSetup();
    expect(textOf((await run(t, 'intune retry', MEMBER)).replies[0])).toMatch(/only the rollout's admins/);
    expect(textOf((await run(t, 'intune retry')).replies[0])).toMatch(/^Nothing to retry/);

    t.directory.revoke(TENANT, INTUNE_PERMISSION);
    await (await run(t, 'advance phase --force x')).afterReply();
    await t.running.idle();
    const status = await run(t, 'status');
    expect(textOf(status.replies[0])).toContain('failed: Microsoft Graph refused to assign app app-0001');
    expect(textOf(status.replies[0])).toContain('intune retry');

    t.directory.grant(TENANT, [INTUNE_PERMISSION]);
    const retried = await run(t, 'intune retry');
    expect(textOf(retried.replies[0])).toMatch(
      /^The last attempt failed: .* again now; the result is posted in the rollout's conversation\.$/,
    );
    expect(await t.made()).toEqual([]);
    await retried.afterReply();
    await t.running.idle();
    expect(await t.made()).toHaveLength(1);
    expect(textOf((await run(t, 'status')).replies[0])).not.toContain('failed:');
  });

  it('the coordination conversation is told what was assigned, left alone, left as it is, and warned', async () => {
    const t = await intuneSetup({
      audience: { groups: ['g-pilot', 'g-vip', 'g-done'], members: [MEMBER.id] },
    });
    t.directory.addAssignment(TENANT, 'app-0001', {
      id: 's1',
      target: 'exclude',
      groupId: 'g-vip',
      intent: 'required',
    });
    t.directory.addAssignment(TENANT, 'app-0001', {
      id: 's2',
      target: 'include',
      groupId: 'g-done',
      intent: 'required',
    });
    await (await run(t, 'advance phase --force x')).afterReply();
    await t.running.idle();
    const [report] = t.reports;
    if (report?.kind !== 'intune-assignment') throw new Error('no report');
    const data = intuneNoticeData(report.rollout, report.result, report.stageLabel);
    expect(data).toEqual({
      title: '✅ Intune: app app-0001 for Proof of concept (“Teams Premium”)',
      text: [
        'Assigned (required) to g-pilot.',
        'Already assigned, left alone: g-done.',
        'Left as they are (not required): g-vip (excluded).',
        'Warning: 1 listed member is not assigned: an assignment names groups only.',
      ].join('\n\n'),
    });
    expect(() => noticeCard.render(data)).not.toThrow();
  });

  it('status shows no Intune section with INTUNE_ASSIGN off', async () => {
    const t = await intuneSetup({ intuneAssign: false });
    expect(textOf((await run(t, 'status')).replies[0])).not.toContain('Intune:');
  });
});

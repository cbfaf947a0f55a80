import { DEFAULT_QUIET_HOURS } from '../../src/domain/schedule-plan';
import {
  closeRequest,
  evaluateReadiness,
  extendRequest,
  readinessFingerprint,
  type SignoffAnswer,
  type SignoffRequest,
} from '../../src/domain/signoff';
import {
  DEFAULT_ESCALATE_HOURS,
  dueSignoffSteps,
  escalationSteps,
  reminderSteps,
} from '../../src/domain/signoff-schedule';
import { parseEscalateHours } from '../../src/schedule/signoff-settings';
import { ADMIN, aRollout } from './fixtures';

const TZ = 'Europe/Berlin';
const QUIET = DEFAULT_QUIET_HOURS; // 19:00–08:00 and weekends
const BY = { id: 'scheduler', name: 'Rollout Coordinator (scheduler)' };
const M1 = { id: 'm1', name: 'Henrietta Desk' };
const M2 = { id: 'm2', name: 'Hal Desk' };

/** Made Wednesday 2026-02-11 10:00 Berlin; deadline Monday 2026-02-16 08:00 Berlin. */
const request = (extra: Partial<SignoffRequest> = {}): SignoffRequest => ({
  id: 'sg-1',
  tenantId: 't',
  rolloutId: 'ro-test',
  stageId: 'pilot',
  stageLabel: 'Pilot',
  policy: { kind: 'everyone' },
  allowNotReady: false,
  members: [M1.id, M2.id],
  deadline: '2026-02-16T07:00:00.000Z',
  fingerprint: '',
  status: 'open',
  supersededBy: null,
  createdBy: ADMIN,
  createdAt: '2026-02-11T09:00:00.000Z',
  postedTo: null,
  messageId: null,
  ...extra,
});
const ready = (who: { id: string; name: string }, at = '2026-02-12T10:00:00.000Z'): SignoffAnswer => ({
  person: who,
  ready: true,
  reason: null,
  at,
  activities: [],
});
const iso = (steps: { at: Date }[]) => steps.map((s) => s.at.toISOString());
const due = (
  r: SignoffRequest,
  now: string,
  options: Partial<{ done: Record<string, string>; paused: boolean }> = {},
) =>
  dueSignoffSteps(
    r,
    {
      timeZone: TZ,
      quiet: QUIET,
      escalateHours: DEFAULT_ESCALATE_HOURS,
      paused: options.paused ?? false,
      done: options.done ?? {},
    },
    new Date(now),
  );

describe('when reminders go', () => {
  it('the first 24 h after the request; a Monday 08:00 deadline is reminded on Friday before the quiet evening', () => {
    const steps = reminderSteps(request(), TZ, QUIET);
    expect(steps.map((s) => s.kind === 'reminder' && [s.key, s.n, s.last])).toEqual([
      ['remind:sg-1:1', 1, false],
      ['remind:sg-1:2', 2, true],
    ]);
    // Thursday 10:00 Berlin; Friday 18:00 Berlin (an hour before the quiet period that lasts to Monday 08:00).
    expect(iso(steps)).toEqual(['2026-02-12T09:00:00.000Z', '2026-02-13T17:00:00.000Z']);
  });

  it('a first reminder due in quiet hours goes at the next allowed time; without quiet hours, on the hour', () => {
    // Made Friday 11:00 Berlin, no deadline: the first reminder would be Saturday → Monday 08:00.
    const friday = request({ createdAt: '2026-02-13T10:00:00.000Z', deadline: null });
    expect(iso(reminderSteps(friday, TZ, QUIET))).toEqual(['2026-02-16T07:00:00.000Z']);
    expect(iso(reminderSteps(friday, TZ, null))).toEqual(['2026-02-14T10:00:00.000Z']);
  });

  it('a short deadline gets no reminder right after the request, nor a first one after the last', () => {
    // Made Wednesday 10:00 Berlin, deadline 14:00 the same day: the last reminder would be at 10:00.
    expect(reminderSteps(request({ deadline: '2026-02-11T13:00:00.000Z' }), TZ, QUIET)).toEqual([]);
    // Deadline Thursday 16:00: the last at 12:00 Thursday; the first (10:00 Thursday) is too close to it.
    expect(
      reminderSteps(request({ deadline: '2026-02-12T15:00:00.000Z' }), TZ, QUIET).map((s) => s.key),
    ).toEqual(['remind:sg-1:2']);
  });

  it('a moved deadline gets a last reminder of its own and keeps the first', () => {
    const moved = extendRequest(
      request(),
      new Date('2026-02-17T16:00:00.000Z'),
      new Date('2026-02-16T09:00:00.000Z'),
    );
    // The first reminder stays a step (its done key keeps it to once: moved before it went, it goes).
    expect(moved && reminderSteps(moved, TZ, QUIET).map((s) => [s.key, s.at.toISOString()])).toEqual([
      ['remind:sg-1:1', '2026-02-12T09:00:00.000Z'],
      ['remind:sg-1:3', '2026-02-17T12:00:00.000Z'],
    ]);
  });
});

describe('escalations', () => {
  it('24 h and 2 h before the deadline, exactly (not moved by quiet hours), keyed by the deadline round', () => {
    const steps = escalationSteps(request(), DEFAULT_ESCALATE_HOURS);
    expect(steps.map((s) => [s.key, s.at.toISOString()])).toEqual([
      ['escalate:sg-1:0:24', '2026-02-15T07:00:00.000Z'],
      ['escalate:sg-1:0:2', '2026-02-16T05:00:00.000Z'],
    ]);
  });

  it('none before the request was made, none without a deadline', () => {
    const late = request({ deadline: '2026-02-11T21:00:00.000Z' }); // 12 h after the request
    expect(escalationSteps(late, [24, 2]).map((s) => s.key)).toEqual(['escalate:sg-1:0:2']);
    expect(escalationSteps(request({ deadline: null }), [24, 2])).toEqual([]);
  });
});

describe('what is due at a slot', () => {
  it('nothing before the first reminder; the reminder at its time; done, nothing again', () => {
    expect(due(request(), '2026-02-12T08:55:00.000Z')).toMatchObject({ reminder: null, escalation: null });
    expect(due(request(), '2026-02-12T09:00:00.000Z').reminder?.key).toBe('remind:sg-1:1');
    const done = { 'remind:sg-1:1': '2026-02-12T09:00:00.000Z' };
    expect(due(request(), '2026-02-12T09:05:00.000Z', { done }).reminder).toBeNull();
  });

  it('a late run finds both reminders due: only the last goes, the first is passed over', () => {
    const steps = due(request(), '2026-02-13T17:10:00.000Z');
    expect(steps.reminder?.key).toBe('remind:sg-1:2');
    expect(steps.skipped).toEqual(['remind:sg-1:1']);
  });

  it('no personal reminder in quiet hours; escalations still go (they are for the coordination conversation)', () => {
    // Sunday 08:00 Berlin: the 24 h escalation is due; the last reminder (Friday) was never sent.
    const steps = due(request(), '2026-02-15T07:00:00.000Z', {
      done: { 'remind:sg-1:1': 'x' },
    });
    expect(steps.reminder).toBeNull();
    expect(steps.escalation?.key).toBe('escalate:sg-1:0:24');
  });

  it('a paused rollout gets neither, but closes at the deadline', () => {
    expect(due(request(), '2026-02-15T07:00:00.000Z', { paused: true })).toMatchObject({
      reminder: null,
      escalation: null,
      close: false,
    });
    expect(due(request(), '2026-02-16T07:00:00.000Z', { paused: true }).close).toBe(true);
  });

  it('at the deadline it closes, and nothing else goes; a request not open needs nothing', () => {
    expect(due(request(), '2026-02-16T07:00:00.000Z')).toEqual({
      reminder: null,
      escalation: null,
      skipped: [],
      close: true,
    });
    expect(due(request({ status: 'closed' }), '2026-02-16T07:05:00.000Z').close).toBe(false);
    expect(due(request({ status: 'decided' }), '2026-02-12T09:00:00.000Z').reminder).toBeNull();
  });
});

describe('closing at the deadline', () => {
  const deadline = new Date('2026-02-16T07:00:00.000Z');

  it('records whether the policy held then: met, not met', () => {
    const met = closeRequest(request(), [ready(M1), ready(M2)], deadline, BY);
    expect(met.ok && met.value).toMatchObject({
      status: 'closed',
      closedAt: deadline.toISOString(),
      metAtClose: true,
      closeTally: '2 ready · 0 not ready · 0 not answered',
    });
    expect(met.ok && met.events).toEqual([
      expect.objectContaining({
        type: 'signoff-closed',
        by: BY,
        summary: expect.stringMatching(/^Closed at the deadline: met/),
      }),
    ]);
    const unmet = closeRequest(request(), [ready(M1)], deadline, BY);
    expect(unmet.ok && unmet.value).toMatchObject({ metAtClose: false, closeReason: 'Waiting for 1 of 2.' });
  });

  it('before the deadline, without one, or once closed: unchanged, no event', () => {
    const early = closeRequest(request(), [], new Date(deadline.getTime() - 1), BY);
    expect(early.ok && early.events).toEqual([]);
    expect(early.ok && early.value.status).toBe('open');
    const none = closeRequest(request({ deadline: null }), [], deadline, BY);
    expect(none.ok && none.events).toEqual([]);
    const first = closeRequest(request(), [], deadline, BY);
    const again = first.ok ? closeRequest(first.value, [ready(M1), ready(M2)], deadline, BY) : null;
    expect(again?.ok && again.events).toEqual([]);
    expect(again?.ok && again.value.metAtClose).toBe(false);
  });

  it('the gate reads a closed request by its recorded outcome, not by the answers', () => {
    const rollout = aRollout({ position: { phase: 'poc', wave: null } });
    const fingerprint = readinessFingerprint(rollout, 'pilot');
    const closed = (metAtClose: boolean) =>
      evaluateReadiness(rollout, {
        request: request({ fingerprint, status: 'closed', metAtClose, closeTally: 'x', closeReason: 'y.' }),
        answers: metAtClose ? [] : [ready(M1), ready(M2)],
      })[0];
    expect(closed(true)).toMatchObject({ met: true, measured: 'closed at the deadline: x' });
    expect(closed(false)).toMatchObject({ met: false, reason: expect.stringMatching(/signoff extend/) });
  });

  it('extending reopens a closed request (outcome dropped) and keeps an open one open; never a superseded one', () => {
    const closed = closeRequest(request(), [], deadline, BY);
    const until = new Date('2026-02-17T16:00:00.000Z');
    const reopened = closed.ok ? extendRequest(closed.value, until, deadline) : null;
    expect(reopened).toMatchObject({
      status: 'open',
      deadline: until.toISOString(),
      metAtClose: null,
      closedAt: null,
      extensions: 1,
      extendedAt: deadline.toISOString(),
    });
    expect(extendRequest(request({ status: 'superseded' }), until, deadline)).toBeNull();
    expect(extendRequest(request({ status: 'decided' }), until, deadline)).toBeNull();
  });
});

describe('SIGNOFF_ESCALATE_HOURS', () => {
  it.each<[string | undefined, number[]]>([
    [undefined, [24, 2]],
    ['', [24, 2]],
    ['48, 4', [48, 4]],
    ['2,24,2', [24, 2]],
    ['none', []],
  ])('%p → %p', (value, hours) => {
    expect(parseEscalateHours(value)).toEqual({ ok: true, hours });
  });

  it.each(['0', '24h', '1.5', '-2', '337', '1,2,3,4,5,6', 'x'])(
    '%p is refused with a clear message',
    (value) => {
      expect(parseEscalateHours(value)).toEqual({
        ok: false,
        message: expect.stringMatching(/whole hours before the deadline/),
      });
    },
  );
});

import {
  addCounts,
  cancelDelivery,
  claimDelivery,
  classifySend,
  countDeliveries,
  deliveryBackoffMs,
  emptyCounts,
  gotIt,
  isDue,
  MAX_DELIVERY_ATTEMPTS,
  newDelivery,
  nextDelivery,
  PART_SIZE,
  partitionRecipients,
  retryDelivery,
  type Delivery,
  type SendFailure,
  type SendOutcome,
} from '../../src/domain/announcement';

const T0 = new Date('2026-03-02T09:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const fail = (statusCode: number | null, code = '', more: Partial<SendFailure> = {}): SendFailure => ({
  statusCode,
  code,
  retryAfterMs: null,
  ...more,
});
const ID = 'AAAAAAAA-0000-4000-8000-000000000001';
const random = (value: number) => () => value;

/** A delivery claimed by `sender-1` for a minute from `now` (its attempt counted). */
const claimed = (d: Delivery = newDelivery(ID, 'Adele'), now = T0): Delivery =>
  claimDelivery(d, 'sender-1', new Date(now.getTime() + 60_000));

const THROTTLED: SendOutcome = { kind: 'throttled', status: '429', retryAfterMs: null };
const TIMEOUT: SendOutcome = { kind: 'transient', status: 'timeout', unknown: true };
const RESET: SendOutcome = { kind: 'transient', status: 'reset', unknown: false };

describe('classifySend: what the connector answered, as the delivery rules read it', () => {
  it.each<[string, SendFailure | null, SendOutcome]>([
    ['no failure: sent', null, { kind: 'sent' }],
    [
      '403 MessageWritesBlocked: blocked',
      fail(403, 'MessageWritesBlocked'),
      { kind: 'blocked', status: '403 MessageWritesBlocked' },
    ],
    [
      'the code matched case-insensitively',
      fail(403, 'messagewritesblocked'),
      { kind: 'blocked', status: '403 messagewritesblocked' },
    ],
    ['403 other: not installed', fail(403, 'Forbidden'), { kind: 'not-installed', status: '403 Forbidden' }],
    ['403 without a code: not installed', fail(403), { kind: 'not-installed', status: '403' }],
    [
      '404 ConversationNotFound: not installed',
      fail(404, 'ConversationNotFound'),
      { kind: 'not-installed', status: '404 ConversationNotFound' },
    ],
    [
      '429 with Retry-After: throttled, the wait kept',
      fail(429, '', { retryAfterMs: 7000 }),
      { kind: 'throttled', status: '429', retryAfterMs: 7000 },
    ],
    [
      '429 without: throttled, no wait given',
      fail(429),
      { kind: 'throttled', status: '429', retryAfterMs: null },
    ],
    ['412: transient', fail(412), { kind: 'transient', status: '412', unknown: false }],
    [
      '502: transient',
      fail(502, 'BadGateway'),
      { kind: 'transient', status: '502 BadGateway', unknown: false },
    ],
    ['503: transient', fail(503), { kind: 'transient', status: '503', unknown: false }],
    ['504: transient', fail(504), { kind: 'transient', status: '504', unknown: false }],
    [
      'a time-out once the request had left: transient, outcome unknown',
      fail(null, 'ETIMEDOUT', { network: 'timeout' }),
      { kind: 'transient', status: 'timeout', unknown: true },
    ],
    [
      'a reset: transient, not unknown',
      fail(null, 'ECONNRESET', { network: 'reset' }),
      { kind: 'transient', status: 'reset', unknown: false },
    ],
    [
      'refused: transient, not unknown',
      fail(null, 'ECONNREFUSED', { network: 'refused' }),
      { kind: 'transient', status: 'refused', unknown: false },
    ],
    [
      'no answer, no kind said: a reset',
      fail(null, 'socket'),
      { kind: 'transient', status: 'reset', unknown: false },
    ],
    ['400: failed', fail(400, 'BadArgument'), { kind: 'failed', status: '400 BadArgument' }],
    ['401: failed', fail(401), { kind: 'failed', status: '401' }],
  ])('%s', (_name, failure, outcome) => {
    expect(classifySend(failure)).toEqual(outcome);
  });

  it('keeps the status people read short (a long error text is cut at 120 characters)', () => {
    const outcome = classifySend(fail(400, 'x'.repeat(500)));
    expect(outcome.kind === 'failed' && outcome.status.length).toBe(120);
  });
});

describe('deliveryBackoffMs', () => {
  it('honours Retry-After exactly', () => {
    expect(deliveryBackoffMs(1, 7000, random(0.9))).toBe(7000);
    expect(deliveryBackoffMs(5, 0, random(0.9))).toBe(0);
  });

  it('else exponential with full jitter, at least 250 ms and at most 5 minutes', () => {
    expect(deliveryBackoffMs(1, null, random(1))).toBe(2000);
    expect(deliveryBackoffMs(2, null, random(1))).toBe(4000);
    expect(deliveryBackoffMs(3, null, random(0.5))).toBe(4000);
    expect(deliveryBackoffMs(1, null, random(0))).toBe(250);
    expect(deliveryBackoffMs(30, null, random(1))).toBe(5 * 60_000);
    for (let attempts = 0; attempts < 40; attempts++) {
      for (const r of [0, 0.001, 0.25, 0.5, 0.999, 1]) {
        const wait = deliveryBackoffMs(attempts, null, random(r));
        expect(wait).toBeGreaterThanOrEqual(250);
        expect(wait).toBeLessThanOrEqual(5 * 60_000);
      }
    }
  });

  it('a Retry-After that is no wait (negative, not a number) counts as none given', () => {
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      expect(deliveryBackoffMs(1, bad, random(1))).toBe(2000);
    }
    // nextDelivery then still makes a valid retryAt (an invalid date would throw).
    const next = nextDelivery(
      claimed(),
      { kind: 'throttled', status: '429', retryAfterMs: Number.NaN },
      T0,
      random(1),
    );
    expect(next.retryAt).toBe(at(2000).toISOString());
  });

  it('without an injected draw, the middle of the range (the domain stays pure)', () => {
    expect(deliveryBackoffMs(2, null)).toBe(2000);
  });
});

describe('newDelivery', () => {
  it('is pending, untried, the id lower-cased', () => {
    expect(newDelivery(ID, 'Adele')).toEqual({
      personId: ID.toLowerCase(),
      name: 'Adele',
      status: 'pending',
      attempts: 0,
      lastStatus: null,
      at: null,
      retryAt: null,
      claim: null,
      possibleDuplicate: false,
      gotItAt: null,
    });
  });
});

describe('the delivery state machine', () => {
  it('sent: final, the claim released, `at` when it changed', () => {
    const next = nextDelivery(claimed(), { kind: 'sent' }, at(1000));
    expect(next).toMatchObject({
      status: 'sent',
      lastStatus: 'sent',
      attempts: 1,
      claim: null,
      retryAt: null,
      at: at(1000).toISOString(),
      possibleDuplicate: false,
    });
  });

  it.each<[SendOutcome, Delivery['status']]>([
    [{ kind: 'blocked', status: '403 MessageWritesBlocked' }, 'blocked'],
    [{ kind: 'not-installed', status: '404' }, 'not-installed'],
    [{ kind: 'failed', status: '400' }, 'failed'],
  ])('%j: not retried, %s', (outcome, status) => {
    const next = nextDelivery(claimed(), outcome, at(1000));
    expect(next).toMatchObject({
      status,
      lastStatus: outcome.kind === 'sent' ? 'sent' : outcome.status,
      claim: null,
      retryAt: null,
    });
    expect(isDue(next, at(10 ** 9))).toBe(false);
  });

  it('throttled or transient: pending again with a retryAt, the claim released, `at` unchanged', () => {
    const next = nextDelivery(claimed(), THROTTLED, at(1000), random(0.5));
    expect(next).toMatchObject({ status: 'pending', lastStatus: '429', claim: null, at: null, attempts: 1 });
    // First attempt: up to 2 s, half of it with the draw 0.5.
    expect(next.retryAt).toBe(at(2000).toISOString());
    expect(isDue(next, at(1999))).toBe(false);
    expect(isDue(next, at(2000))).toBe(true);
  });

  it('honours Retry-After', () => {
    const next = nextDelivery(
      claimed(),
      { kind: 'throttled', status: '429', retryAfterMs: 30_000 },
      at(1000),
      random(0),
    );
    expect(next.retryAt).toBe(at(31_000).toISOString());
  });

  it('the jitter stays in its bounds with the injected draw, and grows with the attempts', () => {
    const waits = (r: number) => {
      let d = newDelivery(ID, 'Adele');
      const out: number[] = [];
      for (let i = 0; i < MAX_DELIVERY_ATTEMPTS - 1; i++) {
        d = nextDelivery(claimed(d), RESET, T0, random(r));
        out.push(Date.parse(d.retryAt!) - T0.getTime());
      }
      return out;
    };
    expect(waits(1)).toEqual([2000, 4000, 8000, 16_000, 32_000]);
    expect(waits(0)).toEqual([250, 250, 250, 250, 250]);
    expect(waits(0.5)).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it(`is tried at most ${MAX_DELIVERY_ATTEMPTS} times, then failed (its last answer kept)`, () => {
    let d = newDelivery(ID, 'Adele');
    for (let i = 1; i <= MAX_DELIVERY_ATTEMPTS; i++) {
      d = nextDelivery(claimed(d), i % 2 ? THROTTLED : RESET, at(i), random(0.5));
      expect(d.attempts).toBe(i);
      expect(d.status).toBe(i < MAX_DELIVERY_ATTEMPTS ? 'pending' : 'failed');
    }
    expect(d).toMatchObject({ status: 'failed', lastStatus: 'reset', retryAt: null, claim: null });
    expect(d.at).toBe(at(MAX_DELIVERY_ATTEMPTS).toISOString());
  });

  it('a smaller bound can be given', () => {
    const once = nextDelivery(claimed(), RESET, T0, random(0.5), 1);
    expect(once.status).toBe('failed');
  });

  it('an unknown outcome (time-out) marks a possible duplicate, kept through later attempts and outcomes', () => {
    let d = nextDelivery(claimed(), TIMEOUT, T0, random(0.5));
    expect(d).toMatchObject({ status: 'pending', possibleDuplicate: true, lastStatus: 'timeout' });
    d = nextDelivery(claimed(d), RESET, at(1), random(0.5));
    expect(d.possibleDuplicate).toBe(true);
    d = nextDelivery(claimed(d), THROTTLED, at(2), random(0.5));
    expect(d.possibleDuplicate).toBe(true);
    const sent = nextDelivery(claimed(d), { kind: 'sent' }, at(3));
    expect(sent).toMatchObject({ status: 'sent', possibleDuplicate: true });
    let failed = d;
    while (failed.status === 'pending') failed = nextDelivery(claimed(failed), RESET, at(4), random(0.5));
    expect(failed).toMatchObject({ status: 'failed', possibleDuplicate: true });
  });

  it('a reset (the request never left) marks none', () => {
    expect(nextDelivery(claimed(), RESET, T0, random(0.5)).possibleDuplicate).toBe(false);
    expect(nextDelivery(claimed(), THROTTLED, T0, random(0.5)).possibleDuplicate).toBe(false);
  });

  it('changes no delivery given (a new one each time)', () => {
    const d = claimed();
    const copy = structuredClone(d);
    nextDelivery(d, TIMEOUT, T0, random(0.5));
    claimDelivery(d, 'sender-2', T0);
    expect(d).toEqual(copy);
  });
});

describe('claimDelivery', () => {
  it('counts the attempt and holds the delivery for its sender until `until`', () => {
    const d = claimDelivery(newDelivery(ID, 'Adele'), 'sender-1', at(60_000));
    expect(d).toMatchObject({ attempts: 1, claim: { by: 'sender-1', until: at(60_000).toISOString() } });
    expect(d.possibleDuplicate).toBe(false);
    const again = claimDelivery(nextDelivery(d, RESET, T0, random(0.5)), 'sender-2', at(60_000));
    expect(again).toMatchObject({ attempts: 2, possibleDuplicate: false, claim: { by: 'sender-2' } });
  });

  it('a lapsed claim (its sender died, the send may have left) makes it a possible duplicate', () => {
    const dead = claimDelivery(newDelivery(ID, 'Adele'), 'sender-1', at(60_000));
    expect(isDue(dead, at(60_000))).toBe(true);
    const taken = claimDelivery(dead, 'sender-2', at(120_000));
    expect(taken).toMatchObject({ attempts: 2, possibleDuplicate: true, claim: { by: 'sender-2' } });
  });
});

describe('isDue', () => {
  const pending = newDelivery(ID, 'Adele');

  it('a pending delivery without back-off or claim is due', () => {
    expect(isDue(pending, T0)).toBe(true);
  });

  it('waits for its retryAt', () => {
    const waiting = { ...pending, retryAt: at(5000).toISOString() };
    expect(isDue(waiting, at(4999))).toBe(false);
    expect(isDue(waiting, at(5000))).toBe(true);
  });

  it('not while a live claim holds it; again once the claim lapsed', () => {
    const held = claimed(pending);
    expect(isDue(held, at(59_999))).toBe(false);
    expect(isDue(held, at(60_000))).toBe(true);
  });

  it('both: the later of retryAt and the claim', () => {
    const both = { ...claimed(pending), retryAt: at(90_000).toISOString() };
    expect(isDue(both, at(60_000))).toBe(false);
    expect(isDue(both, at(90_000))).toBe(true);
  });

  it.each(['sent', 'failed', 'blocked', 'not-installed', 'cancelled'] as const)('never when %s', (status) => {
    expect(isDue({ ...pending, status }, at(10 ** 9))).toBe(false);
  });
});

describe('cancelDelivery', () => {
  it('cancels a pending delivery (its claim and back-off gone), when it changed', () => {
    const waiting = nextDelivery(claimed(), THROTTLED, T0, random(0.5));
    expect(cancelDelivery(waiting, at(5))).toMatchObject({
      status: 'cancelled',
      claim: null,
      retryAt: null,
      at: at(5).toISOString(),
      lastStatus: '429',
    });
  });

  it.each(['sent', 'failed', 'blocked', 'not-installed', 'cancelled'] as const)(
    'leaves a %s one as it is',
    (status) => {
      const d: Delivery = { ...newDelivery(ID, 'Adele'), status, at: T0.toISOString() };
      expect(cancelDelivery(d, at(5))).toBe(d);
    },
  );
});

describe('retryDelivery', () => {
  it('a failed delivery is pending again, its attempts started again, possible duplicate kept', () => {
    let d = nextDelivery(claimed(), TIMEOUT, T0, random(0.5));
    while (d.status === 'pending') d = nextDelivery(claimed(d), RESET, at(1), random(0.5));
    const again = retryDelivery(d);
    expect(again).toMatchObject({
      status: 'pending',
      attempts: 0,
      retryAt: null,
      claim: null,
      possibleDuplicate: true,
    });
    expect(isDue(again, at(2))).toBe(true);
  });

  it('records when it changed when told', () => {
    const failed: Delivery = { ...newDelivery(ID, 'Adele'), status: 'failed', at: T0.toISOString() };
    expect(retryDelivery(failed).at).toBe(T0.toISOString());
    expect(retryDelivery(failed, at(5000)).at).toBe(at(5000).toISOString());
  });

  it.each(['pending', 'sent', 'blocked', 'not-installed', 'cancelled'] as const)(
    'leaves a %s one as it is',
    (status) => {
      const d: Delivery = { ...newDelivery(ID, 'Adele'), status };
      expect(retryDelivery(d)).toBe(d);
      expect(retryDelivery(d, at(1))).toBe(d);
    },
  );
});

describe('gotIt', () => {
  it('the first click counts; later ones change nothing', () => {
    const sent = nextDelivery(claimed(), { kind: 'sent' }, T0);
    const first = gotIt(sent, at(1000));
    expect(first?.gotItAt).toBe(at(1000).toISOString());
    expect(first?.status).toBe('sent');
    expect(gotIt(first!, at(2000))).toBeNull();
  });
});

describe('countDeliveries and addCounts', () => {
  const of = (status: Delivery['status'], more: Partial<Delivery> = {}): Delivery => ({
    ...newDelivery(ID, ''),
    status,
    ...more,
  });

  it('counts every status, "Got it" and possible duplicates', () => {
    const counts = countDeliveries([
      of('pending'),
      of('pending', { possibleDuplicate: true }),
      of('sent', { gotItAt: T0.toISOString() }),
      of('sent', { gotItAt: T0.toISOString(), possibleDuplicate: true }),
      of('sent'),
      of('failed'),
      of('blocked'),
      of('not-installed'),
      of('not-installed'),
      of('cancelled'),
    ]);
    expect(counts).toEqual({
      recipients: 10,
      pending: 2,
      sent: 3,
      failed: 1,
      blocked: 1,
      notInstalled: 2,
      cancelled: 1,
      gotIt: 2,
      possibleDuplicates: 2,
    });
  });

  it('nothing: all zero', () => {
    expect(countDeliveries([])).toEqual(emptyCounts());
  });

  it('adds key by key (partitions into the announcement), changing neither', () => {
    const a = countDeliveries([of('sent', { gotItAt: T0.toISOString() }), of('pending')]);
    const b = countDeliveries([of('blocked'), of('not-installed', { possibleDuplicate: true })]);
    const copy = structuredClone(a);
    expect(addCounts(a, b)).toEqual({
      recipients: 4,
      pending: 1,
      sent: 1,
      failed: 0,
      blocked: 1,
      notInstalled: 1,
      cancelled: 0,
      gotIt: 1,
      possibleDuplicates: 1,
    });
    expect(a).toEqual(copy);
    expect(addCounts(emptyCounts(), a)).toEqual(a);
  });
});

describe('partitionRecipients', () => {
  const person = (i: number) =>
    `0000${i.toString(16).padStart(4, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  const people = (n: number) => Array.from({ length: n }, (_, i) => ({ personId: person(i), name: `P${i}` }));

  it('none: no partitions', () => {
    expect(partitionRecipients([])).toEqual([]);
  });

  it('de-duplicates by id whatever the case and spaces (the first kept), ids lower-cased, empty ids left out', () => {
    const parts = partitionRecipients([
      { personId: 'AB-1', name: 'First' },
      { personId: 'ab-1', name: 'Second' },
      { personId: 'Cd-2', name: 'Other' },
      { personId: ' ab-1 ', name: 'Spaced' },
      { personId: '', name: 'Nobody' },
      { personId: '  ', name: 'Blank' },
    ]);
    expect(parts).toHaveLength(1);
    expect(parts[0]?.map((r) => [r.personId, r.name]).sort()).toEqual([
      ['ab-1', 'First'],
      ['cd-2', 'Other'],
    ]);
  });

  it(`cuts partitions of ${PART_SIZE}, the last one the rest, everyone once`, () => {
    const parts = partitionRecipients(people(PART_SIZE * 3 + 7));
    expect(parts.map((p) => p.length)).toEqual([PART_SIZE, PART_SIZE, PART_SIZE, 7]);
    const ids = parts.flat().map((r) => r.personId);
    expect(new Set(ids).size).toBe(PART_SIZE * 3 + 7);
    expect(partitionRecipients(people(PART_SIZE)).map((p) => p.length)).toEqual([PART_SIZE]);
  });

  it('the same order whatever the input order (and case)', () => {
    const list = people(230);
    const shuffled = [...list]
      .reverse()
      .map((r, i) => (i % 3 ? r : { ...r, personId: r.personId.toUpperCase() }));
    const interleaved = list.filter((_, i) => i % 2).concat(list.filter((_, i) => i % 2 === 0));
    const ids = (rs: typeof list) => partitionRecipients(rs).map((p) => p.map((r) => r.personId));
    expect(ids(shuffled)).toEqual(ids(list));
    expect(ids(interleaved)).toEqual(ids(list));
  });

  it('spreads ids over the partitions: not sorted by value, neighbours not kept together', () => {
    const list = people(PART_SIZE * 4);
    const parts = partitionRecipients(list);
    const flat = parts.flat().map((r) => r.personId);
    expect(flat).not.toEqual([...flat].sort());
    // The first partition of sorted input is not the first 50 ids: it has some of each quarter.
    const index = new Map(list.map((r, i) => [r.personId, i]));
    for (const part of parts) {
      const quarters = new Set(part.map((r) => Math.floor(index.get(r.personId)! / PART_SIZE)));
      expect(quarters.size).toBeGreaterThanOrEqual(3);
    }
  });

  it('many thousands in good time (each id hashed once)', () => {
    const started = process.hrtime.bigint();
    const parts = partitionRecipients(people(50_000));
    expect(parts).toHaveLength(1000);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2000);
  });

  it('keeps the other fields of a recipient and changes none given', () => {
    const input = [{ personId: 'X-1', name: 'Adele', extra: 1 }];
    const [[first]] = partitionRecipients(input) as [[(typeof input)[number]]];
    expect(first).toEqual({ personId: 'x-1', name: 'Adele', extra: 1 });
    expect(input[0]?.personId).toBe('X-1');
  });
});

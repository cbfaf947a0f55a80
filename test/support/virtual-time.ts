import type { Clock } from '../../src/app/ports';

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

/** Lets every pending promise continuation run (a macrotask runs after all queued microtasks). */
const flush = (): Promise<void> => new Promise((done) => setImmediate(done));

/**
 * Simulated time for code that takes an injected clock and wait: `wait(ms)` resolves only when
 * `run` moves the time to it, timers firing in order of their instants. Nothing sleeps, and many
 * concurrent waiters (senders, workers, the rate's pacing) see one consistent time.
 */
export class VirtualTime implements Clock {
  private current: number;
  private timers: Timer[] = [];
  private seq = 0;

  constructor(start = Date.parse('2026-02-10T17:30:00.000Z')) {
    this.current = start;
  }

  now(): Date {
    return new Date(Math.floor(this.current));
  }

  /** The time in epoch ms, fractions kept (pacing at 100/s is 10 ms apart). */
  ms(): number {
    return this.current;
  }

  wait = (ms: number): Promise<void> =>
    new Promise<void>((fire) => {
      this.timers.push({ at: this.current + Math.max(0, ms), seq: this.seq++, fire });
    });

  /** Moves the time forward without firing anything (a process that was away). */
  advance(ms: number): void {
    this.current += ms;
  }

  /**
   * Runs until `work` settles, firing the earliest timer whenever nothing else can go on; fails
   * when nothing is left to fire and the work has not settled, or past `limitMs` of simulated time.
   */
  async settle<T>(work: Promise<T>, limitMs = 24 * 3600_000): Promise<T> {
    let settled = false;
    const outcome = work.then(
      (value) => ((settled = true), value),
      (err: unknown) => {
        settled = true;
        throw err;
      },
    );
    outcome.catch(() => {});
    const end = this.current + limitMs;
    for (;;) {
      for (let i = 0; i < 5; i++) await flush();
      if (settled) return outcome;
      if (!this.fireNext(end)) {
        throw new Error(`the work did not settle (${this.timers.length} timers left, at +${limitMs} ms)`);
      }
    }
  }

  /** Fires timers up to `ms` from now (what is still waiting stays waiting). */
  async runFor(ms: number): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      for (let i = 0; i < 5; i++) await flush();
      if (!this.fireNext(end)) break;
    }
    this.current = Math.max(this.current, end);
  }

  private fireNext(end: number): boolean {
    if (!this.timers.length) return false;
    let next = 0;
    for (let i = 1; i < this.timers.length; i++) {
      const t = this.timers[i];
      const best = this.timers[next];
      if (t && best && (t.at < best.at || (t.at === best.at && t.seq < best.seq))) next = i;
    }
    const timer = this.timers[next];
    if (!timer || timer.at > end) return false;
    this.timers.splice(next, 1);
    this.current = Math.max(this.current, timer.at);
    timer.fire();
    return true;
  }
}

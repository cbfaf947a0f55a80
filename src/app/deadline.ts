import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The time budget of the turn under way (Teams answers a card action within about 5 s and
 * redelivers a message after about 15 s). Storage and connector calls read it to give up in time;
 * it also records whether a write was sent, so a late answer can say what is uncertain.
 */
export interface TurnBudget {
  /** Epoch milliseconds by which the turn's work must be done. */
  readonly at: number;
  /** Set when a storage write was sent during the turn. */
  wrote: boolean;
}

const budgets = new AsyncLocalStorage<TurnBudget>();

/** Runs `work` with a budget ending at `at` (epoch ms); the budget is returned with the work. */
export const withBudget = <T>(
  at: number,
  work: () => Promise<T>,
): { budget: TurnBudget; done: Promise<T> } => {
  const budget: TurnBudget = { at, wrote: false };
  return { budget, done: budgets.run(budget, work) };
};

/** The budget of the turn under way, if any. */
export const currentBudget = (): TurnBudget | undefined => budgets.getStore();

/** Milliseconds left in the turn under way (Infinity outside a turn). */
export const timeLeft = (now: number = Date.now()): number => {
  const budget = budgets.getStore();
  return budget ? budget.at - now : Infinity;
};

/** `work`, or `timedOut()`'s error once `ms` have passed (the work itself goes on). */
export const timeLimit = <T>(work: Promise<T>, ms: number, timedOut: () => Error): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timedOut()), ms);
    work.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (err: unknown) => (clearTimeout(timer), reject(err instanceof Error ? err : new Error(String(err)))),
    );
  });

/** Work to run once the activity has been answered (the HTTP response sent). */
export type Task = () => void | Promise<unknown>;

/**
 * Collects a turn's work-after-the-reply until the turn is answered, then hands each task to
 * `run`; a task deferred after that (by work that went on past the turn's deadline) runs at once.
 */
export class AfterReply {
  private tasks: Task[] | null = [];
  private runner: ((task: Task) => void) | null = null;

  push(task: Task): void {
    if (this.tasks) this.tasks.push(task);
    else this.runner?.(task);
  }

  release(run: (task: Task) => void): void {
    const pending = this.tasks ?? [];
    this.tasks = null;
    this.runner = run;
    for (const task of pending) run(task);
  }
}

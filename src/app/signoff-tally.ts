import { signoffView } from './signoff-view';
import type { Deps, Log, SignoffRef, SignoffState } from './ports';

/**
 * Keeps each posted readiness card's live tally current. Updates of one request run one at a time
 * and each reads the state afresh, so a burst of answers becomes a few updates and an older tally
 * never lands after a newer one (in this process; with several instances the last writer's fresh
 * read wins within moments). Failures are logged: the next answer brings the card up to date.
 */
export class TallyUpdater {
  private readonly running = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();

  constructor(
    private readonly deps: Pick<
      Deps,
      'rollouts' | 'signoffs' | 'feedback' | 'messenger' | 'clock' | 'audiences'
    >,
    private readonly log: Log,
  ) {}

  schedule(ref: SignoffRef): void {
    const key = `${ref.tenantId}|${ref.rolloutId}|${ref.requestId}`;
    this.dirty.add(key);
    if (this.running.has(key)) return;
    const run = (async () => {
      while (this.dirty.delete(key)) {
        try {
          await this.update(ref);
        } catch (err) {
          this.log.warn({ err, requestId: ref.requestId }, 'readiness tally not updated');
        }
      }
    })().finally(() => this.running.delete(key));
    this.running.set(key, run);
  }

  /** Resolves when no update is pending (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  private async update(ref: SignoffRef): Promise<void> {
    const [rollout, state] = await Promise.all([
      this.deps.rollouts.get(ref.tenantId, ref.rolloutId),
      this.deps.signoffs.get(ref.tenantId, ref.rolloutId, ref.requestId),
    ]);
    const request = state?.request.value;
    if (!rollout || !state || !request?.postedTo || !request.messageId) return;
    const view = await signoffView(this.deps, rollout.value, state);
    await this.deps.messenger.updateSignoff(ref.tenantId, { ...request.postedTo }, request.messageId, view);
    // Another process (the command line, a second instance) may have changed the request or its
    // answers while this update was on its way: if so, go again, so the card ends on the latest.
    const after = await this.deps.signoffs.get(ref.tenantId, ref.rolloutId, ref.requestId);
    if (after && fingerprintOf(after) !== fingerprintOf(state)) {
      this.dirty.add(`${ref.tenantId}|${ref.rolloutId}|${ref.requestId}`);
    }
  }
}

/** What a card shows of a request: a change to any of it needs a new render. */
const fingerprintOf = (state: SignoffState): string =>
  JSON.stringify([
    state.request.value.status,
    state.request.value.deadline,
    state.answers.map((a) => [a.person.id, a.ready, a.at]).sort(),
  ]);

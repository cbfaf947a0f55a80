/**
 * Polls `attempt` until it gives a value (not undefined; a throw counts as none yet), up to a
 * deadline: for waiting on another process (a restarted child, a file written), never a fixed sleep.
 */
export const poll = async <T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  intervalMs = 25,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, intervalMs));
  }
};

/** Polls until `condition` holds. */
export const waitUntil = async (
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> => {
  await poll(what, async () => ((await condition()) ? true : undefined), timeoutMs);
};

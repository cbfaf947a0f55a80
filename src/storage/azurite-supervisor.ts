import {
  startEmbeddedAzurite,
  type AzuriteExit,
  type EmbeddedAzurite,
  type EmbeddedAzuriteLogger,
  type EmbeddedAzuriteOptions,
} from './embedded-azurite';

/** At most `maxRestarts` restarts (attempts, failed ones included) within any `windowMs`. */
export interface RestartBudget {
  maxRestarts: number;
  windowMs: number;
}

export const DEFAULT_RESTART_BUDGET: RestartBudget = { maxRestarts: 3, windowMs: 10 * 60_000 };
const RETRY_AFTER_FAILURE_MS = 500;

/** pino-compatible. */
export interface SupervisorLogger extends EmbeddedAzuriteLogger {
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface SupervisedAzuriteOptions extends Omit<
  EmbeddedAzuriteOptions,
  'port' | 'queuePort' | 'onUnexpectedExit'
> {
  logger?: SupervisorLogger;
  /** Default: 3 restarts in 10 minutes. */
  budget?: RestartBudget;
  /** The clock the budget is counted with (ms); default Date.now. */
  now?: () => number;
  /**
   * After each restart, once the new child answers: the clients follow `azurite.endpoint` and
   * `azurite.queueEndpoint` (a new port when the old one was taken). A rejection is logged; the child keeps running.
   */
  onRestart?: (azurite: EmbeddedAzurite) => void | Promise<void>;
  /**
   * Called once when a death finds the budget spent, or a restart cannot take the data folder
   * back (another instance claimed it): storage is gone for good, the caller should exit.
   */
  onGiveUp?: (reason: Error) => void;
  /** Test hook: runs before each restart attempt, after the death of `previous`. */
  beforeRestart?: (previous: EmbeddedAzurite) => void | Promise<void>;
}

export interface SupervisedAzurite {
  /** The current child's endpoints, ports and pid (they change when it is restarted). */
  readonly endpoint: string;
  readonly port: number;
  readonly queueEndpoint: string;
  readonly queuePort: number;
  readonly pid: number;
  readonly saveIntervalMs: number;
  /** Restart attempts so far (successful or not). */
  readonly restarts: number;
  /** Stops supervising and closes the current child gracefully; waits for a restart under way. */
  stop(): Promise<void>;
}

/**
 * The embedded Azurite under supervision: when its child dies (a crash, `kill -9`), it is
 * started again on the same data folder (the same ports when they are still free, else new ones
 * reported through `onRestart`), re-taking the `azurite.json` claim, within a restart budget;
 * past the budget `onGiveUp` is called and nothing is restarted any more.
 */
export const startSupervisedAzurite = async (
  options: SupervisedAzuriteOptions,
): Promise<SupervisedAzurite> => {
  const { budget = DEFAULT_RESTART_BUDGET, now = Date.now, logger } = options;
  const attempts: number[] = [];
  let stopped = false;
  let gaveUp = false;
  let restarting: Promise<void> | undefined;

  const childOptions = (previous: EmbeddedAzurite | undefined): EmbeddedAzuriteOptions => ({
    dataDir: options.dataDir,
    host: options.host,
    logger,
    readyTimeoutMs: options.readyTimeoutMs,
    stopTimeoutMs: options.stopTimeoutMs,
    saveIntervalMs: options.saveIntervalMs,
    port: previous?.port,
    queuePort: previous?.queuePort,
    onUnexpectedExit: (exit) => onDeath(exit),
  });

  const giveUp = (reason: Error): void => {
    if (gaveUp || stopped) return;
    gaveUp = true;
    logger?.error({ err: reason.message, restarts: attempts.length }, 'embedded Azurite: giving up');
    options.onGiveUp?.(reason);
  };

  const restart = async (previous: EmbeddedAzurite, exit: AzuriteExit): Promise<void> => {
    for (;;) {
      if (stopped) return;
      const t = now();
      const recent = attempts.filter((at) => t - at < budget.windowMs);
      if (recent.length >= budget.maxRestarts) {
        giveUp(
          new Error(
            `embedded Azurite died again (pid ${exit.pid}, code ${exit.code}, signal ${exit.signal}) ` +
              `after ${recent.length} restarts within ${Math.round(budget.windowMs / 1000)} s`,
          ),
        );
        return;
      }
      attempts.push(t);
      logger?.warn(
        {
          previousPid: previous.pid,
          previousPort: previous.port,
          attempt: recent.length + 1,
          maxRestarts: budget.maxRestarts,
          windowMs: budget.windowMs,
        },
        'embedded Azurite died: restarting it on the same data folder',
      );
      try {
        await options.beforeRestart?.(previous);
        const next = await startEmbeddedAzurite(childOptions(previous));
        if (stopped) {
          await next.stop();
          return;
        }
        current = next;
        logger?.info(
          {
            pid: next.pid,
            port: next.port,
            previousPort: previous.port,
            samePort: next.port === previous.port,
            queuePort: next.queuePort,
            previousQueuePort: previous.queuePort,
          },
          'embedded Azurite restarted',
        );
        try {
          await options.onRestart?.(next);
        } catch (err) {
          logger?.warn(
            { err: err instanceof Error ? err.message : String(err) },
            'embedded Azurite restarted, but its tables and queue could not be ensured',
          );
        }
        return;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        logger?.error({ err: message }, 'embedded Azurite did not restart');
        if (/is in use by another running instance/.test(message)) {
          giveUp(new Error(`embedded Azurite could not be restarted: ${message}`));
          return;
        }
        // A start that failed at once (a port race, a slow disk) gets a moment before the next try.
        await new Promise((done) => setTimeout(done, RETRY_AFTER_FAILURE_MS));
      }
    }
  };

  const onDeath = (exit: AzuriteExit): void => {
    if (stopped || gaveUp) return;
    const previous = current;
    restarting = (restarting ?? Promise.resolve())
      .then(() => restart(previous, exit))
      .catch((err: unknown) => {
        logger?.error(
          { err: err instanceof Error ? err.message : String(err) },
          'embedded Azurite supervisor',
        );
      });
  };

  let current: EmbeddedAzurite = await startEmbeddedAzurite(childOptions(undefined));

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    stopped = true;
    await restarting;
    await current.stop();
  };

  return {
    get endpoint() {
      return current.endpoint;
    },
    get port() {
      return current.port;
    },
    get queueEndpoint() {
      return current.queueEndpoint;
    },
    get queuePort() {
      return current.queuePort;
    },
    get pid() {
      return current.pid;
    },
    get saveIntervalMs() {
      return current.saveIntervalMs;
    },
    get restarts() {
      return attempts.length;
    },
    stop: () => (stopping ??= stop()),
  };
};

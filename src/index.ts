import { existsSync } from 'node:fs';
import { checkListening, ConfigError, isAnonymous, isLoopbackHost, loadConfig, type Config } from './config';
import { createLogger } from './logger';
import { startServer } from './server';
import { openStorage } from './storage/open-storage';

/** Reads `.env` when there is one (variables already set win). */
const loadDotEnv = (): void => {
  if (existsSync('.env')) process.loadEnvFile('.env');
};

const readConfig = (): Config => {
  try {
    const config = loadConfig(process.env);
    checkListening(config);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
};

const main = async (): Promise<void> => {
  const started = process.hrtime.bigint();
  loadDotEnv();
  const config = readConfig();
  const logger = createLogger(config.LOG_LEVEL);
  if (isAnonymous(config)) {
    logger.warn(
      'MicrosoftAppId is not set: anonymous mode, requests are NOT authenticated (local clients only)',
    );
    if (!isLoopbackHost(config.HOST)) {
      logger.warn(
        { host: config.HOST },
        'anonymous mode on a non-loopback address (ALLOW_ANONYMOUS_REMOTE=true): anyone who reaches this port can claim any identity',
      );
    }
    if (config.ROLLOUT_ADMINS.length === 0) {
      logger.warn('ROLLOUT_ADMINS is empty: everyone is an admin in anonymous mode');
    }
  }
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let stopping = false;
  // The embedded Azurite died more often than its restart budget allows: exit non-zero so an
  // outer supervisor (systemd, a container runtime) restarts the bot, rather than stay up without storage.
  const storageLost = async (reason: Error): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.fatal({ err: reason.message }, 'storage lost for good: exiting');
    try {
      await server?.close();
    } finally {
      await storage.close();
    }
    process.exit(1);
  };
  const storage = await openStorage(config, logger, {
    onStorageLost: (reason) => void storageLost(reason).catch(() => process.exit(1)),
  });
  try {
    server = await startServer({
      config,
      logger,
      tables: {
        rollouts: storage.rollouts,
        feedback: storage.feedback,
        signoffs: storage.signoffs,
        audiences: storage.audiences,
        announcements: storage.announcements,
        schedule: storage.schedule,
      },
      queue: storage.queue,
      probe: storage.probe,
    });
  } catch (err) {
    await storage.close();
    throw err;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  logger.info(
    { url: server.url, pid: process.pid, storage: storage.description, startupMs: Math.round(ms) },
    'Rollout Coordinator is listening',
  );

  const stop = async (signal: string): Promise<void> => {
    if (stopping || !server) return;
    stopping = true;
    logger.info({ signal, inFlight: server.inFlight.size }, 'shutting down');
    try {
      await server.close();
    } finally {
      await storage.close();
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
};

main().catch((err: unknown) => {
  process.stderr.write(
    `Rollout Coordinator failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});

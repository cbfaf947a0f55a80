import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { finished } from 'node:stream/promises';
import type { TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import restify, { type Request, type Response } from 'restify';
import { AnnouncementDispatcher } from './app/announce/announce-outbox';
import { recipientsWhenResolved } from './app/announce/announce-recipients';
import { reminderRecipientsOf } from './app/announce/reminder-recipients';
import { CountsUpdater } from './app/announce/counts-updater';
import { recoverFanout } from './app/announce/fanout-recovery';
import { FanoutWorker } from './app/announce/fanout-worker';
import { RateController } from './app/announce/rate-control';
import { timeLimit } from './app/deadline';
import { IntuneAssigner } from './app/intune-assignment';
import { NoticeDispatcher } from './app/notice-dispatcher';
import { AesRefSealer } from './app/sealed-ref';
import { reportFailing } from './app/schedule/job-failing';
import { retentionSteps, scheduledJobs } from './schedule/jobs';
import { Scheduler } from './schedule/scheduler';
import { TallyUpdater } from './app/signoff-tally';
import { AudienceRefresher } from './app/audience-refresh';
import { DirectoryFacts } from './app/directory-facts';
import type { Clock, Deps, Directory, HealthProbe, Messenger, WorkQueue } from './app/ports';
import { teamsAppIdOf } from './app-package/teams-app-id';
import { exportLinkSecret, isAnonymous, type Config } from './config';
import { serveExportPage, serveFeedbackExport } from './export/export-endpoint';
import { EXPORT_PATH, SignedExportLinks } from './export/export-links';
import { bodyReader, edgeGuard, sendError } from './http/edge';
import { LIMITS, type Deadlines } from './http/limits';
import { checkGraphPermissions, createDirectory, graphFeatures, type DirectoryOptions } from './graph';
import { InFlight } from './in-flight';
import { TableAnnouncementRepository } from './storage/announcement-repository';
import { TableAudienceRepository } from './storage/audience-repository';
import { TimedQueue } from './storage/delegating-queue';
import type { EntityTable } from './storage/entity-table';
import { MemoryQueue } from './storage/memory-queue';
import { MemoryTable } from './storage/memory-table';
import { TableFeedbackRepository } from './storage/feedback-repository';
import { TableReferenceRepository } from './storage/reference-repository';
import { TableRolloutRepository } from './storage/rollout-repository';
import { TableScheduleRepository } from './storage/schedule-repository';
import { TableSignoffRepository } from './storage/signoff-repository';
import { TimedTable } from './storage/timed-table';
import { TableTokenLedger } from './storage/token-ledger';
import { ACTIONS } from './teams/actions';
import { checkActivity, tenantAdmission } from './teams/activity-edge';
import { AfterReply } from './teams/after-reply';
import { createBotLogic } from './teams/bot';
import { createAdapter } from './teams/adapter';
import { TeamsAnnouncer } from './teams/announcer';
import { TeamsMessenger } from './teams/messenger';
import { COMMANDS } from './teams/commands';
import { Router } from './teams/router';
import { mountTab } from './tab';
import { dashboardLink } from './app-package/dashboard-link';

export interface ServerOptions {
  config: Config;
  logger: Logger;
  tables: {
    rollouts: EntityTable;
    feedback: EntityTable;
    signoffs: EntityTable;
    audiences: EntityTable;
    /** Absent: an in-memory table (tests and benchmarks that do not announce). */
    announcements?: EntityTable;
    /** The scheduler's state; absent: an in-memory table (tests that do not schedule). */
    schedule?: EntityTable;
  };
  /** The announcements' work queue (`npm start` passes the store's); absent: an in-memory one. */
  queue?: WorkQueue;
  /**
   * The fan-out worker: `start: false` leaves its receive loop off (tests run it with
   * `fanout.drain()`); `wait` paces it and its counts updates (default: real, unref'd timers).
   */
  fanout?: { start?: boolean; wait?: (ms: number) => Promise<void> };
  /** Microsoft Graph: tests pass their transport (a test CA) or a directory of their own. */
  graph?: { options?: DirectoryOptions; directory?: Directory | null };
  probe: HealthProbe;
  clock?: Clock;
  /** Waits between notice delivery attempts (tests pass one that does not sleep). */
  wait?: (ms: number) => Promise<void>;
  /**
   * The scheduled jobs: `start: false` leaves node-cron's ticks and the start-up catch-up off
   * (tests run slots with `runJob`); default: SCHEDULER.
   */
  scheduler?: { start?: boolean };
  /** Replaces the Bot Connector messenger (the benchmark's baselines). */
  messenger?: Messenger;
  /** Turn deadlines (default LIMITS: a card action 4 s, a message 10 s); tests shorten them. */
  deadlines?: Deadlines;
  /** The time-out of one storage call (default LIMITS.storageCallMs). */
  storageCallMs?: number;
  /** How long a request body may take to arrive (default LIMITS.bodyMs). */
  bodyTimeoutMs?: number;
}

export interface BotServer {
  url: string;
  port: number;
  inFlight: InFlight;
  /** Sends notices after the people who caused them were answered; `idle()` waits for the queue. */
  notices: NoticeDispatcher;
  /** Updates posted readiness cards; `idle()` waits for pending updates. */
  tallies: TallyUpdater;
  /** The announcements' fan-out on this instance. */
  fanout: {
    worker: FanoutWorker;
    /** Handles every visible queue message until none is left; returns how many (tests). */
    drain(): Promise<number>;
  };
  /** The scheduled jobs of this instance (coordinated with the other instances through the Schedule table). */
  scheduler: Scheduler;
  /** Runs one slot of a job (default: its most recent due slot), as node-cron would; false if it had run (tests). */
  runJob(name: string, slot?: Date): Promise<boolean>;
  /** Resolves when every turn, the work after its reply, notices and tally updates are done (tests). */
  settled(): Promise<void>;
  /** Stops accepting, lets turns in progress finish (up to `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

const systemClock: Clock = { now: () => new Date() };

/** The status card's "Open dashboard" link (TABS), read at each card: the address is known once listening. */
const dashboardSetting = (config: Config, base: () => string): { dashboardUrl?: (id: string) => string } => {
  const link = dashboardLink(config, base);
  return link ? { dashboardUrl: link } : {};
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

const HEALTH_TIMEOUT_MS = 3000;

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> =>
  timeLimit(work, ms, () => new Error(`timed out after ${ms} ms`));

/** Composition root for the HTTP side: adapters wired to use cases, restify routes. */
export const startServer = async (options: ServerOptions): Promise<BotServer> => {
  const { config, logger } = options;
  const anonymous = isAnonymous(config);
  const clock = options.clock ?? systemClock;
  const wait = options.wait ?? sleep;
  // Every storage call of the server has a deadline (and a turn's calls end with the turn's).
  const callMs = options.storageCallMs ?? LIMITS.storageCallMs;
  const tables = {
    rollouts: new TimedTable(options.tables.rollouts, callMs),
    feedback: new TimedTable(options.tables.feedback, callMs),
    signoffs: new TimedTable(options.tables.signoffs, callMs),
    audiences: new TimedTable(options.tables.audiences, callMs),
    announcements: new TimedTable(options.tables.announcements ?? new MemoryTable(), callMs),
    schedule: new TimedTable(options.tables.schedule ?? new MemoryTable(), callMs),
  };
  const queue = new TimedQueue(options.queue ?? new MemoryQueue('announcements', clock), callMs);
  const fanoutWait = options.fanout?.wait ?? sleep;
  const rollouts = new TableRolloutRepository(tables.rollouts);
  const feedback = new TableFeedbackRepository(tables.feedback);
  const signoffs = new TableSignoffRepository(tables.signoffs);
  const audiences = new TableAudienceRepository(tables.audiences, clock);
  const announcements = new TableAnnouncementRepository(tables.announcements);
  const schedules = new TableScheduleRepository(tables.schedule);
  const ledger = new TableTokenLedger(tables.feedback);
  // Conversation references live in the Audiences table's own partitions (no table of their own).
  const references = new TableReferenceRepository(tables.audiences, clock);
  const directory =
    options.graph?.directory !== undefined
      ? options.graph.directory
      : createDirectory(config, logger, options.graph?.options);
  const inFlight = new InFlight();
  const facts = new DirectoryFacts({
    directory,
    adminGroups: config.ADMIN_GROUP_IDS.map((id) => id.toLowerCase()),
    clock,
    log: logger,
    track: (work) => void inFlight.track(work).catch(() => undefined),
    checkTenant: directory
      ? async (tenantId) => (await checkGraphPermissions(directory, tenantId, graphFeatures(config))).message
      : null,
  });
  const appId = config.MicrosoftAppId ?? '';
  const adapter = createAdapter(config, logger, {
    admit: tenantAdmission(
      config.ALLOWED_TENANT_IDS.map((id) => id.toLowerCase()),
      logger,
    ),
  });
  const messenger = options.messenger ?? new TeamsMessenger(adapter, appId);
  const secret = exportLinkSecret(config);
  if (secret.generated) {
    logger.warn('EXPORT_LINK_SECRET is not set: export links are signed with a per-process secret');
  }
  const sealer = new AesRefSealer(secret.secret);
  const notices = new NoticeDispatcher({
    rollouts,
    feedback,
    signoffs,
    schedules,
    messenger,
    sealer,
    log: logger,
    wait,
  });
  let publicBaseUrl = config.PUBLIC_BASE_URL;
  const exportLinks = new SignedExportLinks({
    secret: secret.secret,
    ttlMinutes: config.EXPORT_LINK_TTL_MINUTES,
    clock,
    baseUrl: () => publicBaseUrl,
  });
  // Phase announcements: the fan-out worker sends each recipient's card at the tenant's shared
  // rate; the counts updater keeps the posts' counts current; the dispatcher makes the
  // announcements advances committed (`announce: auto`).
  const rate = new RateController({
    tenantRps: config.TEAMS_TENANT_RPS,
    now: () => clock.now().getTime(),
    wait: fanoutWait,
  });
  const announcer = new TeamsAnnouncer({
    adapter,
    appId,
    references,
    directory,
    proactiveInstall: config.PROACTIVE_INSTALL,
    teamsAppExternalId: teamsAppIdOf(config) ?? '',
    log: logger,
    clock,
    // Every connector request waits for the tenant's rate, right before it leaves (a person
    // without a chat costs two).
    pace: rate,
  });
  const counts = new CountsUpdater({ announcements, announcer, clock, wait: fanoutWait, log: logger });
  const worker = new FanoutWorker({
    queue,
    announcements,
    announcer,
    rate,
    pacedByAnnouncer: true,
    recipientsOf: async (announcement) => {
      const rollout = (await rollouts.get(announcement.tenantId, announcement.rolloutId))?.value;
      const graph = directory !== null;
      return rollout
        ? recipientsWhenResolved({ audiences, references, clock, graph }, rollout, announcement)
        : [];
    },
    // Reminders (nudges, Got it, sign-off) have recipients by purpose, worked out at expansion.
    reminderRecipientsOf: reminderRecipientsOf({
      audiences,
      references,
      feedback,
      schedules,
      signoffs,
      announcements,
      rollouts,
    }),
    serviceUrlOf: (announcement) => announcement.coordination?.conversation.serviceUrl ?? '',
    onProgress: counts.progress,
    clock,
    wait: fanoutWait,
    log: logger,
    instanceId: randomUUID(),
  });
  const tallies = new TallyUpdater({ rollouts, signoffs, feedback, messenger, clock, audiences }, logger);
  // Intune assignment (INTUNE_ASSIGN, which the config allows only with Graph): committed with
  // the advance, run after the reply, recovered at start and by the sweep.
  const assigner =
    config.INTUNE_ASSIGN && directory
      ? new IntuneAssigner({ rollouts, audiences, directory, messenger, clock, log: logger, wait })
      : null;
  const audienceRefresh = new AudienceRefresher(
    {
      rollouts,
      facts,
      audiences,
      clock,
      log: logger,
      messenger,
      ...(assigner ? { assignments: assigner } : {}),
    },
    logger,
  );
  const deps: Deps = {
    rollouts,
    feedback,
    signoffs,
    messenger,
    tallies,
    log: logger,
    helpdesk: config.ROLLOUT_HELPDESK.map((id) => id.toLowerCase()),
    helpdeskGroups: config.HELPDESK_GROUP_IDS.map((id) => id.toLowerCase()),
    notices,
    exportLinks,
    sealer,
    clock,
    access: {
      admins: new Set(config.ROLLOUT_ADMINS.map((id) => id.toLowerCase())),
      everyoneIsAdmin: anonymous && config.ROLLOUT_ADMINS.length === 0,
    },
    settings: {
      defaultTimeZone: config.DEFAULT_TIMEZONE,
      intuneAssign: assigner !== null,
      escalateHours: config.SIGNOFF_ESCALATE_HOURS,
      ...dashboardSetting(config, () => publicBaseUrl),
    },
    ...(assigner ? { assignments: assigner } : {}),
    facts,
    audiences,
    audienceRefresh,
    schedules,
  };
  const announcementBase = {
    store: announcements,
    queue,
    announcer,
    kick: () => worker.kick(),
    progress: counts.progress,
    pausedSince: () => worker.health().pausedSince,
  };
  const dispatcher = new AnnouncementDispatcher({ ...deps, announce: announcementBase, log: logger });
  deps.announce = { ...announcementBase, outbox: dispatcher };
  const router = new Router(COMMANDS, ACTIONS, deps, logger);
  const logic = createBotLogic(router, logger, {
    anonymous,
    appId,
    deadlines: options.deadlines ?? {
      invokeMs: LIMITS.invokeDeadlineMs,
      messageMs: LIMITS.messageDeadlineMs,
    },
    wait,
    references,
  });
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    logger.error({ err: error, activityId: context.activity.id }, 'turn failed');
    try {
      await context.sendActivity('Something went wrong on my side. Please try again in a moment.');
    } catch (sendError) {
      logger.warn(
        { err: sendError, activityId: context.activity.id },
        'could not tell the user about the failure',
      );
    }
  };

  let closing = false;
  const server = restify.createServer({ name: 'rollout-coordinator', handleUncaughtExceptions: false });
  // A slow or silent client cannot hold a connection: headers, the body and idle keep-alive
  // connections each have a time limit (the body's is enforced by the reader).
  server.server.headersTimeout = LIMITS.headersMs;
  server.server.requestTimeout = LIMITS.headersMs + LIMITS.bodyMs;
  server.server.keepAliveTimeout = LIMITS.keepAliveMs;
  server.pre(edgeGuard);
  server.use((req, res, next) => {
    bodyReader(req, res, options.bodyTimeoutMs ?? LIMITS.bodyMs).then(
      (ok) => next(ok ? undefined : false),
      (err: unknown) => {
        logger.warn({ err }, 'could not read a request body');
        if (!res.headersSent) sendError(res, 400, 'BadRequest', 'The request body could not be read.');
        next(false);
      },
    );
  });

  server.post('/api/messages', async (req: Request, res: Response) => {
    if (closing) {
      res.header('Connection', 'close');
      return sendError(res, 503, 'ShuttingDown', 'The bot is restarting; please retry.');
    }
    if (!anonymous && !req.header('authorization')) {
      return sendError(res, 401, 'Unauthorized', 'A Bot Framework token is required.');
    }
    const checked = checkActivity(req.body, { anonymous });
    if (!checked.ok) return sendError(res, checked.status, checked.code, checked.message);
    const after = new AfterReply();
    // A turn counts as in flight until its response has left (shutdown must not cut it off).
    await inFlight.track(async () => {
      await adapter.process(req, res, (context) => logic(context, after));
      if (!res.writableFinished) await finished(res).catch(() => undefined);
    });
    after.release((task) => {
      const running = Promise.resolve()
        .then(task)
        .catch((err: unknown) => logger.error({ err }, 'work after the reply failed'));
      void inFlight.track(() => running);
    });
  });

  // GET shows a page (link scanners only GET: they never use a link up); its form POSTs the token,
  // and the POST downloads. The link's token travels in the query: path parameters are capped at
  // 100 characters by the router. The form's body is parsed by bodyParser (urlencoded → req.body).
  server.get(EXPORT_PATH, async (req: Request, res: Response) => {
    const token = new URL(req.url ?? '', 'http://localhost').searchParams.get('token') ?? '';
    serveExportPage(exportLinks, token, res);
  });
  server.post(EXPORT_PATH, async (req: Request, res: Response) => {
    const token: unknown = (req.body as { token?: unknown } | undefined)?.token;
    await inFlight.track(() =>
      serveFeedbackExport(
        { deps, links: exportLinks, ledger, logger },
        typeof token === 'string' ? token : '',
        res,
      ),
    );
  });

  // The dashboard tab (TABS): its pages and its JSON API, from the same use cases as the cards.
  mountTab(server, { config, deps, inFlight, log: logger });
  // What no route takes (an id past the router's 100-character parameters, a broken escape, a
  // path that names nothing) is answered as every route answers: `{ error }`, never cached.
  // (The router reports an over-long tab id as a method not allowed: under /api/tab it is not found.)
  for (const event of ['NotFound', 'MethodNotAllowed'] as const) {
    server.on(event, (req: Request, res: Response, _err: unknown, done: () => void) => {
      if (res.headersSent) return done();
      if (event === 'MethodNotAllowed' && !req.path().startsWith('/api/tab/')) {
        return sendError(res, 405, 'MethodNotAllowed', `${req.method ?? ''} is not allowed here.`);
      }
      sendError(res, 404, 'NotFound', 'There is nothing at this address.');
    });
  }

  // Health: storage answers (503 when not), and how each scheduled job last ran (informational:
  // a failing job does not make the instance unhealthy, restarting it would not help).
  server.get('/healthz', async (_req: Request, res: Response) => {
    const jobs = withTimeout(scheduler.status(), HEALTH_TIMEOUT_MS).catch(() => 'unavailable' as const);
    try {
      await withTimeout(options.probe.check(), HEALTH_TIMEOUT_MS);
      res.json(200, { status: 'ok', storage: 'ok', jobs: await jobs });
    } catch (err) {
      logger.warn({ err }, 'health check failed');
      res.json(503, {
        status: 'unavailable',
        storage: err instanceof Error ? err.message : 'unreachable',
        jobs: await jobs,
      });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  // A wildcard address is not one a browser can open: links then name this machine.
  publicBaseUrl ||= `http://${['0.0.0.0', '::'].includes(config.HOST) ? 'localhost' : host}:${port}`;
  // The outboxes are read at start (what a crash left) and then by the housekeeping job (what
  // failed for longer than the dispatchers' retries), so a notice is never left behind for good.
  const recoverOutboxes = () => Promise.all([notices.recover(), assigner?.recover(), dispatcher.recover()]);
  void inFlight
    .track(recoverOutboxes)
    .catch((err: unknown) => logger.error({ err }, 'could not read the notice outbox'));
  // The fan-out: what a previous run left queued or unqueued is queued again, then the worker runs.
  void inFlight
    .track(() => recoverFanout({ announcements, queue, log: logger }))
    .catch((err: unknown) => logger.error({ err }, 'could not recover the announcements’ fan-out'));
  if (options.fanout?.start !== false) worker.start();
  // A single-tenant bot knows its tenant: its Graph permissions are checked now (multi-tenant
  // bots check each tenant at its first turn).
  if (config.MicrosoftAppType !== 'MultiTenant' && config.MicrosoftAppTenantId) {
    void inFlight.track(() => facts.checkPermissions(config.MicrosoftAppTenantId ?? ''));
  }
  const scheduler = new Scheduler({
    jobs: scheduledJobs({
      app: deps,
      housekeeping: {
        recoverOutboxes,
        purges: retentionSteps(config, { announcements, references, rollouts, ledger, schedules }),
        log: logger,
      },
    }),
    store: schedules,
    clock,
    log: logger,
    onFailing: (job, failed) => reportFailing(deps, job, failed, clock.now()),
  });
  if (options.scheduler?.start ?? config.SCHEDULER) void inFlight.track(() => scheduler.start());

  return {
    url: `http://${host}:${port}`,
    port,
    inFlight,
    notices,
    tallies,
    fanout: {
      worker,
      drain: async () => {
        let handled = 0;
        for (let n = await worker.runOnce(); n > 0; n = await worker.runOnce()) handled += n;
        await counts.idle();
        return handled;
      },
    },
    settled: async () => {
      await inFlight.drain(60_000);
      await notices.idle();
      await tallies.idle();
      await audienceRefresh.idle();
      await assigner?.idle();
      await dispatcher.idle();
      await counts.idle();
    },
    scheduler,
    runJob: (name, slot) => scheduler.runSlot(name, slot ?? scheduler.dueSlot(name)),
    close: async (graceMs = config.SHUTDOWN_GRACE_MS) => {
      closing = true;
      const stopped = scheduler.stop(graceMs);
      const closed = new Promise<void>((resolve) => server.server.close(() => resolve()));
      server.server.closeIdleConnections();
      const drained = await inFlight.drain(graceMs);
      if (!drained) logger.warn({ inFlight: inFlight.size }, 'shutdown grace period over; closing anyway');
      // Card updates and notices under way may finish within the grace period; notices not sent
      // stay in the outbox for the next start.
      const sent = await withTimeout(
        Promise.all([
          tallies.idle(),
          notices.idle(),
          audienceRefresh.idle(),
          assigner?.idle(),
          dispatcher.idle(),
          // Messages under way are finished; what is not sent stays in its rows and the queue.
          worker.stop().then(() => counts.idle()),
        ]),
        graceMs,
      ).then(
        () => true,
        () => false,
      );
      if (!sent) logger.warn('card updates or notices still under way at shutdown');
      await stopped;
      server.server.closeAllConnections();
      await closed;
    },
  };
};

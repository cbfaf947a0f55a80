import pino from 'pino';
import type { Clock } from '../../src/app/ports';
import { loadConfig } from '../../src/config';
import type { Deadlines } from '../../src/http/limits';
import { startServer, type BotServer, type ServerOptions } from '../../src/server';
import type { EntityTable } from '../../src/storage/entity-table';
import { MemoryTable } from '../../src/storage/memory-table';
import { tableProbe } from '../../src/storage/table-probe';
import { FakeConnector } from './fake-connector';

/** A clock the test moves by hand. */
export class TestClock implements Clock {
  constructor(private current = new Date('2026-02-10T17:30:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface Harness {
  server: BotServer;
  connector: FakeConnector;
  clock: TestClock;
  table: EntityTable;
  feedbackTable: EntityTable;
  signoffTable: EntityTable;
  /** The Audiences table (resolved audiences and conversation references). */
  audienceTable: EntityTable;
  /** Runs the housekeeping job (the outbox sweep, retention) now, as its schedule would. */
  sweep(): Promise<void>;
  /** POSTs an activity to /api/messages; returns the HTTP status and parsed body. */
  post(activity: unknown, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/** The real server (restify + CloudAdapter) on port 0, with a fake Bot Connector beside it. */
export const startHarness = async (
  options: {
    env?: Record<string, string>;
    table?: EntityTable;
    feedbackTable?: EntityTable;
    signoffTable?: EntityTable;
    audienceTable?: EntityTable;
    /** Microsoft Graph for the server (a fake Graph's transport, or a directory of the test's own). */
    graph?: ServerOptions['graph'];
    /** Shorter turn deadlines (the defaults are 4 s and 10 s). */
    deadlines?: Deadlines;
    storageCallMs?: number;
    bodyTimeoutMs?: number;
    /** Receives every log line (JSON), e.g. to assert that nothing was logged at error level. */
    logStream?: { write(line: string): void };
  } = {},
): Promise<Harness> => {
  const connector = await new FakeConnector().start();
  const clock = new TestClock();
  const table = options.table ?? new MemoryTable();
  const feedbackTable = options.feedbackTable ?? new MemoryTable();
  const signoffTable = options.signoffTable ?? new MemoryTable();
  const audienceTable = options.audienceTable ?? new MemoryTable();
  let lastSweep = 0;
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', NODE_ENV: 'test', ...options.env });
  const server = await startServer({
    config,
    logger: options.logStream ? pino({ level: 'info' }, options.logStream) : pino({ level: 'silent' }),
    tables: { rollouts: table, feedback: feedbackTable, signoffs: signoffTable, audiences: audienceTable },
    ...(options.graph ? { graph: options.graph } : {}),
    probe: tableProbe(table),
    clock,
    ...(options.deadlines ? { deadlines: options.deadlines } : {}),
    ...(options.storageCallMs ? { storageCallMs: options.storageCallMs } : {}),
    ...(options.bodyTimeoutMs ? { bodyTimeoutMs: options.bodyTimeoutMs } : {}),
    // Notice retries wait for nothing and periodic work runs when the test says: no sleeps.
    wait: async () => {},
    // The fan-out runs when the test drains it (`server.fanout.drain()`); its waits move the
    // test clock (a back-off or the counts' interval passes at once) and yield to I/O.
    fanout: {
      start: false,
      wait: (ms) => {
        clock.advance(ms);
        return new Promise((resolve) => setImmediate(resolve));
      },
    },
    // Scheduled jobs run when the test says (`runJob`, `sweep`), with slots it chooses.
    scheduler: { start: false },
  });
  const post = async (activity: unknown, headers: Record<string, string> = {}) => {
    // Stamp the activity as Teams does (when it was sent), then let a millisecond pass.
    if (activity && typeof activity === 'object') {
      (activity as Record<string, unknown>).timestamp = clock.now().toISOString();
    }
    clock.advance(1);
    const res = await fetch(`${server.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof activity === 'string' ? activity : JSON.stringify(activity),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body };
  };
  return {
    server,
    connector,
    clock,
    table,
    feedbackTable,
    signoffTable,
    audienceTable,
    sweep: async () => {
      // A slot after the last one (a slot runs once), at the clock's time at the earliest.
      lastSweep = Math.max(clock.now().getTime(), lastSweep + 60_000);
      await server.runJob('housekeeping', new Date(lastSweep));
    },
    post,
    close: async () => {
      await server.close(1000);
      await connector.stop();
    },
  };
};

import { request as httpRequest } from 'node:http';
import pino from 'pino';
import { loadConfig } from '../../../src/config';
import { startServer, type BotServer } from '../../../src/server';
import { DelegatingTable } from '../../../src/storage/delegating-table';
import type { EntityTable, StoredEntity, TableAction } from '../../../src/storage/entity-table';
import { MemoryTable } from '../../../src/storage/memory-table';
import { tableProbe } from '../../../src/storage/table-probe';
import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../../support/azurite';
import { FakeConnector } from '../../support/fake-connector';
import { TestClock } from '../../support/harness';

type Rows = Map<string, Map<string, StoredEntity>>;
/** MemoryTable's private state, read and replaced to reset a table between cases. */
interface MemoryInternals {
  rows: Rows;
  version: number;
}

const copyRows = (rows: Rows): Rows =>
  new Map(
    [...rows].map(([pk, partition]) => [pk, new Map([...partition].map(([rk, row]) => [rk, { ...row }]))]),
  );

/**
 * A table that counts the writes it stored (submits that succeeded) and, on the in-memory
 * table, can be reset to a saved state, so each fuzz case starts from the same rows (a case
 * replayed from its seed sees what it saw when it failed).
 */
export class FuzzTable extends DelegatingTable {
  /** Entities written by submits that succeeded. */
  writes = 0;
  /** What those submits wrote (kind, PartitionKey, RowKey), for `takeWritten()`. */
  readonly written: { table: string; kind: string; partitionKey: string; rowKey: string }[] = [];

  constructor(private readonly inner: EntityTable) {
    super(inner);
  }

  override async submit(actions: readonly TableAction[]): Promise<string[]> {
    const etags = await super.submit(actions);
    this.writes += actions.length;
    for (const action of actions) {
      const keys = action.kind === 'delete' ? action : action.entity;
      this.written.push({
        table: this.name,
        kind: action.kind,
        partitionKey: keys.partitionKey,
        rowKey: keys.rowKey,
      });
    }
    return etags;
  }

  private get memory(): MemoryInternals | null {
    return this.inner instanceof MemoryTable ? (this.inner as unknown as MemoryInternals) : null;
  }

  /** Every row (in-memory table only; null on Azurite). */
  save(): { rows: Rows; version: number } | null {
    const memory = this.memory;
    return memory ? { rows: copyRows(memory.rows), version: memory.version } : null;
  }

  restore(saved: { rows: Rows; version: number } | null): void {
    const memory = this.memory;
    if (!memory || !saved) return;
    memory.rows = copyRows(saved.rows);
    memory.version = saved.version;
  }
}

/** A pino line at error level or above, as the server logged it. */
export interface LoggedError {
  level: number;
  msg: string;
  line: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: unknown;
  ms: number;
  /** Set when the connection failed before a response came (no status then: -1). */
  error?: string;
}

export interface RawRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Send the body chunked, without Content-Length. */
  chunked?: boolean;
  /** Send only the headers and wait for the answer (a body refused unread). */
  headersOnly?: boolean;
}

export interface FuzzHarness {
  server: BotServer;
  connector: FakeConnector;
  clock: TestClock;
  tables: FuzzTable[];
  /** Entities written so far, over every table. */
  writes(): number;
  /** What was written since the last call, over every table. */
  takeWritten(): FuzzTable['written'];
  /** Lines logged at error level or above since the last `takeErrors()`. */
  takeErrors(): LoggedError[];
  /** Saves every table's rows (in-memory only) for `reset`. */
  save(): void;
  /** Back to the saved rows (in-memory only; no-op on Azurite). */
  reset(): void;
  request(req: RawRequest): Promise<RawResponse>;
  /** POSTs an activity as JSON. */
  post(activity: unknown, headers?: Record<string, string>): Promise<RawResponse>;
  close(): Promise<void>;
}

const parse = (text: string): unknown => {
  try {
    return text ? (JSON.parse(text) as unknown) : null;
  } catch {
    return text;
  }
};

/** One HTTP request on its own connection, with full control of the headers and the body. */
export const rawRequest = (baseUrl: string, req: RawRequest): Promise<RawResponse> =>
  new Promise((resolve) => {
    const started = performance.now();
    const url = new URL(req.path ?? '/api/messages', baseUrl);
    const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body);
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    const hasLength = Object.keys(headers).some((h) => h.toLowerCase() === 'content-length');
    if (!req.chunked && !hasLength && !req.headersOnly) headers['Content-Length'] = String(body.length);
    let done = false;
    const finish = (res: RawResponse): void => {
      if (done) return;
      done = true;
      resolve(res);
    };
    const client = httpRequest(
      url,
      { method: req.method ?? 'POST', headers, agent: false, timeout: 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        const end = (): void => {
          const text = Buffer.concat(chunks).toString('utf8');
          finish({
            status: res.statusCode ?? -1,
            headers: res.headers,
            text,
            body: parse(text),
            ms: performance.now() - started,
          });
        };
        res.on('end', end);
        res.on('error', end);
        res.on('aborted', end);
      },
    );
    client.on('timeout', () => client.destroy(new Error('client timeout')));
    client.on('error', (err) => {
      // A server that answers and closes while the body is still being written: the answer
      // usually arrived; when it did not, the failure is reported as status -1.
      setTimeout(
        () =>
          finish({
            status: -1,
            headers: {},
            text: '',
            body: null,
            ms: performance.now() - started,
            error: err.message,
          }),
        50,
      );
    });
    if (req.headersOnly) {
      client.flushHeaders();
      return;
    }
    if (!req.chunked) {
      client.end(body);
      return;
    }
    // Chunked: 64 KiB at a time, stopping once the server has answered.
    const write = (offset: number): void => {
      if (done || client.destroyed) return;
      if (offset >= body.length) {
        client.end();
        return;
      }
      const more = client.write(body.subarray(offset, offset + 64 * 1024));
      if (more) setImmediate(() => write(offset + 64 * 1024));
      else client.once('drain', () => write(offset + 64 * 1024));
    };
    write(0);
  });

export interface FuzzHarnessOptions {
  store: 'memory' | 'azurite';
  env?: Record<string, string>;
}

/**
 * The real server (restify + CloudAdapter on port 0) as the fuzz suite needs it: a pino logger
 * whose error-level lines are kept, tables that count writes (in memory, resettable, or on an
 * Azurite of its own), a fake Bot Connector, and raw HTTP requests.
 */
export const startFuzzHarness = async (options: FuzzHarnessOptions): Promise<FuzzHarness> => {
  let azurite: TestAzurite | null = null;
  const inner: EntityTable[] = [];
  if (options.store === 'azurite') {
    azurite = await startTestAzurite();
    for (const base of ['ro', 'fb', 'so', 'au'])
      inner.push(await azureTableFor(azurite.endpoint, uniqueTableName(base)));
  } else {
    inner.push(new MemoryTable(), new MemoryTable(), new MemoryTable(), new MemoryTable());
  }
  const tables = inner.map((t) => new FuzzTable(t));
  const [rollouts, feedback, signoffs, audiences] = tables as [FuzzTable, FuzzTable, FuzzTable, FuzzTable];
  const errors: LoggedError[] = [];
  const destination = {
    write(line: string): void {
      const parsed = parse(line) as { level?: number; msg?: string } | string;
      const level = typeof parsed === 'object' && parsed ? (parsed.level ?? 0) : 0;
      if (level >= 50) {
        errors.push({ level, msg: typeof parsed === 'object' ? String(parsed.msg ?? '') : '', line });
      }
    },
  };
  const connector = await new FakeConnector().start();
  const clock = new TestClock();
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'error', NODE_ENV: 'test', ...options.env });
  const server = await startServer({
    config,
    logger: pino({ level: 'error' }, destination),
    tables: { rollouts, feedback, signoffs, audiences },
    probe: tableProbe(rollouts),
    clock,
    wait: async () => {},
    scheduler: { start: false },
  });
  let saved: ReturnType<FuzzTable['save']>[] = [];
  const request = (req: RawRequest) => rawRequest(server.url, req);
  return {
    server,
    connector,
    clock,
    tables,
    writes: () => tables.reduce((n, t) => n + t.writes, 0),
    takeWritten: () => tables.flatMap((t) => t.written.splice(0)),
    takeErrors: () => errors.splice(0),
    save: () => {
      saved = tables.map((t) => t.save());
    },
    reset: () => tables.forEach((t, i) => t.restore(saved[i] ?? null)),
    request,
    post: (activity, headers = {}) => {
      if (activity && typeof activity === 'object' && !Array.isArray(activity)) {
        const record = activity as Record<string, unknown>;
        if (!('timestamp' in record)) record.timestamp = clock.now().toISOString();
      }
      clock.advance(1);
      return request({
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(activity),
      });
    },
    close: async () => {
      await server.close(2000);
      await connector.stop();
      await azurite?.stop();
    },
  };
};

/** Unhandled rejections and uncaught exceptions while the watch is on (listeners restored after). */
export class ProcessWatch {
  readonly problems: string[] = [];
  private readonly onRejection = (reason: unknown): void => {
    this.problems.push(
      `unhandledRejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
    );
  };
  private readonly onException = (err: Error): void => {
    this.problems.push(`uncaughtException: ${err.stack ?? err.message}`);
  };

  start(): this {
    process.on('unhandledRejection', this.onRejection);
    process.on('uncaughtException', this.onException);
    return this;
  }

  stop(): void {
    process.off('unhandledRejection', this.onRejection);
    process.off('uncaughtException', this.onException);
  }

  take(): string[] {
    return this.problems.splice(0);
  }
}

const PROTOTYPES: readonly [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
];

export type PrototypeSnapshot = Map<string, Map<PropertyKey, PropertyDescriptor>>;

/** Every own property of `Object.prototype` (and its cousins), to prove no input reached them. */
export const snapshotPrototypes = (): PrototypeSnapshot =>
  new Map(
    PROTOTYPES.map(([name, proto]) => [
      name,
      new Map(Reflect.ownKeys(proto).map((key) => [key, Object.getOwnPropertyDescriptor(proto, key)!])),
    ]),
  );

/** What changed on the prototypes since `before` (added, removed or replaced properties). */
export const prototypeChanges = (before: PrototypeSnapshot): string[] => {
  const changes: string[] = [];
  for (const [name, proto] of PROTOTYPES) {
    const was = before.get(name) ?? new Map<PropertyKey, PropertyDescriptor>();
    const keys = new Set<PropertyKey>([...was.keys(), ...Reflect.ownKeys(proto)]);
    for (const key of keys) {
      const a = was.get(key);
      const b = Object.getOwnPropertyDescriptor(proto, key);
      if (!a || !b) changes.push(`${name}.${String(key)} ${a ? 'removed' : 'added'}`);
      else if (a.value !== b.value || a.get !== b.get || a.set !== b.set) {
        changes.push(`${name}.${String(key)} replaced`);
      }
    }
  }
  return changes;
};

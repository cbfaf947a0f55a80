import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  oneToOneId,
  RateLimitedConnector,
  type ConnectorStats,
  type RateLimitedConnectorOptions,
  type RecipientTally,
} from './rate-limited-connector';

/**
 * The rate-limited connector (rate-limited-connector.ts) in a process of its own, so that the
 * arrivals it stamps come from an event loop that does nothing else: in the bench's process it
 * shared the loop with the counting proxies in front of Azurite, whose stalls (100–250 ms)
 * bunched the arrivals that were spread on the wire (a real Bot Connector is not co-hosted with a
 * storage proxy). The child (`node dist/bench/connector-process.js`, forked with an IPC channel)
 * prints `{"url": …}` on stdout once it listens; the bench asks it over IPC for its stats, its
 * tallies and to know chats (knowPersonal). GET /stats answers as before.
 */

/** The options a child is started with (JSON in CONNECTOR_PROCESS_OPTIONS): no clock, no functions. */
export type ConnectorProcessOptions = Omit<RateLimitedConnectorOptions, 'now'>;

type Request =
  | { id: number; op: 'know'; pairs: [string, string][] }
  | { id: number; op: 'stats' }
  | { id: number; op: 'tallies' }
  | { id: number; op: 'stop' };

/** A request without its id (each member of the union apart). */
type Asked = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

type Reply =
  | { id: number; ok: true; stats?: ConnectorStats; tallies?: [string, RecipientTally][] }
  | { id: number; ok: false; error: string };

/** The parent's handle on a connector child. */
export class ConnectorProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  /** Chats made known locally (knowPersonal), not yet sent to the child: flush() sends them. */
  private pending: [string, string][] = [];
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.on('message', (message: Reply) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      waiter.resolve(message);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error('the connector process exited'));
      this.waiting.clear();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Forks the connector (the compiled connector-process.js beside this file) and waits for its url. */
  static async start(options: ConnectorProcessOptions): Promise<ConnectorProcess> {
    // From the sources (a test under ts-jest): the .ts through tsx.
    const fromSource = __filename.endsWith('.ts');
    const child = fork(join(__dirname, `connector-process.${fromSource ? 'ts' : 'js'}`), [], {
      env: { ...process.env, CONNECTOR_PROCESS_OPTIONS: JSON.stringify(options) },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      execArgv: fromSource ? ['--import', 'tsx'] : [],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const onData = (chunk: Buffer): void => {
        out += chunk.toString('utf8');
        const line = out.split('\n').find((l) => l.trim().startsWith('{'));
        if (!line || !out.includes('\n')) return;
        child.stdout?.off('data', onData);
        try {
          resolve((JSON.parse(line) as { url: string }).url);
        } catch (err) {
          reject(err as Error);
        }
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code, signal) =>
        reject(new Error(`the connector process exited (${code ?? signal}) before it listened`)),
      );
    });
    child.stdout?.resume();
    return new ConnectorProcess(child, url);
  }

  private ask(request: Asked): Promise<Reply & { ok: true }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, {
        resolve: (reply) => (reply.ok ? resolve(reply) : reject(new Error(reply.error))),
        reject,
      });
      this.child.send({ ...request, id } as Request);
    });
  }

  /** As RateLimitedConnector.knowPersonal: the id now, the child told at the next flush(). */
  knowPersonal(tenantId: string, recipient: string): string {
    this.pending.push([tenantId, recipient]);
    return oneToOneId(tenantId, recipient.toLowerCase());
  }

  /** Sends the chats made known so far to the child, and waits until it has them. */
  async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const pairs = this.pending.splice(0, 5000);
      await this.ask({ op: 'know', pairs });
    }
  }

  async getStats(): Promise<ConnectorStats> {
    const reply = await this.ask({ op: 'stats' });
    if (!reply.stats) throw new Error('the connector process sent no stats');
    return reply.stats;
  }

  async recipientTallies(): Promise<ReadonlyMap<string, RecipientTally>> {
    const reply = await this.ask({ op: 'tallies' });
    return new Map(reply.tallies ?? []);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.ask({ op: 'stop' }).catch(() => undefined);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The child: a connector and nothing else on its event loop. */
const serve = async (): Promise<void> => {
  const options = JSON.parse(process.env.CONNECTOR_PROCESS_OPTIONS ?? '{}') as ConnectorProcessOptions;
  const connector = await new RateLimitedConnector(options).start(Number(process.env.PORT ?? 0));
  const send = (reply: Reply): void => void process.send?.(reply);
  process.on('message', (request: Request) => {
    try {
      if (request.op === 'know') {
        for (const [tenantId, recipient] of request.pairs) connector.knowPersonal(tenantId, recipient);
        send({ id: request.id, ok: true });
      } else if (request.op === 'stats') {
        send({ id: request.id, ok: true, stats: connector.getStats() });
      } else if (request.op === 'tallies') {
        send({ id: request.id, ok: true, tallies: [...connector.recipientTallies()] });
      } else if (request.op === 'stop') {
        void connector.stop().then(() => process.send?.({ id: request.id, ok: true }, () => process.exit(0)));
      }
    } catch (err) {
      send({ id: request.id, ok: false, error: String(err) });
    }
  });
  // The bench gone (its IPC channel closed): nothing to serve.
  process.on('disconnect', () => void connector.stop().then(() => process.exit(0)));
  console.log(JSON.stringify({ url: connector.url, port: Number(new URL(connector.url).port) }));
};

if (require.main === module) {
  serve().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

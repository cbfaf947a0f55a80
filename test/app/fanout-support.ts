import { FanoutWorker, type FanoutWorkerOptions } from '../../src/app/announce/fanout-worker';
import { RateController } from '../../src/app/announce/rate-control';
import type { Log, Recipient } from '../../src/app/ports';
import type { Announcement } from '../../src/domain/announcement';
import { TableAnnouncementRepository } from '../../src/storage/announcement-repository';
import { MemoryQueue } from '../../src/storage/memory-queue';
import { MemoryTable } from '../../src/storage/memory-table';
import { ScriptedAnnouncer } from '../support/scripted-announcer';
import { VirtualTime } from '../support/virtual-time';

export const TENANT = 'tenant-1';
export const SERVICE_URL = 'https://smba.example/emea/';

export const quietLog = (): Log & { lines: { level: string; message: string }[] } => {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    info: (_d, message) => void lines.push({ level: 'info', message }),
    warn: (_d, message) => void lines.push({ level: 'warn', message }),
    error: (_d, message) => void lines.push({ level: 'error', message }),
  };
};

/** `n` recipients with distinct ids. */
export const people = (n: number): Recipient[] =>
  Array.from({ length: n }, (_, i) => ({
    personId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: `Person ${i}`,
  }));

export const announcement = (time: VirtualTime, overrides: Partial<Announcement> = {}): Announcement => ({
  id: 'ann-1',
  tenantId: TENANT,
  rolloutId: 'rollout-1',
  stageId: 'pilot',
  text: {
    rolloutName: 'Contoso app',
    stageId: 'pilot',
    stageLabel: 'Pilot',
    timeFrame: { start: '2026-02-11', end: '2026-02-20' },
    timeZone: 'Europe/Berlin',
    enrollment: null,
    whatIsDeployed: 'The Contoso app',
    howAndWhen: 'Installed overnight',
    businessPurpose: 'Faster expenses',
    selfHelpUrl: 'https://help.example/',
    helpDeskContact: 'help@example.com',
    takesFeedback: true,
  },
  by: { id: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'Adele Vance' },
  createdAt: time.now().toISOString(),
  scheduledAt: null,
  state: 'scheduled',
  audience: 'listed',
  recipients: 0,
  parts: 0,
  coordination: {
    conversation: { conversationId: 'conv-1', conversationType: 'channel', serviceUrl: SERVICE_URL },
    messageId: 'post-coord',
  },
  helpdesk: {
    conversation: { conversationId: 'conv-help', conversationType: 'channel', serviceUrl: SERVICE_URL },
    messageId: 'post-help',
  },
  countsUpdatedAt: null,
  completedAt: null,
  cancelledBy: null,
  ...overrides,
});

/** One store and queue on simulated time; workers (one per simulated instance) made on them. */
export const fanoutWorld = (recipients: Recipient[] = people(120)) => {
  const time = new VirtualTime();
  const table = new MemoryTable();
  const repo = new TableAnnouncementRepository(table);
  const queue = new MemoryQueue('announcements', time);
  const log = quietLog();
  const progress: string[] = [];
  const worker = (
    instanceId: string,
    announcer: ScriptedAnnouncer,
    options: Partial<FanoutWorkerOptions> = {},
  ): FanoutWorker =>
    new FanoutWorker({
      queue,
      announcements: repo,
      announcer,
      rate: new RateController({ tenantRps: 50, now: () => time.ms(), wait: time.wait }),
      recipientsOf: async () => recipients,
      serviceUrlOf: (a) => a.coordination?.conversation.serviceUrl ?? '',
      onProgress: (_tenant, id) => void progress.push(id),
      clock: time,
      wait: time.wait,
      log,
      instanceId,
      random: () => 0.5,
      ...options,
    });
  const announcer = () => new ScriptedAnnouncer(undefined, () => time.ms());
  /** Creates the announcement and queues its start, as Send does. */
  const announce = async (overrides: Partial<Announcement> = {}) => {
    const a = announcement(time, overrides);
    await repo.create(a);
    await queue.send(JSON.stringify({ v: 1, kind: 'start', tenantId: a.tenantId, announcementId: a.id }));
    return a;
  };
  /** Runs the worker until the queue has nothing visible now. */
  const drain = async (w: FanoutWorker, rounds = 100) => {
    for (let i = 0; i < rounds; i++) {
      if (!(await time.settle(w.runOnce()))) return;
    }
    throw new Error('the queue did not drain');
  };
  const state = async (id = 'ann-1') => (await repo.get(TENANT, id))?.value;
  const deliveries = async (id = 'ann-1') => {
    const a = await state(id);
    const parts = await Promise.all(
      Array.from({ length: a?.parts ?? 0 }, (_, p) => repo.readPart(TENANT, id, p)),
    );
    return parts.flatMap((p) => p.deliveries.map((d) => d.value));
  };
  return { time, table, repo, queue, log, progress, worker, announcer, announce, drain, state, deliveries };
};

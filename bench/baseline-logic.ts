import { createHash } from 'node:crypto';
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { Activity } from 'botbuilder';
import { CATEGORIES, INSTALL_RESULTS, PLATFORMS, RATINGS, SEVERITIES } from '../src/domain/feedback';
import {
  COUNT_SHARDS,
  FEEDBACK_BUCKETS,
  RECENT_PER_SHARD,
  shardFor,
} from '../src/storage/feedback-repository';
import type { BaselineLogic } from './bare-server';
import type { StorageCounts } from './storage-counts';

/**
 * The baselines' request logic: Table Storage calls made directly with @azure/data-tables, none
 * of the product's code on the path (only its layout constants and value lists, so the rows
 * match). Keys are used as they are: the benchmark's ids (a GUID tenant, `ro-<hex>`, `pilot`,
 * hex person keys) are the same once key-encoded.
 */

interface FeedbackData {
  rolloutId: string;
  stageId: string;
  rating: number;
  installed: string;
  category: string;
  severity: string;
  platform: string;
  comment: string;
  shareName: boolean;
}

type Counts = Record<string, number>;

interface Tally {
  responses: number;
  ratingSum: number;
  ratings: Counts;
  platforms: Counts;
  categories: Counts;
  installed: Counts;
  severities: Counts;
  openBlockers: number;
  openMajors: number;
}

interface RecentItem {
  stageId: string;
  name: string | null;
  rating: number;
  comment: string;
  at: string;
  who: string;
}

const MAX_ATTEMPTS = 16;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The card's data, read without validation beyond types (a baseline trusts its own requests). */
const feedbackData = (activity: Activity): FeedbackData => {
  const value: unknown = activity.value;
  const data = ((value as { action?: { data?: unknown } } | null)?.action?.data ?? {}) as Record<
    string,
    unknown
  >;
  return {
    rolloutId: text(data.rolloutId),
    stageId: text(data.stageId),
    rating: Number(data.rating),
    installed: text(data.installed),
    category: text(data.category),
    severity: text(data.severity),
    platform: text(data.platform),
    comment: text(data.comment).trim(),
    shareName: data.shareName === 'true',
  };
};

const tenantOf = (activity: Activity): string => {
  const channelData: unknown = activity.channelData;
  return text((channelData as { tenant?: { id?: unknown } } | null)?.tenant?.id);
};

const personKeyOf = (rolloutId: string, personId: string): string =>
  createHash('sha256').update(`${rolloutId}\u0000${personId.toLowerCase()}`).digest('hex').slice(0, 32);

const zeros = (keys: readonly (string | number)[]): Counts =>
  Object.fromEntries(keys.map((key) => [String(key), 0]));

const emptyTally = (): Tally => ({
  responses: 0,
  ratingSum: 0,
  ratings: zeros(RATINGS),
  platforms: zeros(PLATFORMS),
  categories: zeros(CATEGORIES),
  installed: zeros(INSTALL_RESULTS),
  severities: zeros(SEVERITIES),
  openBlockers: 0,
  openMajors: 0,
});

const bump = (counts: Counts, key: string | number): void => {
  counts[String(key)] = (counts[String(key)] ?? 0) + 1;
};

/** The shard's tally with one more answer (no issue: open blockers and majors do not move). */
const withAnswer = (stored: string, data: FeedbackData): Tally => {
  const tally = stored ? (JSON.parse(stored) as Tally) : emptyTally();
  tally.responses += 1;
  tally.ratingSum += data.rating;
  bump(tally.ratings, data.rating);
  bump(tally.platforms, data.platform);
  bump(tally.categories, data.category);
  bump(tally.installed, data.installed);
  bump(tally.severities, data.severity);
  return tally;
};

const newestFirst = (a: RecentItem, b: RecentItem): number => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0);

const statusOf = (err: unknown): unknown =>
  typeof err === 'object' && err !== null ? (err as { statusCode?: unknown }).statusCode : undefined;

const getOrNull = async (
  client: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<Record<string, unknown> | null> => {
  try {
    return await client.getEntity<Record<string, unknown>>(partitionKey, rowKey);
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
};

/** The stage's count shards in the partition: the query the repository makes (one page of at most 4). */
const readShards = async (
  client: TableClient,
  partitionKey: string,
  stageId: string,
): Promise<Record<string, unknown>[]> => {
  const prefix = `s|${stageId}|`;
  const upper = `s|${stageId}}`;
  const filter = [
    odata`PartitionKey eq ${partitionKey}`,
    odata`RowKey ge ${prefix} and RowKey lt ${upper}`,
  ].join(' and ');
  const pages = client
    .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
    .byPage({ maxPageSize: COUNT_SHARDS });
  for await (const page of pages) return [...page];
  return [];
};

/** The row exists already (409) or the shard changed since it was read (412). */
const isConflict = (err: unknown): boolean => statusOf(err) === 409 || statusOf(err) === 412;

export interface MirrorClients {
  rollouts: TableClient;
  feedback: TableClient;
}

/**
 * Baseline (a): what the product's storage does for one new answer, directly. Reads the rollout
 * (point get) and the person's answer row (point get), reads the stage's count shards (partition
 * query), then one transaction: create the answer row, update (ETag-guarded) or create the shard
 * `shardFor(personKey, attempt)` (spread by person, moved on by retries), with a tally and recent comments of the same JSON shape. Retries after a
 * conflict, on the next shard, as the product does.
 */
export const mirrorSubmit =
  (clients: MirrorClients, counts: StorageCounts): BaselineLogic =>
  async (activity) => {
    const data = feedbackData(activity);
    const tenantId = tenantOf(activity);
    const personId = (activity.from.aadObjectId ?? activity.from.id).toLowerCase();
    counts.get++;
    const rollout = await getOrNull(clients.rollouts, `t|${tenantId}`, `r|${data.rolloutId}`);
    if (!rollout) throw new Error('no such rollout');
    const docs = Array.from({ length: Number(rollout.docParts) }, (_, i) => text(rollout[`doc${i}`]));
    if ((JSON.parse(docs.join('')) as { status?: string }).status === 'completed') {
      throw new Error('completed');
    }
    const personKey = personKeyOf(data.rolloutId, personId);
    const partitionKey = `f|${tenantId}|${data.rolloutId}|${parseInt(personKey.slice(0, 8), 16) % FEEDBACK_BUCKETS}`;
    const rowKey = `r|${data.stageId}|${personKey}`;
    const at = new Date().toISOString();
    const { rolloutId, stageId, rating, installed, category, severity, platform, comment, shareName } = data;
    const name = activity.from.name ?? '';
    const doc = JSON.stringify({
      rolloutId,
      stageId,
      person: { id: personId, name },
      answer: { rating, installed, category, severity, platform, comment, shareName },
      submittedAt: at,
      updatedAt: at,
      resolution: null,
      activities: [`${activity.conversation.id}|${activity.id ?? ''}`],
    });
    const answer = { partitionKey, rowKey, doc, stageId, rolloutId, updatedAt: at };
    const mine: RecentItem = { stageId, name: shareName ? name : null, rating, comment, at, who: personKey };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      counts.get++;
      if (await getOrNull(clients.feedback, partitionKey, rowKey)) return; // answered before
      counts.query++;
      const shards = await readShards(clients.feedback, partitionKey, stageId);
      const shardKey = `s|${stageId}|${shardFor(personKey, attempt)}`;
      const shard = shards.find((row) => row.rowKey === shardKey);
      const recent = (JSON.parse(text(shard?.recent) || '[]') as RecentItem[]).filter(
        (item) => item.who !== personKey,
      );
      if (comment) recent.push(mine);
      recent.sort(newestFirst);
      const shardEntity = {
        partitionKey,
        rowKey: shardKey,
        stageId,
        rolloutId,
        tally: JSON.stringify(withAnswer(text(shard?.tally), data)),
        recent: JSON.stringify(recent.slice(0, RECENT_PER_SHARD)),
      };
      const actions: TransactionAction[] = [
        ['create', answer],
        shard ? ['update', shardEntity, 'Replace', { etag: text(shard.etag) }] : ['create', shardEntity],
      ];
      counts.submit++;
      try {
        await clients.feedback.submitTransaction(actions);
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
        counts.conflicts++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    throw new Error(`gave up after ${MAX_ATTEMPTS} conflicting writes`);
  };

/** Baseline (b): one upsert of one small entity per invoke, over 64 partitions; no reads. */
export const singleUpsert =
  (client: TableClient, counts: StorageCounts): BaselineLogic =>
  async (activity) => {
    const personKey = personKeyOf('upsert', activity.from.aadObjectId ?? activity.from.id);
    counts.submit++;
    await client.upsertEntity(
      {
        partitionKey: `u|${parseInt(personKey.slice(0, 8), 16) % 64}`,
        rowKey: personKey,
        rating: feedbackData(activity).rating,
        at: new Date().toISOString(),
      },
      'Replace',
    );
  };

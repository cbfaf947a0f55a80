import pino from 'pino';
import { loadConfig } from '../../src/config';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../src/storage/azure-table';
import { openStorage } from '../../src/storage/open-storage';
import { startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';

let azurite: TestAzurite;
beforeAll(async () => {
  azurite = await startTestAzurite();
});
afterAll(() => azurite.stop());

it('a storage account whose queue cannot be created still opens its tables, with a warning saying what is missing', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  // The tables are on Azurite; the queue endpoint answers nothing (a closed port).
  const connectionString = [
    'DefaultEndpointsProtocol=http',
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_ACCOUNT_KEY}`,
    `TableEndpoint=${azurite.endpoint}`,
    `QueueEndpoint=http://127.0.0.1:9/${AZURITE_ACCOUNT}`,
  ].join(';');
  const config = loadConfig({
    STORAGE_CONNECTION_STRING: connectionString,
    TABLE_PREFIX: uniqueTableName('open'),
    LOG_LEVEL: 'silent',
  });
  const storage = await openStorage(config, logger);
  await storage.rollouts.submit([{ kind: 'upsert', entity: { partitionKey: 'p', rowKey: 'r', x: 1 } }]);
  expect(await storage.rollouts.get('p', 'r')).toMatchObject({ x: 1 });
  expect(lines.join('\n')).toMatch(
    /announcements queue could not be created .*Storage Queue Data Contributor/,
  );
  await storage.close();
}, 60_000);

it('opens and creates every table of the store, the Announcements table included, under the prefix', async () => {
  const connectionString = [
    'DefaultEndpointsProtocol=http',
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_ACCOUNT_KEY}`,
    `TableEndpoint=${azurite.endpoint}`,
    `QueueEndpoint=${azurite.queueEndpoint}`,
  ].join(';');
  const prefix = uniqueTableName('all');
  const config = loadConfig({
    STORAGE_CONNECTION_STRING: connectionString,
    TABLE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
  });
  const storage = await openStorage(config, pino({ level: 'silent' }));
  const tables = {
    rollouts: storage.rollouts,
    feedback: storage.feedback,
    signoffs: storage.signoffs,
    audiences: storage.audiences,
    announcements: storage.announcements,
  };
  expect(Object.values(tables).map((t) => t.name)).toEqual(
    ['Rollouts', 'Feedback', 'Signoffs', 'Audiences', 'Announcements'].map((base) => `${prefix}${base}`),
  );
  // Created: a write to each lands (a missing table would fail with TableNotFound).
  for (const table of Object.values(tables)) {
    await table.submit([{ kind: 'create', entity: { partitionKey: 'p', rowKey: 'r' } }]);
    expect(await table.get('p', 'r')).toMatchObject({ partitionKey: 'p' });
  }
  await storage.close();
}, 60_000);

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

import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';
import { describeEntityTableContract } from './entity-table.contract';

let azurite: TestAzurite | undefined;

beforeAll(async () => {
  azurite = await startTestAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

describeEntityTableContract('AzureEntityTable on Azurite (in-process, in memory)', async () => {
  if (!azurite) throw new Error('Azurite did not start');
  return azureTableFor(azurite.endpoint, uniqueTableName());
});

import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';
import { describeSignoffRepositoryContract } from './signoff-repository.contract';

let azurite: TestAzurite;
beforeAll(async () => {
  azurite = await startTestAzurite();
});
afterAll(() => azurite.stop());

describeSignoffRepositoryContract('Azurite', () =>
  azureTableFor(azurite.endpoint, uniqueTableName('signoffs')),
);

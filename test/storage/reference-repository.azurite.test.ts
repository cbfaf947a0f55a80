import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';
import { describeReferenceRepositoryContract } from './reference-repository.contract';

let azurite: TestAzurite;
beforeAll(async () => {
  azurite = await startTestAzurite();
});
afterAll(() => azurite.stop());

describeReferenceRepositoryContract('Azurite', () =>
  azureTableFor(azurite.endpoint, uniqueTableName('references')),
);

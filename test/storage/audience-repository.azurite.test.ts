import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';
import { describeAudienceRepositoryContract } from './audience-repository.contract';

let azurite: TestAzurite;
beforeAll(async () => {
  azurite = await startTestAzurite();
});
afterAll(() => azurite.stop());

describeAudienceRepositoryContract('Azurite', () =>
  azureTableFor(azurite.endpoint, uniqueTableName('audience')),
);

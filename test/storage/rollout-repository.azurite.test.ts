import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';
import { describeRolloutRepositoryContract } from './rollout-repository.contract';

let azurite: TestAzurite;
beforeAll(async () => {
  azurite = await startTestAzurite();
});
afterAll(() => azurite.stop());

describeRolloutRepositoryContract('Azurite', () => azureTableFor(azurite.endpoint, uniqueTableName('repo')));

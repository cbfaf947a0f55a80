import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';
import { describeFeedbackRepositoryContract } from './feedback-repository.contract';

let azurite: TestAzurite;
beforeAll(async () => {
  azurite = await startTestAzurite();
});
afterAll(() => azurite.stop());

describeFeedbackRepositoryContract('Azurite', () =>
  azureTableFor(azurite.endpoint, uniqueTableName('feedback')),
);

import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';
import { describeFeedbackConcurrency } from './feedback-concurrency.contract';

let azurite: TestAzurite;
beforeAll(async () => {
  azurite = await startTestAzurite();
});
afterAll(() => azurite.stop());

describeFeedbackConcurrency('Azurite', async () =>
  Promise.all([
    azureTableFor(azurite.endpoint, uniqueTableName('ro')),
    azureTableFor(azurite.endpoint, uniqueTableName('fb')),
  ]),
);

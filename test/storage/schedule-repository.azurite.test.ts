import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';
import { describeScheduleRepositoryContract } from './schedule-repository.contract';

let azurite: TestAzurite;
beforeAll(async () => {
  azurite = await startTestAzurite();
});
afterAll(() => azurite.stop());

describeScheduleRepositoryContract('Azurite', () =>
  azureTableFor(azurite.endpoint, uniqueTableName('schedule')),
);

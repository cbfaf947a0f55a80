import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';
import { describeAnnouncementRepositoryContract } from './announcement-repository.contract';

let azurite: TestAzurite;
beforeAll(async () => {
  azurite = await startTestAzurite();
});
afterAll(() => azurite.stop());

describeAnnouncementRepositoryContract('Azurite', () =>
  azureTableFor(azurite.endpoint, uniqueTableName('announcements')),
);

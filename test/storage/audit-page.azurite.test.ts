import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';
import { describeAuditPageContract } from './audit-page.contract';

let azurite: TestAzurite;
beforeAll(async () => {
  azurite = await startTestAzurite();
});
afterAll(() => azurite.stop());

describeAuditPageContract('Azurite', () => azureTableFor(azurite.endpoint, uniqueTableName('audit')));

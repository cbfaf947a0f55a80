import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';
import { describeIssueIndexContract } from './issue-index.contract';

let azurite: TestAzurite;
beforeAll(async () => {
  azurite = await startTestAzurite();
});
afterAll(() => azurite.stop());

describeIssueIndexContract('Azurite', () => azureTableFor(azurite.endpoint, uniqueTableName('issues')));

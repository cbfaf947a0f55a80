import { MemoryTable } from '../../src/storage/memory-table';
import { describeIssueIndexContract } from './issue-index.contract';

describeIssueIndexContract('in-memory table', async () => new MemoryTable());

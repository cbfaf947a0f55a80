import { MemoryTable } from '../../src/storage/memory-table';
import { describeAudienceRepositoryContract } from './audience-repository.contract';

describeAudienceRepositoryContract('in-memory table', async () => new MemoryTable());

import { MemoryTable } from '../../src/storage/memory-table';
import { describeReferenceRepositoryContract } from './reference-repository.contract';

describeReferenceRepositoryContract('in-memory table', async () => new MemoryTable());

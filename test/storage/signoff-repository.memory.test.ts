import { MemoryTable } from '../../src/storage/memory-table';
import { describeSignoffRepositoryContract } from './signoff-repository.contract';

describeSignoffRepositoryContract('in-memory table', async () => new MemoryTable());

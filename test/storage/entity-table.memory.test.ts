import { MemoryTable } from '../../src/storage/memory-table';
import { describeEntityTableContract } from './entity-table.contract';

describeEntityTableContract('MemoryTable', async () => new MemoryTable());

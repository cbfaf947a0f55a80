import { MemoryTable } from '../../src/storage/memory-table';
import { describeScheduleRepositoryContract } from './schedule-repository.contract';

describeScheduleRepositoryContract('in-memory table', async () => new MemoryTable());

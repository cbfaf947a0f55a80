import { MemoryTable } from '../../src/storage/memory-table';
import { describeAnnouncementRepositoryContract } from './announcement-repository.contract';

describeAnnouncementRepositoryContract('in-memory table', async () => new MemoryTable());

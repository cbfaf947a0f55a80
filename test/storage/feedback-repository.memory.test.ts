import { MemoryTable } from '../../src/storage/memory-table';
import { describeFeedbackRepositoryContract } from './feedback-repository.contract';

describeFeedbackRepositoryContract('in-memory table', async () => new MemoryTable());

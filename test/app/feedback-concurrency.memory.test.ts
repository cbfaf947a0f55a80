import { MemoryTable } from '../../src/storage/memory-table';
import { describeFeedbackConcurrency } from './feedback-concurrency.contract';

describeFeedbackConcurrency('memory', async () => [new MemoryTable(), new MemoryTable()]);

import { MemoryTable } from '../../src/storage/memory-table';
import { describeRolloutRepositoryContract } from './rollout-repository.contract';

describeRolloutRepositoryContract('in-memory table', async () => new MemoryTable());

import { MemoryTable } from '../../src/storage/memory-table';
import { describeAuditPageContract } from './audit-page.contract';

describeAuditPageContract('in-memory table', async () => new MemoryTable());

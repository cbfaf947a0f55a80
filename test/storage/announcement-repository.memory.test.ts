import { StorageTimeoutError } from '../../src/app/errors';
import { TableAnnouncementRepository } from '../../src/storage/announcement-repository';
import { MemoryTable } from '../../src/storage/memory-table';
import { TimedTable } from '../../src/storage/timed-table';
import { FreezableTable } from '../support/freezable-table';
import { rejection } from '../support/rejection';
import { describeAnnouncementRepositoryContract } from './announcement-repository.contract';

describeAnnouncementRepositoryContract('in-memory table', async () => new MemoryTable());

describe('announcement repository on a store that stopped answering', () => {
  // The repository's deadlines are the table's: the server wraps every table in a TimedTable.
  it('fails each call with StorageTimeoutError, saying whether a write was sent', async () => {
    const frozen = new FreezableTable();
    const repo = new TableAnnouncementRepository(new TimedTable(frozen, 100));
    await repo.writePart('t1', 'an-1', 0, [{ personId: 'p1', name: 'P' }]);
    const part = await repo.readPart('t1', 'an-1', 0);
    frozen.freeze();
    const read = await rejection(repo.get('t1', 'an-1'));
    expect(read).toBeInstanceOf(StorageTimeoutError);
    expect((read as StorageTimeoutError).written).toBe(false);
    const write = await rejection(repo.commitPart('t1', 'an-1', 0, [], part.counts!));
    expect(write).toBeInstanceOf(StorageTimeoutError);
    expect((write as StorageTimeoutError).written).toBe(true);
    frozen.thaw();
  });
});

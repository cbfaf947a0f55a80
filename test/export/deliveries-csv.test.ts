import { newDelivery } from '../../src/domain/announcement';
import { BOM } from '../../src/export/csv';
import { DELIVERIES_CSV_HEADER, deliveriesCsv } from '../../src/export/deliveries-csv';

it('one row per delivery with its status, attempts, when, got it and possible duplicate; names cannot run as formulas', () => {
  const sent = {
    ...newDelivery('AAAA-1', '=HYPERLINK("http://x")'),
    status: 'sent' as const,
    lastStatus: 'sent',
    attempts: 2,
    at: '2026-02-10T17:31:00.000Z',
    gotItAt: '2026-02-10T17:35:00.000Z',
    possibleDuplicate: true,
  };
  const blocked = {
    ...newDelivery('bbbb-2', 'Lee, Gu'),
    status: 'blocked' as const,
    lastStatus: '403 MessageWritesBlocked',
    attempts: 1,
  };
  const lines = deliveriesCsv([sent, blocked]).split('\r\n');
  expect(lines[0]).toBe(BOM + DELIVERIES_CSV_HEADER.join(','));
  expect(lines[1]).toBe(
    `"'=HYPERLINK(""http://x"")",aaaa-1,sent,sent,2,2026-02-10T17:31:00.000Z,2026-02-10T17:35:00.000Z,true`,
  );
  expect(lines[2]).toBe('"Lee, Gu",bbbb-2,blocked,403 MessageWritesBlocked,1,,,false');
  expect(lines).toHaveLength(4);
});

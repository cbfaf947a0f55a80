import type { Delivery } from '../domain/announcement';
import { toCsv, type CsvCell } from './csv';

export const DELIVERIES_CSV_HEADER = [
  'Name',
  'Person id',
  'Status',
  'Last status',
  'Attempts',
  'When',
  'Got it',
  'Possible duplicate',
];

const row = (d: Delivery): CsvCell[] => [
  d.name,
  d.personId,
  d.status,
  d.lastStatus,
  d.attempts,
  d.at,
  d.gotItAt,
  d.possibleDuplicate,
];

/**
 * An announcement's deliveries as CSV, one row per recipient in the order given. Names come from
 * the directory (and people choose their display names): every text cell is neutralised against
 * formulas by `toCsv`, as the feedback export's are.
 */
export const deliveriesCsv = (deliveries: readonly Delivery[]): string =>
  toCsv(DELIVERIES_CSV_HEADER, deliveries.map(row));

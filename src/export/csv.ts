/** A cell as the export writes it: text, a number, a yes/no flag, or nothing (an empty cell). */
export type CsvCell = string | number | boolean | null;

/** Starts Excel's UTF-8 detection: without it, Excel reads a CSV file in the machine's code page. */
export const BOM = '\uFEFF';
const CRLF = '\r\n';

/**
 * Characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection"): `=`, `+`,
 * `-` and `@` start one; a leading tab or carriage return is stripped by some importers, which
 * then see the character after it.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Text a person typed (a comment, a name, a note) must never run as a formula when an admin opens
 * the export: `=HYPERLINK(…)` or `=cmd|…` would act with the admin's rights. A leading apostrophe
 * makes Excel, LibreOffice and Google Sheets show the cell as text (OWASP's advice).
 *
 * Only the first character counts. A cell starting with a space (` =1+1`) is left alone: all
 * three read it as text, and people's comments are trimmed when submitted anyway. Numbers are not
 * passed through here: a negative number is data, and the export writes numbers it computed itself.
 */
export const neutraliseCell = (value: string): string => (FORMULA_START.test(value) ? `'${value}` : value);

const NEEDS_QUOTES = /[",\r\n]/;

const quote = (text: string): string => (NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

const cellText = (cell: CsvCell): string => {
  if (cell === null) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  if (typeof cell === 'boolean') return cell ? 'true' : 'false';
  return quote(neutraliseCell(cell));
};

/**
 * RFC 4180 text: one record per line, every line (the last too) ending in CRLF; a cell with a
 * quote, comma, CR or LF is quoted with its quotes doubled. Every text cell is neutralised
 * (see neutraliseCell), the header's too. Starts with a UTF-8 byte order mark for Excel.
 */
export const toCsv = (header: string[], rows: CsvCell[][]): string =>
  BOM + [header, ...rows].map((row) => row.map(cellText).join(',') + CRLF).join('');

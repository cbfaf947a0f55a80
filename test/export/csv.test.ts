import { BOM, neutraliseCell, toCsv } from '../../src/export/csv';

/** A strict RFC 4180 reader (quoted cells may hold quotes, commas and line breaks). */
const parseCsv = (text: string): string[][] => {
  expect(text.startsWith(BOM)).toBe(true);
  const body = text.slice(BOM.length);
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  while (i < body.length) {
    if (body[i] === '"') {
      i++;
      for (;;) {
        const quoteAt = body.indexOf('"', i);
        if (quoteAt < 0) throw new Error('unterminated quoted cell');
        cell += body.slice(i, quoteAt);
        i = quoteAt + 1;
        if (body[i] === '"') {
          cell += '"';
          i++;
        } else break;
      }
    }
    if (body[i] === ',') {
      row.push(cell);
      cell = '';
      i++;
    } else if (body.startsWith('\r\n', i)) {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 2;
    } else if (i < body.length) {
      if (body[i] === '"' || body[i] === '\r' || body[i] === '\n')
        throw new Error(`stray ${body[i]} at ${i}`);
      cell += body[i];
      i++;
    }
  }
  if (cell !== '' || row.length > 0) throw new Error('last record does not end in CRLF');
  return rows;
};

describe('neutraliseCell (OWASP CSV injection)', () => {
  it.each<[string, string, string]>([
    ['a formula', '=1+1', "'=1+1"],
    ['a plus sign', '+1', "'+1"],
    ['a minus sign', '-1', "'-1"],
    ['an at sign', '@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['a DDE payload', "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
    ['a leading tab', '\tx', "'\tx"],
    ['a leading carriage return', '\rx', "'\rx"],
    // Decided: only the first character counts. Spreadsheets read " =x" as text, and comments
    // and notes are trimmed when they are submitted.
    ['a leading space (text to spreadsheets)', ' =x', ' =x'],
    ['a formula character later in the text', 'a=b, -c, @d', 'a=b, -c, @d'],
    ['normal text', 'Works fine on my iPad', 'Works fine on my iPad'],
    ['an empty cell', '', ''],
    ['an apostrophe already', "'=x", "'=x"],
  ])('%s', (_name, input, expected) => {
    expect(neutraliseCell(input)).toBe(expected);
  });
});

describe('toCsv', () => {
  it('starts with a UTF-8 BOM and ends every record (the last too) with CRLF', () => {
    expect(toCsv(['A', 'B'], [['1', '2']])).toBe('\uFEFFA,B\r\n1,2\r\n');
    expect(toCsv(['A'], [])).toBe('\uFEFFA\r\n');
  });

  it.each<[string, string, string]>([
    ['a quote (doubled)', 'say "hi"', '"say ""hi"""'],
    ['a comma', 'a,b', '"a,b"'],
    ['a line feed', 'line 1\nline 2', '"line 1\nline 2"'],
    ['a carriage return', 'line 1\r\nline 2', '"line 1\r\nline 2"'],
    ['nothing special (left bare)', 'plain text', 'plain text'],
    ['non-ASCII text (left bare)', 'Grüße – 東京 ✓', 'Grüße – 東京 ✓'],
  ])('quotes a cell with %s', (_name, cell, written) => {
    expect(toCsv(['X'], [[cell]])).toBe(`\uFEFFX\r\n${written}\r\n`);
  });

  it('neutralises text before quoting it, header included', () => {
    expect(toCsv(['=H'], [['=HYPERLINK("http://evil","x")']])).toBe(
      '\uFEFF\'=H\r\n"\'=HYPERLINK(""http://evil"",""x"")"\r\n',
    );
    expect(toCsv(['X'], [['\r=1+1']])).toBe('\uFEFFX\r\n"\'\r=1+1"\r\n');
  });

  it('writes numbers as numbers (a negative number is data, not a formula), null as empty', () => {
    expect(toCsv(['N', 'M', 'F', 'E', 'B'], [[-1, 4.5, 0, null, true]])).toBe(
      '\uFEFFN,M,F,E,B\r\n-1,4.5,0,,true\r\n',
    );
    expect(toCsv(['N'], [[Number.NaN]])).toBe('\uFEFFN\r\n\r\n');
  });

  it('reads back cell for cell with a strict RFC 4180 reader', () => {
    const rows = [
      ['plain', 'with, comma', 'with "quotes"', 'multi\r\nline', 'lf\nonly', ''],
      ['=1+1', '-5', '@x', '\tt', 'Grüße', ' =x'],
    ];
    expect(parseCsv(toCsv(['a', 'b', 'c', 'd', 'e', 'f'], rows))).toEqual([
      ['a', 'b', 'c', 'd', 'e', 'f'],
      rows[0],
      ["'=1+1", "'-5", "'@x", "'\tt", 'Grüße', ' =x'],
    ]);
  });
});

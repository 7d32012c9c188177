// A small, strict RFC-4180 CSV reader: comma-separated fields, double-quoted fields that may hold
// commas, doubled quotes ("") and line breaks, records ended by CRLF or LF, an optional UTF-8 BOM
// and an optional final line break. Anything else (a stray quote in an unquoted field, text after a
// closing quote, an unterminated quote) is an error naming the file and line, never a guess.
import { DataFormatError } from './text.ts';

export interface CsvRecord {
  /** 1-based physical line on which the record starts. */
  line: number;
  fields: string[];
}

/** Parses CSV text into records (the header, if any, is the first record). A CR or CRLF inside a
 *  quoted field is kept verbatim; only record-ending line breaks are consumed. */
export function parseCsv(text: string, fileName: string): CsvRecord[] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = s.length;
  while (i < n) {
    const recordLine = line;
    const fields: string[] = [];
    for (;;) {
      // One field.
      if (s[i] === '"') {
        const openLine = line;
        let value = '';
        i += 1;
        for (;;) {
          const q = s.indexOf('"', i);
          if (q === -1) throw new DataFormatError(fileName, openLine, 'unterminated quoted field');
          const chunk = s.slice(i, q);
          for (let k = chunk.indexOf('\n'); k !== -1; k = chunk.indexOf('\n', k + 1)) line += 1;
          value += chunk;
          if (s[q + 1] === '"') { value += '"'; i = q + 2; continue; }
          i = q + 1;
          break;
        }
        fields.push(value);
        if (i < n && s[i] !== ',' && s[i] !== '\n' && !(s[i] === '\r' && s[i + 1] === '\n')) {
          throw new DataFormatError(fileName, line, `unexpected character ${JSON.stringify(s[i])} after a closing quote`);
        }
      } else {
        let j = i;
        while (j < n && s[j] !== ',' && s[j] !== '\n' && !(s[j] === '\r' && s[j + 1] === '\n')) {
          if (s[j] === '"') throw new DataFormatError(fileName, line, 'quote inside an unquoted field');
          j += 1;
        }
        fields.push(s.slice(i, j));
        i = j;
      }
      // What ends the field: a comma (another field follows), a line break or the end (record ends).
      if (i < n && s[i] === ',') { i += 1; continue; }
      if (i < n && s[i] === '\r') i += 1;
      if (i < n && s[i] === '\n') { i += 1; line += 1; }
      break;
    }
    records.push({ line: recordLine, fields });
  }
  return records;
}

/** parseCsv plus a header check and a fixed field count per record; returns the data records. */
export function parseCsvTable(text: string, fileName: string, header: readonly string[]): CsvRecord[] {
  const records = parseCsv(text, fileName);
  const first = records[0];
  if (!first) throw new DataFormatError(fileName, 1, 'empty file, expected a header');
  if (first.fields.join(',') !== header.join(',')) {
    throw new DataFormatError(fileName, 1, `header ${JSON.stringify(first.fields)}, expected ${JSON.stringify(header)}`);
  }
  const rows = records.slice(1);
  for (const r of rows) {
    if (r.fields.length !== header.length) {
      throw new DataFormatError(fileName, r.line, `${r.fields.length} fields, expected ${header.length}`);
    }
  }
  return rows;
}

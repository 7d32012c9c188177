// Parsers of the raw pair-classification (TwitterURL, MRPC) datasets: file bytes → records (./records.ts), each stated format
// rule counted in `quirks`. Below both the evaluation tasks (src/eval/tasks/pair-classification.ts) and the training triples.
import { countCrlf, DataFormatError, decodeUtf8, splitLines } from '../text.ts';
import type { Quirks, LabeledPair } from './records.ts';

/** The raw Twitter URL corpus test file: s1 TAB s2 TAB (n,6) TAB url, n of 6 annotators saying
 *  "paraphrase". Rules: n ≥ 4 → 1, n ≤ 2 → 0, n = 3 dropped (`droppedN3`); blank lines (left by url
 *  fields that end in a newline) skipped (`blankLines`); an empty fourth field before the url is
 *  ignored (`extraEmptyField`). Texts are trimmed (upstream ends each with a space). Ids are
 *  `line:<n>`. */
export function parseTwitterUrlCorpus(bytes: Uint8Array, fileName: string): { pairs: LabeledPair[]; quirks: Quirks } {
  const lines = splitLines(decodeUtf8(bytes, fileName).text);
  const pairs: LabeledPair[] = [];
  const quirks = { blankLines: 0, extraEmptyField: 0, droppedN3: 0 };
  lines.forEach((l, i) => {
    const ln = i + 1;
    if (l.trim() === '') { quirks.blankLines += 1; return; }
    const f = l.split('\t');
    if (f.length === 5 && f[3] === '') quirks.extraEmptyField += 1;
    else if (f.length !== 4) throw new DataFormatError(fileName, ln, `${f.length} tab-separated fields, expected 4`);
    const m = /^\(([0-6]),6\)$/.exec(f[2]!.trim());
    if (!m) throw new DataFormatError(fileName, ln, `vote field ${JSON.stringify(f[2])}, expected (n,6) with n in 0–6`);
    const n = Number(m[1]);
    if (n === 3) { quirks.droppedN3 += 1; return; }
    const s1 = f[0]!.trim();
    const s2 = f[1]!.trim();
    if (s1 === '' || s2 === '') throw new DataFormatError(fileName, ln, 'empty sentence');
    pairs.push({ id: `line:${ln}`, s1, s2, label: n >= 4 ? 1 : 0 });
  });
  return { pairs, quirks };
}

export interface MrpcRow { id1: string; id2: string; s1: string; s2: string; label: 0 | 1 }

const MRPC_HEADER = 'Quality\t#1 ID\t#2 ID\t#1 String\t#2 String';

/** MRPC (brmson split, `msr-para-{train,val,test}.tsv`): TSV with header, CRLF line ends
 *  (`crlfLines`), a UTF-8 BOM on train and test (`bom`); not CSV-quoted, split on tabs. */
export function parseMrpc(bytes: Uint8Array, fileName: string): { rows: MrpcRow[]; quirks: Quirks } {
  const { text, bom } = decodeUtf8(bytes, fileName);
  const lines = splitLines(text);
  if (lines[0] !== MRPC_HEADER) throw new DataFormatError(fileName, 1, `unexpected header ${JSON.stringify(lines[0])}`);
  const rows: MrpcRow[] = [];
  for (let i = 1; i < lines.length; i += 1) {
    const ln = i + 1;
    const f = lines[i]!.split('\t');
    if (f.length !== 5) throw new DataFormatError(fileName, ln, `${f.length} tab-separated fields, expected 5`);
    if (f[0] !== '0' && f[0] !== '1') throw new DataFormatError(fileName, ln, `Quality ${JSON.stringify(f[0])}, expected 0 or 1`);
    const s1 = f[3]!.trim();
    const s2 = f[4]!.trim();
    if (s1 === '' || s2 === '') throw new DataFormatError(fileName, ln, 'empty sentence');
    rows.push({ id1: f[1]!, id2: f[2]!, s1, s2, label: f[0] === '1' ? 1 : 0 });
  }
  return { rows, quirks: { bom: bom ? 1 : 0, crlfLines: countCrlf(text) } };
}

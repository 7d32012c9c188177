// Parsers of the raw STS (STS Benchmark, SICK, SemEval STS12–16, BIOSSES) datasets: file bytes → records (./records.ts), each stated format
// rule counted in `quirks`. Below both the evaluation tasks (src/eval/tasks/sts.ts) and the training triples.
import { countCrlf, DataFormatError, decodeUtf8, splitLines } from '../text.ts';
import type { Quirks, StsPair } from './records.ts';

function parseScore(raw: string, lo: number, hi: number, file: string, line: number): number {
  const t = raw.trim();
  const x = Number(t);
  if (t === '' || !Number.isFinite(x) || x < lo || x > hi) {
    throw new DataFormatError(file, line, `score ${JSON.stringify(raw)} is not a number in [${lo}, ${hi}]`);
  }
  return x;
}

function requireText(raw: string | undefined, what: string, file: string, line: number): string {
  const t = (raw ?? '').trim();
  if (t === '') throw new DataFormatError(file, line, `empty ${what}`);
  return t;
}

/** STS Benchmark (`sts-{train,dev,test}.csv`): tab-separated, no header, no CSV quoting:
 *  genre, file, year, id, score 0–5, s1, s2, and on some lines 2 extra source columns (ignored,
 *  counted as `extraColumns`). */
export function parseStsBenchmark(bytes: Uint8Array, fileName: string): { pairs: StsPair[]; quirks: Quirks } {
  const lines = splitLines(decodeUtf8(bytes, fileName).text);
  const pairs: StsPair[] = [];
  let extraColumns = 0;
  lines.forEach((l, i) => {
    const ln = i + 1;
    const f = l.split('\t');
    if (f.length !== 7 && f.length !== 9) throw new DataFormatError(fileName, ln, `${f.length} tab-separated fields, expected 7 or 9`);
    if (f.length === 9) extraColumns += 1;
    pairs.push({
      id: `${f[0]}/${f[1]}/${f[2]}/${f[3]}#${ln}`,
      score: parseScore(f[4]!, 0, 5, fileName, ln),
      s1: requireText(f[5], 's1', fileName, ln),
      s2: requireText(f[6], 's2', fileName, ln),
    });
  });
  return { pairs, quirks: { extraColumns } };
}

export type SickEntailment = 'ENTAILMENT' | 'NEUTRAL' | 'CONTRADICTION';
export interface SickRow { id: string; a: string; b: string; relatedness: number; entailment: SickEntailment }

const SICK_HEADER = 'pair_ID\tsentence_A\tsentence_B\trelatedness_score\tentailment_judgment';

/** SICK (`SICK_train.txt`, `SICK_trial.txt`, `SICK_test_annotated.txt`): TSV with header, 5 columns;
 *  the test file has CRLF line ends (counted as `crlfLines`). */
export function parseSick(bytes: Uint8Array, fileName: string): { rows: SickRow[]; quirks: Quirks } {
  const { text } = decodeUtf8(bytes, fileName);
  const lines = splitLines(text);
  if (lines[0] !== SICK_HEADER) throw new DataFormatError(fileName, 1, `unexpected header ${JSON.stringify(lines[0])}`);
  const rows: SickRow[] = [];
  for (let i = 1; i < lines.length; i += 1) {
    const ln = i + 1;
    const f = lines[i]!.split('\t');
    if (f.length !== 5) throw new DataFormatError(fileName, ln, `${f.length} tab-separated fields, expected 5`);
    const ent = f[4]!.trim();
    if (ent !== 'ENTAILMENT' && ent !== 'NEUTRAL' && ent !== 'CONTRADICTION') {
      throw new DataFormatError(fileName, ln, `entailment label ${JSON.stringify(ent)}`);
    }
    rows.push({
      id: requireText(f[0], 'pair_ID', fileName, ln),
      a: requireText(f[1], 'sentence_A', fileName, ln),
      b: requireText(f[2], 'sentence_B', fileName, ln),
      relatedness: parseScore(f[3]!, 1, 5, fileName, ln),
      entailment: ent,
    });
  }
  return { rows, quirks: { crlfLines: countCrlf(text) } };
}

/** A SemEval STS input file (s1 TAB s2, or STS16's originals: s1 TAB s2 TAB source1 TAB source2,
 *  whose source columns are ignored and counted as `sourceColumnsIgnored`) with its line-aligned
 *  gold file. A blank gold line marks an unscored pair: skipped and counted
 *  as `unscoredPairs`. Pair ids are `<set>:<line>`. */
export function parseStsInputWithGold(
  input: Uint8Array, inputName: string, gold: Uint8Array, goldName: string, set: string, columns: 2 | 4,
): { pairs: StsPair[]; quirks: Quirks } {
  const inLines = splitLines(decodeUtf8(input, inputName).text);
  const gsLines = splitLines(decodeUtf8(gold, goldName).text);
  if (inLines.length !== gsLines.length) {
    throw new DataFormatError(goldName, Math.min(inLines.length, gsLines.length) + 1,
      `${gsLines.length} gold lines but ${inLines.length} lines in ${inputName}`);
  }
  const pairs: StsPair[] = [];
  let unscoredPairs = 0;
  let sourceColumnsIgnored = 0;
  inLines.forEach((l, i) => {
    const ln = i + 1;
    const f = l.split('\t');
    if (f.length !== columns) throw new DataFormatError(inputName, ln, `${f.length} tab-separated fields, expected ${columns}`);
    if (columns === 4) sourceColumnsIgnored += 1;
    if (gsLines[i]!.trim() === '') { unscoredPairs += 1; return; }
    pairs.push({
      id: `${set}:${ln}`,
      score: parseScore(gsLines[i]!, 0, 5, goldName, ln),
      s1: requireText(f[0], 's1', inputName, ln),
      s2: requireText(f[1], 's2', inputName, ln),
    });
  });
  return { pairs, quirks: columns === 4 ? { unscoredPairs, sourceColumnsIgnored } : { unscoredPairs } };
}

const BIOSSES_HEADER = 'id\tsentence1\tsentence2\tannotator_a\tannotator_b\tannotator_c\tannotator_d\tannotator_e';

/** BIOSSES (`biosses.tsv`, converted from the upstream Word tables): gold = mean of the five
 *  annotators' integer scores 0–4, as MTEB does. */
export function parseBiosses(bytes: Uint8Array, fileName: string): { pairs: StsPair[]; quirks: Quirks } {
  const lines = splitLines(decodeUtf8(bytes, fileName).text);
  if (lines[0] !== BIOSSES_HEADER) throw new DataFormatError(fileName, 1, `unexpected header ${JSON.stringify(lines[0])}`);
  const pairs: StsPair[] = [];
  for (let i = 1; i < lines.length; i += 1) {
    const ln = i + 1;
    const f = lines[i]!.split('\t');
    if (f.length !== 8) throw new DataFormatError(fileName, ln, `${f.length} tab-separated fields, expected 8`);
    const scores = f.slice(3).map((v) => {
      const x = parseScore(v, 0, 4, fileName, ln);
      if (!Number.isInteger(x)) throw new DataFormatError(fileName, ln, `annotator score ${v} is not an integer`);
      return x;
    });
    pairs.push({
      id: requireText(f[0], 'id', fileName, ln),
      s1: requireText(f[1], 'sentence1', fileName, ln),
      s2: requireText(f[2], 'sentence2', fileName, ln),
      score: scores.reduce((a, b) => a + b, 0) / scores.length,
    });
  }
  return { pairs, quirks: {} };
}

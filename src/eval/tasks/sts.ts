// STS tasks: Spearman correlation of cosine similarity with a graded gold score.
// STSBenchmark, SICK-R, STS12–16 (SemEval, cased original text) and BIOSSES.
import { readDataFile } from '../../data/files.ts';
import { countCrlf, DataFormatError, decodeUtf8, splitLines } from '../../data/text.ts';
import { spread } from './sampling.ts';
import type { LoadOptions, Quirks, StsData, StsPair, StsTask } from './types.ts';

const STS_INSTRUCTION = 'Retrieve semantically similar text.';

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

function addQuirks(into: Quirks, from: Quirks): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** One SemEval year: each set's input (cased `original/` text unless given) with its gold file. */
interface SemEvalSet { set: string; input: string; gold: string; columns: 2 | 4 }

function semEvalSets(year: number, sets: string[], inputOf: (set: string) => { path: string; columns: 2 | 4 }): SemEvalSet[] {
  return sets.map((set) => {
    const { path, columns } = inputOf(set);
    return { set, input: path, gold: `data/sts/sts${year}/STS.gs.${set}.txt`, columns };
  });
}

export const SEMEVAL_STS_SETS: Record<string, SemEvalSet[]> = {
  STS12: semEvalSets(12, ['MSRpar', 'MSRvid', 'SMTeuroparl', 'surprise.OnWN', 'surprise.SMTnews'],
    (s) => ({ path: `data/sts/sts12/original/STS.input.${s}.txt`, columns: 2 })),
  // SMT is not in the SentEval copy; the top-level file (from kawine/usif) is already original text.
  STS13: semEvalSets(13, ['FNWN', 'OnWN', 'SMT', 'headlines'],
    (s) => ({ path: s === 'SMT' ? 'data/sts/sts13/STS.input.SMT.txt' : `data/sts/sts13/original/STS.input.${s}.txt`, columns: 2 })),
  STS14: semEvalSets(14, ['OnWN', 'deft-forum', 'deft-news', 'headlines', 'images', 'tweet-news'],
    (s) => ({ path: `data/sts/sts14/original/STS.input.${s}.txt`, columns: 2 })),
  STS15: semEvalSets(15, ['answers-forums', 'answers-students', 'belief', 'headlines', 'images'],
    (s) => ({ path: `data/sts/sts15/original/STS.input.${s}.txt`, columns: 2 })),
  STS16: semEvalSets(16, ['answer-answer', 'headlines', 'plagiarism', 'postediting', 'question-question'],
    (s) => ({ path: `data/sts/sts16/original/STS2016.input.${s}.txt`, columns: 4 })),
};

async function loadSemEval(name: string, opts?: LoadOptions): Promise<StsData> {
  const sets = SEMEVAL_STS_SETS[name]!;
  const pairs: StsPair[] = [];
  const quirks: Quirks = { unscoredPairs: 0 };
  const files: string[] = [];
  for (const s of sets) {
    const r = parseStsInputWithGold(await readDataFile(s.input), s.input, await readDataFile(s.gold), s.gold, s.set, s.columns);
    pairs.push(...r.pairs);
    addQuirks(quirks, r.quirks);
    files.push(s.input, s.gold);
  }
  return { pairs: spread(pairs, opts?.limit), quirks, files };
}

const SEMEVAL_LICENSE = 'research use (per-year readme/LICENSE of SemEval STS)';

function semEvalTask(name: string, year: number): StsTask {
  return {
    name, category: 'STS', mainScore: 'cos_sim.spearman', instruction: STS_INSTRUCTION, instructed: 'all',
    description: `SemEval-20${year} STS (Agirre et al.), cased original inputs, scored pairs of all sets`,
    license: SEMEVAL_LICENSE,
    load: (opts) => loadSemEval(name, opts),
  };
}

export const STSBenchmark: StsTask = {
  name: 'STSBenchmark', category: 'STS', mainScore: 'cos_sim.spearman', instruction: STS_INSTRUCTION, instructed: 'all',
  description: 'STS Benchmark test split (Cer et al., 2017), 1,379 pairs',
  license: 'per-source, research use',
  async load(opts) {
    const file = 'data/sts/stsbenchmark/sts-test.csv';
    const r = parseStsBenchmark(await readDataFile(file), file);
    return { pairs: spread(r.pairs, opts?.limit), quirks: r.quirks, files: [file] };
  },
};

export const SICKR: StsTask = {
  name: 'SICK-R', category: 'STS', mainScore: 'cos_sim.spearman', instruction: STS_INSTRUCTION, instructed: 'all',
  description: 'SICK test split (Marelli et al., 2014), relatedness 1–5, 4,927 pairs',
  license: 'CC BY-NC-SA 3.0',
  async load(opts) {
    const file = 'data/sts/sick/SICK_test_annotated.txt';
    const r = parseSick(await readDataFile(file), file);
    const pairs = r.rows.map((x) => ({ id: x.id, s1: x.a, s2: x.b, score: x.relatedness }));
    return { pairs: spread(pairs, opts?.limit), quirks: r.quirks, files: [file] };
  },
};

export const STS12 = semEvalTask('STS12', 12);
export const STS13 = semEvalTask('STS13', 13);
export const STS14 = semEvalTask('STS14', 14);
export const STS15 = semEvalTask('STS15', 15);
export const STS16 = semEvalTask('STS16', 16);

export const BIOSSES: StsTask = {
  name: 'BIOSSES', category: 'STS', mainScore: 'cos_sim.spearman', instruction: STS_INSTRUCTION, instructed: 'all',
  description: 'BIOSSES (Soğancıoğlu et al., 2017), 100 biomedical pairs, gold = mean of 5 annotators',
  license: 'GPL-3.0',
  async load(opts) {
    const file = 'data/sts/biosses/biosses.tsv';
    const r = parseBiosses(await readDataFile(file), file);
    return { pairs: spread(r.pairs, opts?.limit), quirks: r.quirks, files: [file] };
  },
};

export const stsTasks: StsTask[] = [STSBenchmark, SICKR, STS12, STS13, STS14, STS15, STS16, BIOSSES];

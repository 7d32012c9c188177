// STS tasks: Spearman correlation of cosine similarity with a graded gold score.
// STSBenchmark, SICK-R, STS12–16 (SemEval, cased original text) and BIOSSES.
import { readDataFile } from '../../data/files.ts';
import { spread } from './sampling.ts';
import type { LoadOptions, StsData, StsTask } from './types.ts';
import type { Quirks, StsPair } from '../../data/datasets/records.ts';
import { parseStsBenchmark, parseSick, parseStsInputWithGold, parseBiosses } from '../../data/datasets/sts.ts';

const STS_INSTRUCTION = 'Retrieve semantically similar text.';

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

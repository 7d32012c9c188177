// Pair classification tasks: average precision of a similarity score for the binary label
// (MTEB reports the best over cosine, dot, Euclidean and Manhattan). TwitterURLCorpus, MRPC, SICK-E.
import { readDataFile } from '../../data/files.ts';
import { spread } from './sampling.ts';
import { parseSick } from '../../data/datasets/sts.ts';
import type { PairClassificationTask } from './types.ts';
import type { LabeledPair } from '../../data/datasets/records.ts';
import { parseTwitterUrlCorpus, parseMrpc } from '../../data/datasets/pair-classification.ts';

export const TwitterURLCorpus: PairClassificationTask = {
  name: 'TwitterURLCorpus', category: 'PairClassification', mainScore: 'max_ap', instructed: 'all',
  instruction: 'Retrieve tweets that are semantically similar to the given tweet',
  description: 'Twitter URL paraphrase corpus (Lan et al., 2017), raw test file: 9,334 pairs after dropping n = 3',
  license: 'CC BY-NC-SA 3.0 + Twitter ToS',
  async load(opts) {
    const file = 'data/pair_classification/twitter_url/Twitter_URL_Corpus_test.txt';
    const r = parseTwitterUrlCorpus(await readDataFile(file), file);
    return { pairs: spread(r.pairs, opts?.limit), quirks: r.quirks, files: [file] };
  },
};

export const MRPC: PairClassificationTask = {
  name: 'MRPC', category: 'PairClassification', mainScore: 'max_ap', instructed: 'all',
  instruction: 'Retrieve sentences that are paraphrases of the given sentence',
  description: 'Microsoft Research Paraphrase Corpus test split: 1,725 pairs (1,147 paraphrases)',
  license: 'MSR Shared Source License, non-commercial',
  async load(opts) {
    const file = 'data/pair_classification/mrpc/msr-para-test.tsv';
    const r = parseMrpc(await readDataFile(file), file);
    const pairs = r.rows.map((x) => ({ id: `${x.id1}-${x.id2}`, s1: x.s1, s2: x.s2, label: x.label }));
    return { pairs: spread(pairs, opts?.limit), quirks: r.quirks, files: [file] };
  },
};

export const SICKE: PairClassificationTask = {
  name: 'SICK-E', category: 'PairClassification', mainScore: 'max_ap', instructed: 'all',
  instruction: 'Retrieve sentences that are entailed by the given sentence',
  description: 'SICK test split: 4,927 pairs, label 1 = ENTAILMENT, 0 = NEUTRAL or CONTRADICTION',
  license: 'CC BY-NC-SA 3.0',
  async load(opts) {
    const file = 'data/sts/sick/SICK_test_annotated.txt';
    const r = parseSick(await readDataFile(file), file);
    const pairs: LabeledPair[] = r.rows.map((x) => ({ id: x.id, s1: x.a, s2: x.b, label: x.entailment === 'ENTAILMENT' ? 1 : 0 }));
    return { pairs: spread(pairs, opts?.limit), quirks: r.quirks, files: [file] };
  },
};

export const pairClassificationTasks: PairClassificationTask[] = [TwitterURLCorpus, MRPC, SICKE];

// MTEB SummarizationEvaluator: for each document, score every machine summary by its best cosine
// (and best dot product) with the human reference summaries, then correlate those scores with the
// human ratings of the summaries. Main score: the mean over documents of the cosine Spearman.
// A document whose human ratings, cosine scores or dot scores are all equal is skipped, as MTEB
// does (a correlation with a constant is undefined).
import { pearson, spearman } from '../metrics/correlation.ts';
import { cosineSimilarity, dotProduct } from '../metrics/similarity.ts';
import { mean } from '../../stats/descriptive.ts';
import { checkEmbeddings, type Embedding, type EvaluationResult } from './types.ts';

export interface SummarizationDocument {
  id?: string;
  /** Human-written reference summaries (SummEval: several; REALSumm: one). */
  references: readonly Embedding[];
  /** Machine summaries, rated by humanScores (same order). */
  summaries: readonly Embedding[];
  humanScores: ArrayLike<number>;
}

export interface SummarizationPerSample {
  ids: string[];
  /** Per document; null for a skipped document. */
  spearman: (number | null)[];
  pearson: (number | null)[];
}

export function evaluateSummarization(documents: readonly SummarizationDocument[]): EvaluationResult<SummarizationPerSample> {
  const fn = 'evaluateSummarization';
  const per: SummarizationPerSample = { ids: [], spearman: [], pearson: [] };
  const acc = { cosS: [] as number[], cosP: [] as number[], dotS: [] as number[], dotP: [] as number[] };
  let dim: number | undefined;
  let skipped = 0;
  documents.forEach((doc, di) => {
    const id = doc.id ?? String(di);
    if (doc.summaries.length !== doc.humanScores.length) {
      throw new RangeError(`${fn}: documents[${di}] has ${doc.summaries.length} summaries but ${doc.humanScores.length} human scores`);
    }
    if (doc.references.length === 0) throw new RangeError(`${fn}: documents[${di}] has no reference summary`);
    dim = checkEmbeddings(fn, `documents[${di}].references`, doc.references, dim);
    checkEmbeddings(fn, `documents[${di}].summaries`, doc.summaries, dim);
    per.ids.push(id);
    const human = Array.from(doc.humanScores);
    const cos = doc.summaries.map((s) => Math.max(...doc.references.map((r) => cosineSimilarity(s, r))));
    const dot = doc.summaries.map((s) => Math.max(...doc.references.map((r) => dotProduct(s, r))));
    const constant = (xs: number[]) => xs.every((v) => v === xs[0]);
    if (human.length < 2 || constant(human) || constant(cos) || constant(dot)) {
      per.spearman.push(null); per.pearson.push(null); skipped++; return;
    }
    const s = spearman(human, cos), p = pearson(human, cos);
    per.spearman.push(s); per.pearson.push(p);
    acc.cosS.push(s); acc.cosP.push(p);
    acc.dotS.push(spearman(human, dot)); acc.dotP.push(pearson(human, dot));
  });
  if (acc.cosS.length === 0) throw new RangeError(`${fn}: no document with varying human scores`);
  const scores: Record<string, number> = {
    'cos_sim.spearman': mean(acc.cosS), 'cos_sim.pearson': mean(acc.cosP),
    'dot.spearman': mean(acc.dotS), 'dot.pearson': mean(acc.dotP),
    n_documents: acc.cosS.length, n_skipped: skipped,
  };
  return { main_score: scores['cos_sim.spearman']!, scores, per_sample: per };
}

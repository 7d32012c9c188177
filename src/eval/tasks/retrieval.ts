// Retrieval tasks: rank the whole corpus for each query, scored by nDCG@10. Cranfield.
import { readDataFile } from '../../data/files.ts';
import { distractorCount, largestSampleWithin, spread, TEXTS_PER_LIMITED_ITEM } from './sampling.ts';
import type { RetrievalTask } from './types.ts';
import type { RetrievalText } from '../../data/datasets/records.ts';
import { parseCranfieldDocs, parseCranfieldQueries, parseCranfieldQrels } from '../../data/datasets/retrieval.ts';

export function limitRetrieval(corpus: RetrievalText[], queries: RetrievalText[], qrels: Map<string, Map<string, number>>, limit: number): { corpus: RetrievalText[]; queries: RetrievalText[]; qrels: Map<string, Map<string, number>> } {
  const judged = (qs: RetrievalText[]) => new Map(qs.filter((x) => qrels.has(x.id)).map((x) => [x.id, qrels.get(x.id)!] as const));
  const cut = (qs: RetrievalText[], distractors: number) => {
    const kept = judged(qs);
    const keep = new Set(spread(corpus, distractors).map((x) => x.id));
    for (const m of kept.values()) for (const id of m.keys()) keep.add(id);
    return { corpus: corpus.filter((x) => keep.has(x.id)), queries: qs, qrels: kept };
  };
  if (limit >= queries.length) return cut(queries.slice(), limit);
  const distractors = distractorCount(limit);
  const sample = largestSampleWithin(queries, limit, TEXTS_PER_LIMITED_ITEM * limit, (qs) => { const c = cut(qs, distractors); return c.queries.length + c.corpus.length; });
  return cut(sample, distractors);
}

export const Cranfield: RetrievalTask = {
  name: 'Cranfield', category: 'Retrieval', mainScore: 'ndcg_at_10', instructed: 'queries',
  instruction: 'Given a question about aeronautics, retrieve the abstracts of papers that answer it',
  description: 'Cranfield collection (Cleverdon, 1967): 1,400 abstracts, 225 queries, graded qrels',
  license: 'public IR test collection, no explicit license',
  async load(opts) {
    const files = ['data/retrieval/cranfield/cran.all.1400', 'data/retrieval/cranfield/cran.qry', 'data/retrieval/cranfield/cranqrel'];
    const d = parseCranfieldDocs(await readDataFile(files[0]!), files[0]!);
    const q = parseCranfieldQueries(await readDataFile(files[1]!), files[1]!);
    const r = parseCranfieldQrels(await readDataFile(files[2]!), files[2]!, q.queries.length, d.corpus.length);
    const quirks = { ...d.quirks, ...q.quirks, ...r.quirks };
    if (opts?.limit === undefined) return { corpus: d.corpus, queries: q.queries, qrels: r.qrels, quirks, files };
    return { ...limitRetrieval(d.corpus, q.queries, r.qrels, opts.limit), quirks, files };
  },
};

export const retrievalTasks: RetrievalTask[] = [Cranfield];

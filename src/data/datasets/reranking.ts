// Parsers of the raw reranking (WikiQA) datasets: file bytes → records (./records.ts), each stated format
// rule counted in `quirks`. Below both the evaluation tasks (src/eval/tasks/reranking.ts) and the training triples.
import { readDataFile } from '../files.ts';
import { alignedLines, DataFormatError } from '../text.ts';
import type { Quirks, RerankingQuery } from './records.ts';

const WIKIQA_FILES = ['id.txt', 'a.toks', 'b.toks', 'sim.txt'] as const;

/** WikiQA in castorini's layout: line-aligned `id.txt` (question id), `a.toks` (question, repeated
 *  per candidate), `b.toks` (candidate answer sentence), `sim.txt` (0/1). Candidates are grouped by
 *  question id in file order; a question whose text differs between its lines is an error. Returns
 *  every question, including those without negatives (`allPositive`) or positives (`noPositive`). */
export function parseWikiQa(files: Record<(typeof WIKIQA_FILES)[number], { fileName: string; bytes: Uint8Array }>): {
  queries: RerankingQuery[];
  quirks: Quirks;
} {
  const [ids, qs, cands, sims] = alignedLines(WIKIQA_FILES.map((k) => files[k]));
  const byId = new Map<string, RerankingQuery>();
  ids!.forEach((rawId, i) => {
    const ln = i + 1;
    const id = rawId.trim();
    const query = qs![i]!.trim();
    const cand = cands![i]!.trim();
    const sim = sims![i]!.trim();
    if (id === '') throw new DataFormatError(files['id.txt'].fileName, ln, 'empty question id');
    if (query === '') throw new DataFormatError(files['a.toks'].fileName, ln, 'empty question');
    if (cand === '') throw new DataFormatError(files['b.toks'].fileName, ln, 'empty candidate');
    if (sim !== '0' && sim !== '1') throw new DataFormatError(files['sim.txt'].fileName, ln, `label ${JSON.stringify(sim)}, expected 0 or 1`);
    let q = byId.get(id);
    if (!q) { q = { id, query, positives: [], negatives: [] }; byId.set(id, q); }
    else if (q.query !== query) throw new DataFormatError(files['a.toks'].fileName, ln, `question id ${id} has two different question texts`);
    (sim === '1' ? q.positives : q.negatives).push(cand);
  });
  const queries = [...byId.values()];
  return {
    queries,
    quirks: {
      allPositive: queries.filter((q) => q.negatives.length === 0).length,
      noPositive: queries.filter((q) => q.positives.length === 0).length,
    },
  };
}

export async function loadWikiQaSplit(split: 'train' | 'dev' | 'test'): Promise<{ queries: RerankingQuery[]; quirks: Quirks; files: string[] }> {
  const paths = WIKIQA_FILES.map((f) => `data/reranking/wikiqa/${split}/${f}`);
  const loaded = await Promise.all(paths.map(async (p) => ({ fileName: p, bytes: await readDataFile(p) })));
  const r = parseWikiQa({ 'id.txt': loaded[0]!, 'a.toks': loaded[1]!, 'b.toks': loaded[2]!, 'sim.txt': loaded[3]! });
  return { ...r, files: paths };
}

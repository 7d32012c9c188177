// Contrastive training data: (query, positive, hard negative) triples, as in the paper's recipe
// (public NLI / paraphrase / QA data), built from the training-side files of the mirror and kept
// disjoint from every text that an evaluation task scores.
//
// Sources and rules (each triple's negative is a sibling of its positive under the same anchor):
//   esnli      e-SNLI dev + test: premise / entailment hypothesis / contradiction hypothesis of the same premise
//   twitterurl TwitterURL train/: headline (a.toks) / paraphrase (sim 1) / non-paraphrase (sim 0) of the same headline
//   wikiqa     WikiQA train/: question / correct answer / wrong answer of the same question
//   stsb       STS-B train: sentence / partner scored ≥ 4 / partner scored ≤ 1 (anchor on either side of a pair)
//   sick       SICK train: sentence A / B with ENTAILMENT / B with CONTRADICTION, same A
//   mrpc       MRPC train: sentence / paraphrase partner / non-paraphrase partner (anchor on either side)
//   banking77  Banking77 train: query / a random query of the same intent / a random query of another intent (seeded)
// Under one anchor with P positives and N negatives, positive i gets negative i mod N (P triples).
//
// Sources shared with evaluation (SOURCE_SHARES): every source but e-SNLI comes from a corpus that an
// evaluation task also draws from (its train split beside the task's test split), so training on
// it evaluates that task in-domain. The default, DISJOINT_SOURCES, is e-SNLI alone: SNLI (Flickr30k
// captions) is the source of no evaluation task. (SICK and the STS 'images' sets are captions of
// other image collections, a related domain; any text equal to an evaluation text is dropped anyway.)
// TRIPLE_SOURCES, all seven, is the earlier mix; after the filters it is e-SNLI, TwitterURL,
// Banking77 and WikiQA (STS-B, SICK and MRPC's train splits lose nearly every triple to overlap).
// Then, per source: a triple with two equal texts is dropped (`degenerate`); a triple with any
// text equal to an evaluation text is dropped (`overlapDropped`); repeats are dropped (`duplicates`),
// all comparisons on `overlapKey` (case, whitespace, punctuation and tokenisation ignored).
import { readDataFile } from '../data/files.ts';
import { alignedLines, DataFormatError } from '../data/text.ts';
import { loadBanking77Split } from '../data/datasets/classification.ts';
import { parseMrpc } from '../data/datasets/pair-classification.ts';
import { loadWikiQaSplit } from '../data/datasets/reranking.ts';
import { parseSick, parseStsBenchmark } from '../data/datasets/sts.ts';
// The evaluation tasks' texts and their comparison key: the triples must stay disjoint from them.
import { evaluationTexts, overlapKey } from '../eval/tasks/decontamination.ts';
import { mulberry32, shuffled as seededShuffle } from '../util/random.ts';

export const TRIPLE_SOURCES = ['esnli', 'twitterurl', 'wikiqa', 'stsb', 'sick', 'mrpc', 'banking77'] as const;
export type TripleSource = (typeof TRIPLE_SOURCES)[number];

/** The evaluation tasks (registry names) whose source corpus each training source shares. */
export const SOURCE_SHARES: Record<TripleSource, readonly string[]> = {
  esnli: [],
  twitterurl: ['TwitterURLCorpus'],
  wikiqa: ['WikiQA'],
  // STS-B is compiled from the SemEval STS 2012–2017 sets
  stsb: ['STSBenchmark', 'STS12', 'STS13', 'STS14', 'STS15', 'STS16'],
  sick: ['SICK-R', 'SICK-E'],
  // STS12's MSRpar pairs are drawn from the MSR Paraphrase Corpus
  mrpc: ['MRPC', 'STS12'],
  banking77: ['Banking77', 'Banking77Clustering'],
};

/** The default: sources that share no corpus with any evaluation task. */
export const DISJOINT_SOURCES: readonly TripleSource[] = TRIPLE_SOURCES.filter((s) => SOURCE_SHARES[s].length === 0);

/** E5-style instruction of each source's queries, used when a profile instructs training queries. */
export const TRAINING_INSTRUCTIONS: Record<TripleSource, string> = {
  esnli: 'Given a premise, retrieve a hypothesis that is entailed by the premise',
  twitterurl: 'Retrieve tweets that are semantically similar to the given tweet',
  wikiqa: 'Given a question, retrieve Wikipedia sentences that answer the question',
  stsb: 'Retrieve semantically similar text',
  sick: 'Given a premise, retrieve a hypothesis that is entailed by the premise',
  mrpc: 'Retrieve sentences that are paraphrases of the given sentence',
  banking77: 'Given a online banking query, retrieve queries with the same intent',
};

export interface Triple {
  query: string; positive: string; negative: string; source: TripleSource;
  /** glued to the query (only) in training; '' or absent = none (the authors' collate) */
  instruction?: string;
}

export interface SourceCount {
  /** Triples formed before any filtering. */
  candidates: number;
  degenerate: number;
  overlapDropped: number;
  duplicates: number;
  /** Kept after filtering, before `limit`. */
  clean: number;
  /** In the output (after `limit`). */
  kept: number;
}

export interface TrainingTriples {
  /** All kept triples, shuffled with `seed`. */
  triples: Triple[];
  counts: Record<TripleSource, SourceCount>;
  seed: number;
  /** Mirror-relative paths of the training files read. */
  files: string[];
}

export interface TripleOptions {
  /** Seed of Banking77's sampling, of the `limit` subsample and of the output order (default 0). */
  seed?: number;
  /** At most this many triples per source (a seeded sample of the clean ones). */
  limit?: number;
  /** Which sources (default: DISJOINT_SOURCES). */
  sources?: readonly TripleSource[];
  /** Give each query its source's instruction (TRAINING_INSTRUCTIONS); default false. */
  instructQueries?: boolean;
  /** Evaluation texts to keep disjoint from (default: `evaluationTexts()` of the built-in tasks). */
  evaluationTexts?: Iterable<string>;
}

export interface AnchorGroup { anchor: string; positives: string[]; negatives: string[] }

/** Triples from anchor groups: positive i with negative i mod N; groups lacking either side give none. */
export function triplesFromGroups(groups: Iterable<AnchorGroup>, source: TripleSource): Triple[] {
  const out: Triple[] = [];
  for (const g of groups) {
    if (g.positives.length === 0 || g.negatives.length === 0) continue;
    g.positives.forEach((p, i) => out.push({ query: g.anchor, positive: p, negative: g.negatives[i % g.negatives.length]!, source }));
  }
  return out;
}

/** Groups (anchor, partner, kind) rows by anchor text, in order of first appearance. */
export function groupByAnchor(rows: Iterable<{ anchor: string; partner: string; kind: 'pos' | 'neg' | null }>): AnchorGroup[] {
  const m = new Map<string, AnchorGroup>();
  for (const r of rows) {
    if (r.kind === null) continue;
    let g = m.get(r.anchor);
    if (!g) { g = { anchor: r.anchor, positives: [], negatives: [] }; m.set(r.anchor, g); }
    (r.kind === 'pos' ? g.positives : g.negatives).push(r.partner);
  }
  return [...m.values()];
}

/** e-SNLI: line-aligned premise / hypothesis / label files. */
export function esnliRows(premises: string[], hypotheses: string[], labels: string[], labelFile: string) {
  return premises.map((p, i) => {
    const l = labels[i]!.trim();
    if (l !== 'entailment' && l !== 'neutral' && l !== 'contradiction') throw new DataFormatError(labelFile, i + 1, `label ${JSON.stringify(l)}`);
    return { anchor: p.trim(), partner: hypotheses[i]!.trim(), kind: l === 'entailment' ? 'pos' as const : l === 'contradiction' ? 'neg' as const : null };
  });
}

/** Banking77: every training query is an anchor once; its positive is another query of the same
 *  intent and its negative a query of another intent, both drawn with the seeded PRNG. */
export function banking77Triples(rows: readonly { text: string; label: string }[], seed: number): Triple[] {
  const rand = mulberry32(seed);
  const byLabel = new Map<string, string[]>();
  for (const r of rows) {
    const l = byLabel.get(r.label);
    if (l) l.push(r.text); else byLabel.set(r.label, [r.text]);
  }
  const out: Triple[] = [];
  for (const r of rows) {
    const same = byLabel.get(r.label)!;
    if (same.length < 2 || byLabel.size < 2) continue;
    let positive = r.text;
    for (let tries = 0; tries < 100 && positive === r.text; tries += 1) positive = same[Math.floor(rand() * same.length)]!;
    if (positive === r.text) continue;
    let negative = r.text;
    while (true) {
      const o = rows[Math.floor(rand() * rows.length)]!;
      if (o.label !== r.label) { negative = o.text; break; }
    }
    out.push({ query: r.text, positive, negative, source: 'banking77' });
  }
  return out;
}

/** Filters one source's candidates (degenerate, overlapping, repeated) and counts each step. */
export function filterTriples(candidates: readonly Triple[], evalKeys: ReadonlySet<string>, seen: Set<string>): { clean: Triple[]; count: Omit<SourceCount, 'kept'> } {
  const count = { candidates: candidates.length, degenerate: 0, overlapDropped: 0, duplicates: 0, clean: 0 };
  const clean: Triple[] = [];
  for (const t of candidates) {
    const q = overlapKey(t.query), p = overlapKey(t.positive), n = overlapKey(t.negative);
    if (q === p || q === n || p === n || q === '' || p === '' || n === '') { count.degenerate += 1; continue; }
    if (evalKeys.has(q) || evalKeys.has(p) || evalKeys.has(n)) { count.overlapDropped += 1; continue; }
    const key = `${q}\u0000${p}\u0000${n}`;
    if (seen.has(key)) { count.duplicates += 1; continue; }
    seen.add(key);
    clean.push(t);
  }
  count.clean = clean.length;
  return { clean, count };
}

async function candidateTriples(source: TripleSource, seed: number): Promise<{ triples: Triple[]; files: string[] }> {
  const read = async (paths: string[]) => alignedLines(await Promise.all(paths.map(async (p) => ({ fileName: p, bytes: await readDataFile(p) }))));
  switch (source) {
    case 'esnli': {
      const files: string[] = [];
      const rows = [];
      for (const split of ['dev', 'test']) {
        const paths = ['s1', 's2', 'labels'].map((f) => `data/training/esnli/${f}.${split}`);
        const [s1, s2, labels] = await read(paths);
        rows.push(...esnliRows(s1!, s2!, labels!, paths[2]!));
        files.push(...paths);
      }
      return { triples: triplesFromGroups(groupByAnchor(rows), source), files };
    }
    case 'twitterurl': {
      const files = ['a.toks', 'b.toks', 'sim.txt'].map((f) => `data/pair_classification/twitter_url/train/${f}`);
      const [a, b, sim] = await read(files);
      const rows = a!.map((x, i) => {
        const s = sim![i]!.trim();
        if (s !== '0' && s !== '1') throw new DataFormatError(files[2]!, i + 1, `label ${JSON.stringify(s)}, expected 0 or 1`);
        return { anchor: x.trim(), partner: b![i]!.trim(), kind: s === '1' ? 'pos' as const : 'neg' as const };
      });
      return { triples: triplesFromGroups(groupByAnchor(rows), source), files };
    }
    case 'wikiqa': {
      const r = await loadWikiQaSplit('train');
      return { triples: triplesFromGroups(r.queries.map((q) => ({ anchor: q.query, positives: q.positives, negatives: q.negatives })), source), files: r.files };
    }
    case 'stsb': {
      const file = 'data/sts/stsbenchmark/sts-train.csv';
      const { pairs } = parseStsBenchmark(await readDataFile(file), file);
      const kind = (s: number) => (s >= 4 ? 'pos' as const : s <= 1 ? 'neg' as const : null);
      const rows = pairs.flatMap((p) => [
        { anchor: p.s1, partner: p.s2, kind: kind(p.score) },
        { anchor: p.s2, partner: p.s1, kind: kind(p.score) },
      ]);
      return { triples: triplesFromGroups(groupByAnchor(rows), source), files: [file] };
    }
    case 'sick': {
      const file = 'data/sts/sick/SICK_train.txt';
      const { rows } = parseSick(await readDataFile(file), file);
      const g = rows.map((r) => ({ anchor: r.a, partner: r.b, kind: r.entailment === 'ENTAILMENT' ? 'pos' as const : r.entailment === 'CONTRADICTION' ? 'neg' as const : null }));
      return { triples: triplesFromGroups(groupByAnchor(g), source), files: [file] };
    }
    case 'mrpc': {
      const file = 'data/pair_classification/mrpc/msr-para-train.tsv';
      const { rows } = parseMrpc(await readDataFile(file), file);
      const g = rows.flatMap((r) => {
        const kind = r.label === 1 ? 'pos' as const : 'neg' as const;
        return [{ anchor: r.s1, partner: r.s2, kind }, { anchor: r.s2, partner: r.s1, kind }];
      });
      return { triples: triplesFromGroups(groupByAnchor(g), source), files: [file] };
    }
    case 'banking77': {
      const r = await loadBanking77Split('train');
      return { triples: banking77Triples(r.rows, seed), files: r.files };
    }
  }
}

/** Builds the training triples: candidates per source, filtered against the evaluation texts,
 *  deduplicated (across sources too, in TRIPLE_SOURCES order), limited and shuffled with `seed`. */
export async function loadTrainingTriples(opts: TripleOptions = {}): Promise<TrainingTriples> {
  const seed = opts.seed ?? 0;
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit >= 1)) throw new RangeError(`limit must be a positive integer, got ${opts.limit}`);
  const sources = opts.sources ?? DISJOINT_SOURCES;
  for (const s of sources) if (!TRIPLE_SOURCES.includes(s)) throw new Error(`unknown triple source '${s}'; valid: ${TRIPLE_SOURCES.join(', ')}`);
  const evalKeys = new Set<string>();
  for (const t of opts.evaluationTexts ?? await evaluationTexts()) evalKeys.add(overlapKey(t));
  const seen = new Set<string>();
  const counts = {} as Record<TripleSource, SourceCount>;
  const all: Triple[] = [];
  const files: string[] = [];
  for (const source of TRIPLE_SOURCES) {
    if (!sources.includes(source)) {
      counts[source] = { candidates: 0, degenerate: 0, overlapDropped: 0, duplicates: 0, clean: 0, kept: 0 };
      continue;
    }
    const c = await candidateTriples(source, seed);
    files.push(...c.files);
    const f = filterTriples(c.triples, evalKeys, seen);
    const kept = opts.limit !== undefined && f.clean.length > opts.limit
      ? seededShuffle(f.clean, mulberry32(seed + 1 + TRIPLE_SOURCES.indexOf(source))).slice(0, opts.limit)
      : f.clean;
    counts[source] = { ...f.count, kept: kept.length };
    all.push(...(opts.instructQueries ? kept.map((t) => ({ ...t, instruction: TRAINING_INSTRUCTIONS[source] })) : kept));
  }
  return { triples: seededShuffle(all, mulberry32(seed)), counts, seed, files };
}

/** A fixed-width table of the per-source counts, with a total row. */
export function formatTripleCounts(counts: Record<TripleSource, SourceCount>): string {
  const cols = ['candidates', 'degenerate', 'overlapDropped', 'duplicates', 'clean', 'kept'] as const;
  const rows: string[][] = [['source', ...cols]];
  const total = Object.fromEntries(cols.map((c) => [c, 0])) as Record<(typeof cols)[number], number>;
  for (const s of TRIPLE_SOURCES) {
    const c = counts[s];
    rows.push([s, ...cols.map((k) => String(c[k]))]);
    for (const k of cols) total[k] += c[k];
  }
  rows.push(['total', ...cols.map((k) => String(total[k]))]);
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) => r.map((x, j) => (j === 0 ? x.padEnd(widths[j]!) : x.padStart(widths[j]!))).join('  ')).join('\n');
}

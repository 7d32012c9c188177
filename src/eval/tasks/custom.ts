// A user's own evaluation dataset as a task: local JSON Lines files (one JSON object per line), one
// format per category, read with their sha256 recorded for provenance (results/<design>.json:
// tasks.<name>.sha256). registerCustomTask adds it to this process's registry; `eval --task-module
// FILE` imports a module that does so (in every child process too). Formats (fields per line):
//   Retrieval           corpus: {id, text}   queries: {id, text}   qrels: {query, doc, score >= 0 (0: judged not relevant)}
//   Reranking           data: {query, positives: [text…], negatives: [text…]}
//   STS                 data: {s1, s2, score}
//   Classification      train: {text, label}   test: {text, label}   (a logistic regression on train)
//   PairClassification  data: {s1, s2, label: 0 | 1}
//   Clustering          data: {text, label}
//   Summarization       data: {reference, summaries: [{text, score}…]}   (one line per document)
// Relative paths are taken from `baseDir` (default: the working directory). `limit` samples exactly
// like the built-in tasks (sampling.ts): evenly spread items; retrieval, reranking and summarization
// within the budget of 2 × limit texts (limitRetrieval, limitReranking, limitSummarization).
// Data a metric cannot score is never turned into a NaN score: as in MTEB (and the built-in WikiQA
// and REALSumm), a reranking query without a positive or without a negative and a summarization
// document whose scores are all equal are skipped (a warning, counted in the results' quirks); a
// task left with nothing to score, an STS task whose gold scores are all equal and a
// pair-classification task with one label only are errors naming the file.
import { sha256 } from '../../io/sha256.ts';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { DataFormatError, decodeUtf8, splitLines } from '../../data/text.ts';
import { spread } from './sampling.ts';
import { limitReranking } from './reranking.ts';
import { limitRetrieval } from './retrieval.ts';
import { limitSummarization } from './summarization.ts';
import { registerTask } from './index.ts';
import { MAIN_SCORE, type DataByCategory, type LoadOptions, type Task, type TaskCategory, type TaskOf } from './types.ts';
import { CATEGORIES, TASK_CATEGORIES, type CategoryFiles } from './categories.ts';

export type CustomCategory = TaskCategory;

export type CustomTaskSpec = { [C in CustomCategory]: {
  name: string;
  category: C;
  /** Paths of the JSON Lines files (see the formats above). */
  files: CategoryFiles<C>;
  description?: string;
  /** The task instruction (E5 style), '' for none. */
  instruction?: string;
  /** The data's license terms, for reports. */
  license?: string;
  /** Where relative paths start (default: process.cwd()). */
  baseDir?: string;
} }[CustomCategory];

/** Each row remembers its 1-based line, for error messages. */
const lineOf = new WeakMap<object, number>();

interface Read { rows: Record<string, unknown>[]; path: string; sha256: string }

/** One JSON Lines file: every non-blank line an object (blank lines are allowed and skipped). */
function readJsonl(path: string, what: string): Read {
  let bytes: Buffer;
  try {
    if (statSync(path).isDirectory()) throw new Error(`${path} (${what}) is a directory, expected a JSON Lines file`);
    bytes = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(err.code === 'ENOENT' ? `${path} (${what}): no such file` : err.message, { cause: e });
  }
  const rows: Record<string, unknown>[] = [];
  splitLines(decodeUtf8(bytes, path).text).forEach((line, i) => {
    if (line.trim() === '') return;
    let v: unknown;
    try { v = JSON.parse(line); } catch (e) { throw new DataFormatError(path, i + 1, `not JSON (${(e as Error).message})`); }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new DataFormatError(path, i + 1, 'expected a JSON object');
    lineOf.set(v, i + 1);
    rows.push(v as Record<string, unknown>);
  });
  if (rows.length === 0) throw new DataFormatError(path, 1, `no rows (${what})`);
  return { rows, path, sha256: sha256(bytes) };
}

function field(r: Read, row: Record<string, unknown>, key: string, kind: 'text' | 'number' | 'label' | 'texts' | 'binary'): any {
  const v = row[key];
  const bad = (want: string) => new DataFormatError(r.path, lineOf.get(row)!, `field '${key}' must be ${want}, got ${JSON.stringify(v) ?? 'nothing'}`);
  switch (kind) {
    case 'text': if (typeof v !== 'string') throw bad('a string'); return v;
    case 'label': if (typeof v !== 'string' && typeof v !== 'number') throw bad('a string or number'); return String(v);
    case 'number': if (typeof v !== 'number' || !Number.isFinite(v)) throw bad('a finite number'); return v;
    case 'binary': if (v !== 0 && v !== 1) throw bad('0 or 1'); return v;
    case 'texts': if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad('an array of strings'); return v;
  }
}

function uniqueIds(r: Read, ids: string[]): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) throw new DataFormatError(r.path, lineOf.get(r.rows[i]!)!, `id '${id}' appears twice`);
    seen.add(id);
  });
}

/** The Task a spec describes; its data is read (and hashed) on every load. */
export function customTask<S extends CustomTaskSpec>(spec: S): TaskOf<S['category']> {
  const category = spec.category;
  if (!(category in CATEGORIES)) throw new Error(`custom task '${spec.name}': category ${JSON.stringify(category)} is not one of ${TASK_CATEGORIES.join(', ')}`);
  const files = spec.files as Record<string, unknown>;
  const roles: readonly string[] = CATEGORIES[category].files;
  for (const role of roles) {
    if (typeof files?.[role] !== 'string' || files[role] === '') throw new Error(`custom task '${spec.name}' (${category}): files.${role} must be a path (${roles.join(', ')})`);
  }
  const extra = Object.keys(files).filter((k) => !roles.includes(k));
  if (extra.length) throw new Error(`custom task '${spec.name}' (${category}): unknown files.${extra[0]} (expected ${roles.join(', ')})`);
  const base = spec.baseDir ?? process.cwd();
  const path = (role: string) => { const p = files[role] as string; return isAbsolute(p) ? p : resolve(base, p); };
  const read = (role: string) => readJsonl(path(role), `${spec.name} ${role}`);
  const loaded = (reads: Read[]) => ({ files: reads.map((r) => r.path), quirks: {}, sha256: Object.fromEntries(reads.map((r) => [r.path, r.sha256])) });
  /** ' (the N of M that --limit keeps)' when the limit sampled the rows, for error messages. */
  const kept = (n: number, r: Read) => (n < r.rows.length ? ` (the ${n} of ${r.rows.length} that --limit keeps)` : '');
  /** Unscoreable items are skipped with a warning naming their lines; none left to score is an error. */
  const skip = (r: Read, rows: Record<string, unknown>[], what: string, why: string): number => {
    if (rows.length === 0) return 0;
    const lines = rows.map((x) => lineOf.get(x)!).join(', ');
    if (rows.length === r.rows.length) throw new Error(`${r.path}: nothing to score: all ${rows.length} ${what} are ${what} ${why} (lines ${lines})`);
    process.stderr.write(`warning: ${r.path}: ${rows.length} ${what} ${why} skipped (line${rows.length > 1 ? 's' : ''} ${lines})\n`);
    return rows.length;
  };

  const load = async (opts: LoadOptions = {}): Promise<unknown> => {
    const limit = opts.limit;
    switch (category) {
      case 'STS': {
        const r = read('data');
        const pairs = spread(r.rows.map((x, i) => ({ id: String(i), s1: field(r, x, 's1', 'text'), s2: field(r, x, 's2', 'text'), score: field(r, x, 'score', 'number') as number })), limit);
        const first = pairs[0]!.score;
        if (pairs.every((p) => p.score === first)) throw new Error(`${r.path}: all ${pairs.length} gold scores${kept(pairs.length, r)} are equal to ${first}: Spearman is undefined (${spec.name} needs at least two different scores)`);
        return { pairs, ...loaded([r]) };
      }
      case 'PairClassification': {
        const r = read('data');
        const pairs = spread(r.rows.map((x, i) => ({ id: String(i), s1: field(r, x, 's1', 'text'), s2: field(r, x, 's2', 'text'), label: field(r, x, 'label', 'binary') as 0 | 1 })), limit);
        const first = pairs[0]!.label;
        if (pairs.every((p) => p.label === first)) throw new Error(`${r.path}: all ${pairs.length} pairs${kept(pairs.length, r)} have label ${first}: average precision needs pairs of both labels, 0 and 1`);
        return { pairs, ...loaded([r]) };
      }
      case 'Clustering': {
        const r = read('data');
        const rows = spread(r.rows.map((x) => ({ text: field(r, x, 'text', 'text') as string, label: field(r, x, 'label', 'label') as string })), limit);
        return { texts: rows.map((x) => x.text), labels: rows.map((x) => x.label), ...loaded([r]) };
      }
      case 'Classification': {
        const tr = read('train'), te = read('test');
        const rows = (r: Read) => r.rows.map((x) => ({ text: field(r, x, 'text', 'text') as string, label: field(r, x, 'label', 'label') as string }));
        const train = spread(rows(tr), limit), test = spread(rows(te), limit);
        const labels = [...new Set(train.map((x) => x.label))].sort();
        const unknown = test.find((x) => !labels.includes(x.label));
        if (unknown) throw new Error(`${te.path}: test label '${unknown.label}' never occurs in the training texts${limit ? ` kept at limit ${limit}` : ''} (${tr.path})`);
        return { train, test, labels, ...loaded([tr, te]) };
      }
      case 'Reranking': {
        const r = read('data');
        const queries = r.rows.map((x, i) => ({ id: String(i), query: field(r, x, 'query', 'text') as string, positives: field(r, x, 'positives', 'texts') as string[], negatives: field(r, x, 'negatives', 'texts') as string[] }));
        // MAP is undefined without a positive and trivially 1 without a negative: skipped, as WikiQA's and MTEB's
        const scoreable = queries.filter((q) => q.positives.length > 0 && q.negatives.length > 0);
        const skipped = skip(r, queries.filter((q) => !(q.positives.length > 0 && q.negatives.length > 0)).map((q) => r.rows[Number(q.id)]!),
          'queries', 'without a positive or without a negative (MAP needs both)');
        return { queries: limitReranking(scoreable, limit), ...loaded([r]), quirks: skipped ? { unscoreableQueries: skipped } : {} };
      }
      case 'Summarization': {
        const r = read('data');
        const documents = r.rows.map((x, i) => {
          const summaries = x.summaries;
          if (!Array.isArray(summaries) || summaries.length < 2 || summaries.some((y) => y === null || typeof y !== 'object' || Array.isArray(y))) {
            throw new DataFormatError(r.path, lineOf.get(x)!, `field 'summaries' must be an array of at least two {text, score} objects (a Spearman correlation needs two), got ${JSON.stringify(summaries) ?? 'nothing'}`);
          }
          return {
            docId: String(i), reference: field(r, x, 'reference', 'text') as string,
            summaries: (summaries as Record<string, unknown>[]).map((y, j) => {
              lineOf.set(y, lineOf.get(x)!);
              return { system: String(j), text: field(r, y, 'text', 'text') as string, human: field(r, y, 'score', 'number') as number };
            }),
          };
        });
        // a correlation with constant scores is undefined: skipped, as MTEB and the evaluator do
        const scoreable = documents.filter((d) => d.summaries.some((y) => y.human !== d.summaries[0]!.human));
        const skipped = skip(r, documents.filter((d) => d.summaries.every((y) => y.human === d.summaries[0]!.human)).map((d) => r.rows[Number(d.docId)]!),
          'documents', 'whose summary scores are all equal (Spearman is undefined)');
        return { documents: limitSummarization(scoreable, limit), ...loaded([r]), quirks: skipped ? { constantScoreDocuments: skipped } : {} };
      }
      case 'Retrieval': {
        const c = read('corpus'), q = read('queries'), j = read('qrels');
        const corpus = c.rows.map((x) => ({ id: String(field(c, x, 'id', 'label')), text: field(c, x, 'text', 'text') as string }));
        const queries = q.rows.map((x) => ({ id: String(field(q, x, 'id', 'label')), text: field(q, x, 'text', 'text') as string }));
        uniqueIds(c, corpus.map((x) => x.id)); uniqueIds(q, queries.map((x) => x.id));
        const docIds = new Set(corpus.map((x) => x.id)), queryIds = new Set(queries.map((x) => x.id));
        const qrels = new Map<string, Map<string, number>>();
        for (const x of j.rows) {
          const qid = String(field(j, x, 'query', 'label')), did = String(field(j, x, 'doc', 'label')), score = field(j, x, 'score', 'number') as number;
          const line = lineOf.get(x)!;
          if (!queryIds.has(qid)) throw new DataFormatError(j.path, line, `query '${qid}' is not in ${q.path}`);
          if (!docIds.has(did)) throw new DataFormatError(j.path, line, `document '${did}' is not in ${c.path}`);
          if (score < 0) throw new DataFormatError(j.path, line, `field 'score' must be >= 0 (a relevance gain; 0: judged not relevant), got ${score}`);
          if (score === 0) continue; // gain 0 is the default for unlisted documents
          if (!qrels.has(qid)) qrels.set(qid, new Map());
          qrels.get(qid)!.set(did, score);
        }
        const judged = queries.filter((x) => qrels.has(x.id));
        if (judged.length === 0) throw new Error(`${j.path}: no query has a relevant document (score > 0)`);
        if (limit === undefined) return { corpus, queries: judged, qrels, ...loaded([c, q, j]) };
        return { ...limitRetrieval(corpus, judged, qrels, limit), ...loaded([c, q, j]) };
      }
    }
  };
  return {
    name: spec.name, category, mainScore: MAIN_SCORE[category], description: spec.description ?? `user task ${spec.name}`,
    instruction: spec.instruction ?? '', instructed: CATEGORIES[category].instructed,
    license: spec.license ?? 'unspecified (user data)',
    load: load as (opts?: LoadOptions) => Promise<DataByCategory[typeof category]>,
  } as Task as TaskOf<S['category']>;
}

/** customTask + registerTask: the task can then be named in --tasks / evaluateDesign. */
export function registerCustomTask<S extends CustomTaskSpec>(spec: S): TaskOf<S['category']> {
  const task = customTask(spec);
  const base = spec.baseDir ?? process.cwd();
  const files = Object.fromEntries(Object.entries(spec.files).map(([role, p]) => [role, isAbsolute(p as string) ? p : resolve(base, p as string)]));
  // the same definition may be registered again (a cell run twice); another one under this name is an error (index.ts)
  const definition = JSON.stringify({ category: spec.category, files, instruction: task.instruction, description: task.description, license: task.license });
  return registerTask(task as Task, definition) as TaskOf<S['category']>;
}

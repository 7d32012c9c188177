// Parsers of the raw retrieval (Cranfield, SMART format) datasets: file bytes → records (./records.ts), each stated format
// rule counted in `quirks`. Below both the evaluation tasks (src/eval/tasks/retrieval.ts) and the training triples.
import { countCrlf, DataFormatError, decodeUtf8, splitLines } from '../text.ts';
import type { Quirks, RetrievalText } from './records.ts';

export interface SmartRecord {
  id: string;
  /** 1-based line of the `.I` tag. */
  line: number;
  /** Sections in file order: tag letter ('T', 'A', 'B', 'W') and its text lines joined by spaces. */
  sections: { tag: string; text: string }[];
}

/** SMART-tagged records: `.I <id>` starts a record, a line that is exactly `.X` (X in `tags`)
 *  starts a section, other lines are section text (whitespace collapsed). Text outside a section
 *  or an unknown tag is an error. */
export function parseSmart(text: string, fileName: string, tags: readonly string[]): SmartRecord[] {
  const out: SmartRecord[] = [];
  let sectionText: string[] | null = null;
  const flush = () => {
    const rec = out[out.length - 1];
    if (rec && sectionText) rec.sections[rec.sections.length - 1]!.text = sectionText.join(' ').replace(/\s+/g, ' ').trim();
  };
  splitLines(text).forEach((l, i) => {
    const ln = i + 1;
    const idMatch = /^\.I\s+(\S+)\s*$/.exec(l);
    if (idMatch) {
      flush();
      sectionText = null;
      out.push({ id: idMatch[1]!, line: ln, sections: [] });
      return;
    }
    const tagMatch = /^\.([A-Z])\s*$/.exec(l);
    if (tagMatch) {
      if (!tags.includes(tagMatch[1]!)) throw new DataFormatError(fileName, ln, `unknown tag .${tagMatch[1]}`);
      if (out.length === 0) throw new DataFormatError(fileName, ln, 'section before the first .I');
      flush();
      out[out.length - 1]!.sections.push({ tag: tagMatch[1]!, text: '' });
      sectionText = [];
      return;
    }
    if (sectionText === null) throw new DataFormatError(fileName, ln, 'text outside a section');
    sectionText.push(l);
  });
  flush();
  return out;
}

/** Cranfield documents. Rules: the text is the `.W` abstract (it repeats the title); docs with two
 *  `.W` sections get both, joined (`multipleW`); `.A`/`.B` tags that reappear after the abstract
 *  started (doc 240) are stray lines inside the abstract, so their text stays in it
 *  (`tagsInsideAbstract`); an empty `.W` falls back to the `.T` title (`emptyW`), and a doc with
 *  neither keeps an empty text (`emptyDocs`), because qrels may judge it. Ids must be 1..N in order. */
export function parseCranfieldDocs(bytes: Uint8Array, fileName: string): { corpus: RetrievalText[]; quirks: Quirks } {
  const recs = parseSmart(decodeUtf8(bytes, fileName).text, fileName, ['T', 'A', 'B', 'W']);
  const quirks = { multipleW: 0, tagsInsideAbstract: 0, emptyW: 0, emptyDocs: 0 };
  const corpus = recs.map((r, k) => {
    if (r.id !== String(k + 1)) throw new DataFormatError(fileName, r.line, `.I ${r.id}, expected ${k + 1}`);
    const firstW = r.sections.findIndex((s) => s.tag === 'W');
    if (firstW === -1) throw new DataFormatError(fileName, r.line, `document ${r.id} has no .W section`);
    const abstract = r.sections.slice(firstW);
    if (abstract.filter((s) => s.tag === 'W').length > 1) quirks.multipleW += 1;
    quirks.tagsInsideAbstract += abstract.filter((s) => s.tag !== 'W').length;
    let text = abstract.map((s) => s.text).filter((t) => t !== '').join(' ');
    if (text === '') {
      quirks.emptyW += 1;
      text = r.sections.filter((s) => s.tag === 'T').map((s) => s.text).join(' ');
      if (text === '') quirks.emptyDocs += 1;
    }
    return { id: r.id, text };
  });
  return { corpus, quirks };
}

/** Cranfield queries (`cran.qry`, CRLF). Each gets the id of its sequential position 1..225,
 *  which is what `cranqrel` uses, not its `.I` number (001–365). */
export function parseCranfieldQueries(bytes: Uint8Array, fileName: string): { queries: RetrievalText[]; smartIds: string[]; quirks: Quirks } {
  const { text } = decodeUtf8(bytes, fileName);
  const recs = parseSmart(text, fileName, ['W']);
  const queries = recs.map((r, k) => {
    const w = r.sections.filter((s) => s.tag === 'W');
    if (w.length !== 1 || w[0]!.text === '') throw new DataFormatError(fileName, r.line, `query .I ${r.id} needs exactly one non-empty .W`);
    return { id: String(k + 1), text: w[0]!.text };
  });
  return { queries, smartIds: recs.map((r) => r.id), quirks: { crlfLines: countCrlf(text) } };
}

/** Cleverdon's relevance code → graded gain: 1 (complete answer) → 4, 2 → 3, 3 → 2, 4 (minimum
 *  interest) → 1. Code −1, undefined in `cranqrel.readme`, is treated as not relevant: dropped
 *  (gain 0), counted as `codeMinus1Dropped`. */
export function cranfieldGain(code: number): number {
  if (code === -1) return 0;
  if (code >= 1 && code <= 4) return 5 - code;
  throw new RangeError(`relevance code ${code}`);
}

/** `cranqrel`: lines "qid docid code" (trailing space, no final newline). Every qid must be a query
 *  number and every docid a document; a repeated (qid, docid) is an error. */
export function parseCranfieldQrels(
  bytes: Uint8Array, fileName: string, numQueries: number, numDocs: number,
): { qrels: Map<string, Map<string, number>>; quirks: Quirks } {
  const qrels = new Map<string, Map<string, number>>();
  const seen = new Set<string>();
  let codeMinus1Dropped = 0;
  splitLines(decodeUtf8(bytes, fileName).text).forEach((l, i) => {
    const ln = i + 1;
    const f = l.trim().split(/\s+/);
    if (f.length !== 3 || !f.every((x) => /^-?\d+$/.test(x))) throw new DataFormatError(fileName, ln, `expected "qid docid code", got ${JSON.stringify(l)}`);
    const [q, d, c] = f.map(Number) as [number, number, number];
    if (q < 1 || q > numQueries) throw new DataFormatError(fileName, ln, `query ${q} outside 1..${numQueries}`);
    if (d < 1 || d > numDocs) throw new DataFormatError(fileName, ln, `document ${d} outside 1..${numDocs}`);
    if (c !== -1 && !(c >= 1 && c <= 4)) throw new DataFormatError(fileName, ln, `relevance code ${c}, expected 1–4 or -1`);
    const key = `${q} ${d}`;
    if (seen.has(key)) throw new DataFormatError(fileName, ln, `repeated judgement for query ${q}, document ${d}`);
    seen.add(key);
    const gain = cranfieldGain(c);
    if (gain === 0) { codeMinus1Dropped += 1; return; }
    let m = qrels.get(String(q));
    if (!m) { m = new Map(); qrels.set(String(q), m); }
    m.set(String(d), gain);
  });
  return { qrels, quirks: { codeMinus1Dropped } };
}

/**
 * A limited retrieval task. With `limit` at least the number of queries (quick): every query, and
 * the corpus cut to the documents they judge plus `limit` evenly spaced others. With fewer (smoke):
 * evenly spaced queries, as many as fit in TEXTS_PER_LIMITED_ITEM × limit texts together with the
 * documents they judge and `distractorCount(limit)` evenly spaced distractors — what the sample
 * needs, never the whole corpus; the same for every design and reference row.
 */

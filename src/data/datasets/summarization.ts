// Parsers of the raw summarization (REALSumm) datasets: file bytes → records (./records.ts), each stated format
// rule counted in `quirks`. Below both the evaluation tasks (src/eval/tasks/summarization.ts) and the training triples.
import { DataFormatError, decodeUtf8 } from '../text.ts';
import type { Quirks, SystemSummary, SummarizationDocument } from './records.ts';

/** REALSumm texts are sentence-split with `<t> … </t>` markers: they become spaces. */
export function stripSentenceMarkers(s: string): string {
  return s.replace(/<\/?t>/g, ' ').replace(/\s+/g, ' ').trim();
}

interface RawDoc { reference: string; summaries: Map<string, { text: string; raw: string; human: number }> }

/** One REALSumm score file (`abs.json` / `ext.json`, converted from the upstream pickles):
 *  `{ "<doc_id>": { doc_id, ref_summ, system_summaries: { "<system>.txt": { system_summary,
 *  scores: { litepyramid_recall, … } } } } }`. Markers are stripped (`markedTexts` counts texts
 *  that had them); the human score is `litepyramid_recall` in [0, 1]. */
export function parseRealSummScores(bytes: Uint8Array, fileName: string): { docs: Map<string, RawDoc>; quirks: Quirks } {
  let json: unknown;
  try { json = JSON.parse(decodeUtf8(bytes, fileName).text); } catch (e) {
    if (e instanceof DataFormatError) throw e;
    throw new DataFormatError(fileName, 'top level', `invalid JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new DataFormatError(fileName, 'top level', 'expected an object keyed by doc_id');
  const docs = new Map<string, RawDoc>();
  let markedTexts = 0;
  const clean = (s: string) => { if (/<\/?t>/.test(s)) markedTexts += 1; return stripSentenceMarkers(s); };
  for (const [key, v] of Object.entries(json as Record<string, unknown>)) {
    const where = `doc ${key}`;
    const d = v as { doc_id?: unknown; ref_summ?: unknown; system_summaries?: unknown };
    if (typeof d !== 'object' || d === null) throw new DataFormatError(fileName, where, 'not an object');
    if (String(d.doc_id) !== key) throw new DataFormatError(fileName, where, `doc_id ${JSON.stringify(d.doc_id)} differs from its key`);
    if (typeof d.ref_summ !== 'string' || stripSentenceMarkers(d.ref_summ) === '') throw new DataFormatError(fileName, where, 'missing or empty ref_summ');
    if (typeof d.system_summaries !== 'object' || d.system_summaries === null) throw new DataFormatError(fileName, where, 'missing system_summaries');
    const summaries = new Map<string, { text: string; raw: string; human: number }>();
    for (const [sys, sv] of Object.entries(d.system_summaries as Record<string, unknown>)) {
      const s = sv as { system_summary?: unknown; scores?: { litepyramid_recall?: unknown } };
      const w = `${where} / system ${sys}`;
      if (typeof s?.system_summary !== 'string') throw new DataFormatError(fileName, w, 'missing system_summary');
      const human = s.scores?.litepyramid_recall;
      if (typeof human !== 'number' || !(human >= 0 && human <= 1)) throw new DataFormatError(fileName, w, `litepyramid_recall ${JSON.stringify(human)} is not a number in [0, 1]`);
      const text = clean(s.system_summary);
      if (text === '') throw new DataFormatError(fileName, w, 'empty system_summary');
      summaries.set(sys, { text, raw: s.system_summary, human });
    }
    docs.set(key, { reference: clean(d.ref_summ), summaries });
  }
  return { docs, quirks: { markedTexts } };
}

/** Merges the abstractive and extractive files: the same documents and references are required;
 *  a system in both files (`bart_out.txt`) must have the same summary and score and is kept once
 *  (`duplicateSystems` counts such (document, system) entries). Documents sorted by numeric id,
 *  systems by name; the `.txt` suffix is dropped from system names. */
export function mergeRealSumm(
  parts: { fileName: string; docs: Map<string, RawDoc> }[],
): { documents: SummarizationDocument[]; quirks: Quirks } {
  const [first, ...rest] = parts;
  if (!first) return { documents: [], quirks: { duplicateSystems: 0 } };
  let duplicateSystems = 0;
  const documents: SummarizationDocument[] = [];
  const keys = [...first.docs.keys()].sort((a, b) => Number(a) - Number(b));
  for (const p of rest) {
    if (p.docs.size !== first.docs.size || [...p.docs.keys()].some((k) => !first.docs.has(k))) {
      throw new DataFormatError(p.fileName, 'top level', `its document ids differ from those of ${first.fileName}`);
    }
  }
  for (const key of keys) {
    const ref = first.docs.get(key)!.reference;
    const merged = new Map<string, SystemSummary>();
    for (const p of parts) {
      const d = p.docs.get(key)!;
      if (d.reference !== ref) throw new DataFormatError(p.fileName, `doc ${key}`, `reference differs from the one in ${first.fileName}`);
      for (const [sys, s] of d.summaries) {
        const name = sys.replace(/\.txt$/, '');
        const prev = merged.get(name);
        if (prev) {
          if (prev.text !== s.text || prev.human !== s.human) throw new DataFormatError(p.fileName, `doc ${key} / system ${sys}`, 'appears in two files with different summaries or scores');
          duplicateSystems += 1;
          continue;
        }
        merged.set(name, { system: name, text: s.text, human: s.human });
      }
    }
    const summaries = [...merged.values()].sort((a, b) => (a.system < b.system ? -1 : a.system > b.system ? 1 : 0));
    documents.push({ docId: key, reference: ref, summaries });
  }
  return { documents, quirks: { duplicateSystems } };
}

/**
 * A limited summarization task: evenly spaced documents, as many as fit in
 * TEXTS_PER_LIMITED_ITEM × limit texts with their reference and every system summary (a document's
 * score needs all its summaries); every document when `limit` reaches their number (quick). At least one.
 */

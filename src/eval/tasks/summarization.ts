// Summarization tasks: per document, Spearman correlation of cosine(system summary, reference)
// with the human score, averaged over documents (SummEval-like). REALSumm.
import { readDataFile } from '../../data/files.ts';
import { limitByTexts } from './sampling.ts';
import type { SummarizationTask } from './types.ts';
import type { SummarizationDocument } from '../../data/datasets/records.ts';
import { parseRealSummScores, mergeRealSumm } from '../../data/datasets/summarization.ts';

export function limitSummarization(documents: SummarizationDocument[], limit: number | undefined): SummarizationDocument[] {
  return limitByTexts(documents, limit, (d) => 1 + d.summaries.length);
}

export const REALSumm: SummarizationTask = {
  name: 'REALSumm', category: 'Summarization', mainScore: 'cos_sim.spearman', instructed: 'all',
  instruction: 'Given a news summary, retrieve other semantically similar summaries',
  description: 'REALSumm (Bhandari et al., 2020): 100 CNN/DailyMail documents × 24 systems, LitePyramid recall',
  license: 'CC BY 4.0',
  async load(opts) {
    const files = ['data/summarization/realsumm/abs.json', 'data/summarization/realsumm/ext.json'];
    const parts = [];
    let markedTexts = 0;
    for (const f of files) {
      const r = parseRealSummScores(await readDataFile(f), f);
      parts.push({ fileName: f, docs: r.docs });
      markedTexts += r.quirks.markedTexts!;
    }
    const m = mergeRealSumm(parts);
    return { documents: limitSummarization(m.documents, opts?.limit), quirks: { markedTexts, ...m.quirks }, files };
  },
};

export const summarizationTasks: SummarizationTask[] = [REALSumm];

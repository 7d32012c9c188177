// Every figure of a study run, built from the run folder's files (stats.json, seed-*/<design>/loss.jsonl,
// the trained heads) and exported (PNG at 300 dpi, SVG, PDF: exportFigures' one setting) into <run>/figures. The figure inputs are also kept as
// <run>/figures/data.json so a notebook can restyle them without recomputing.
import { existsSync, readFileSync } from 'node:fs';
import {
  categoryScoresFigure, datasetScoresFigure, differenceHeatmapFigure, exportFigures, layerNormsFigure,
  layerSpearmanFigure, lossCurvesFigure, readLossCurves, type CategoryScores, type DatasetScores,
  type DifferenceTable, type Figure, type LayerSeries, type LayerWeights,
} from './index.ts';
import type { ImageFormat } from './export.ts';
import type { Stats } from '../report/analysis.ts';
import { studentTCdf } from '../stats/special.ts';
import { writeJsonAtomic } from '../io/atomic.ts';
import { trainedDesignsIn } from './inputs.ts';
import { figureDataFile, figuresDir, finalConfigFile, seedDirs, statsFile } from '../run-folder.ts';
import { convergenceLabel } from '../report/convergence.ts';

export interface RunFigureData {
  loss: ReturnType<typeof readLossCurves>;
  categoryScores: CategoryScores;
  intervalMethod: string;
  differences: DifferenceTable;
  datasetScores: DatasetScores;
  /** dataset → task category, and the categories' order (the dataset figure groups by them) */
  datasetCategories: Record<string, string>;
  categories: string[];
  layerSpearman: LayerSeries[];
  layerNorms: LayerWeights[];
}

function tQuantile(p: number, df: number): number {
  let lo = 0, hi = 1000;
  for (let i = 0; i < 200; i++) { const mid = (lo + hi) / 2; if (studentTCdf(mid, df) < p) lo = mid; else hi = mid; }
  return (lo + hi) / 2;
}

/** Category scores with a 95% interval: a t-interval over seeds when there are several, else none. */
function categoryIntervals(stats: Stats): { scores: CategoryScores; method: string } {
  const scores: CategoryScores = {};
  let multi = false;
  for (const [design, cats] of Object.entries(stats.category_scores)) {
    scores[design] = {};
    for (const [cat, c] of Object.entries(cats)) {
      const s = c.seeds;
      if (s && s.n >= 2 && Number.isFinite(s.sd)) {
        multi = true;
        const half = tQuantile(0.975, s.n - 1) * s.sd / Math.sqrt(s.n);
        scores[design]![cat] = { mean: c.score, lo: c.score - half, hi: c.score + half };
      } else {
        scores[design]![cat] = { mean: c.score, lo: c.score, hi: c.score };
      }
    }
  }
  return { scores, method: multi ? '95% t-interval over training seeds' : 'one seed: no interval' };
}

export function differenceTable(stats: Stats): DifferenceTable {
  const rows = stats.tested;
  const cols = stats.categories;
  const cell = (d: string, c: string) => stats.category_tests.find((t) => t.design === d && t.category === c);
  return {
    rows: rows.map((d) => convergenceLabel(stats.convergence, d)), cols, reference: stats.baseline,
    values: rows.map((d) => cols.map((c) => cell(d, c)?.difference ?? null)),
    marks: rows.map((d) => cols.map((c) => {
      const t = cell(d, c);
      return `${t?.wilcoxon?.pvalue != null && t.wilcoxon.pvalue < 0.05 ? '*' : ''}${t?.p_holm != null && t.p_holm < 0.05 ? '†' : ''}`;
    })),
  };
}

function datasetCategories(stats: Stats): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sets of Object.values(stats.dataset_scores)) for (const [k, v] of Object.entries(sets)) out[k] ??= v.category;
  return out;
}

function datasetScores(stats: Stats): DatasetScores {
  const out: DatasetScores = {};
  for (const [design, sets] of Object.entries(stats.dataset_scores)) {
    out[design] = Object.fromEntries(Object.entries(sets).map(([k, v]) => [k, v.seeds.mean]));
  }
  return out;
}

/** Per-layer STS Spearman of the base model and each trained design, and the multi-layer heads' layer-embedding norms. */
export async function layerAnalysis(seedDir: string, limit: number): Promise<{ spearman: LayerSeries[]; norms: LayerWeights[] }> {
  const { initBackend } = await import('../backend/index.ts');
  const { loadModel } = await import('../model/load.ts');
  const { loadEmbeddingModel } = await import('../embedding/embedding-model.ts');
  const { layerwiseSTS, layerEmbeddingNorms } = await import('../eval/layer-analysis.ts');
  const { taskByName } = await import('../eval/tasks/index.ts');
  // an informational line on stdout: in a notebook, stderr shows as a pink error box
  console.log(`[backend] ${await initBackend({ quiet: true })}`);
  // the base model and length the run's designs were trained and evaluated with (its run.json): the
  // base row must see the same texts as the fine-tuned rows, or layer 0 (untouched by training) differs
  const { requireRunSpec } = await import('../run-spec.ts');
  const { profile } = requireRunSpec(seedDir, 'figures');
  const base = await loadModel(profile.model);
  const { pairs } = (await taskByName('STSBenchmark').load({ limit })) as { pairs: import('../data/datasets/records.ts').StsPair[] };
  const spearman: LayerSeries[] = [];
  const norms: LayerWeights[] = [];
  const baseEm = await loadEmbeddingModel(undefined, 'base-mean', { base, maxLen: profile.maxLen });
  const b = await layerwiseSTS(baseEm, pairs);
  spearman.push({ name: 'base (mean)', design: 'base-mean', layers: b.map((x) => x.layer), spearman: b.map((x) => x.spearman), dash: 'dash' });
  for (const design of trainedDesignsIn(seedDir, finalConfigFile)) {
    const em = await loadEmbeddingModel(seedDir, design, { base });
    const s = await layerwiseSTS(em, pairs);
    spearman.push({ name: `${design} (fine-tuned, mean)`, design, layers: s.map((x) => x.layer), spearman: s.map((x) => x.spearman) });
    const n = await layerEmbeddingNorms(em);
    if (n) norms.push({ design, layers: n.map((_, i) => i + 1), values: n });
  }
  return { spearman, norms };
}

export async function writeRunFigures(runDir: string, opts: { layerPairs?: number; formats?: ImageFormat[]; dpi?: number } = {}): Promise<string[]> {
  const file = statsFile(runDir);
  if (!existsSync(file)) throw new Error(`${file} does not exist: run 'compare --run ${runDir}' first`);
  const stats = JSON.parse(readFileSync(file, 'utf8')) as Stats;
  const firstSeed = seedDirs(runDir)[0]!;
  const trained = trainedDesignsIn(firstSeed);
  const { scores, method } = categoryIntervals(stats);
  const layers = await layerAnalysis(firstSeed, opts.layerPairs ?? 500);
  const data: RunFigureData = {
    loss: readLossCurves(firstSeed, trained), categoryScores: scores, intervalMethod: method,
    differences: differenceTable(stats), datasetScores: datasetScores(stats),
    datasetCategories: datasetCategories(stats), categories: stats.categories,
    layerSpearman: layers.spearman, layerNorms: layers.norms,
  };
  const figs: { name: string; figure: Figure }[] = [
    { name: 'loss-curves', figure: lossCurvesFigure(data.loss) },
    { name: 'category-scores', figure: categoryScoresFigure(data.categoryScores, { title: `Category scores (${method})`, labels: Object.fromEntries(Object.keys(data.categoryScores).map((d) => [d, convergenceLabel(stats.convergence, d)])) }) },
    { name: 'difference-heatmap', figure: differenceHeatmapFigure(data.differences, { title: `Difference to ${stats.baseline} (* Wilcoxon p<0.05, † Holm p<0.05)` }) },
    { name: 'dataset-scores', figure: datasetScoresFigure(data.datasetScores, { categories: data.datasetCategories, categoryOrder: data.categories }) },
    { name: 'layer-spearman', figure: layerSpearmanFigure(data.layerSpearman) },
    ...data.layerNorms.map((w) => ({ name: `layer-embedding-norms-${w.design}`, figure: layerNormsFigure(w) })),
  ];
  const dir = figuresDir(runDir);
  const written = await exportFigures(figs, dir, { formats: opts.formats, dpi: opts.dpi });
  writeJsonAtomic(figureDataFile(runDir), data);
  return written;
}

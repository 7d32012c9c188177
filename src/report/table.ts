// The paper-style table as data: rows = designs, columns = categories; Model 1 absolute, the other
// designs as differences to it with significance marks; beside each of our cells the paper's
// published Mistral-7B number and whether the direction of the effect agrees — only where our
// Wilcoxon test over the category's datasets could reach significance at all: with fewer than six
// datasets it cannot, so the cell says "untestable (n = k)" and the per-dataset permutation tests
// stand in for it. The Markdown, HTML and LaTeX writers only format this structure.
import type { Stats, CategoryTest } from './analysis.ts';
import { paperRow, type PaperTable } from './paper-table.ts';
import { minExactTwoSidedP } from '../stats/wilcoxon.ts';
import { designByName } from '../designs.ts';
import { seedDirs } from '../run-folder.ts';
import { formatDifference, formatScore, MINUS } from './format.ts';
import { detectability, KMEANS_NOTE, type Detectability } from './detectability.ts';

export const MARKS = {
  wilcoxon: '*',
  holm: '†',
  seeds: '‡',
} as const;

export type RowKind = 'baseline' | 'tested' | 'reference';

export interface Cell {
  /** our score (absolute) or difference to the baseline; null when the design lacks the category */
  value: number | null;
  /** seed standard deviation of an absolute score (several seeds only) */
  sd: number | null;
  /** significance marks in the order *, †, ‡ */
  marks: string;
  /** the paper's number for this cell, if it published one */
  paper: { value: number; significant: boolean } | null;
  /** same sign as the paper's difference (tested rows with a paper number, testable categories only) */
  agrees: boolean | null;
  /** the category has too few datasets for the exact Wilcoxon test to reach p < alpha: n datasets */
  untestable: { n: number; minP: number } | null;
}

/** One dataset of a category the Wilcoxon test cannot decide: its own paired permutation test. */
export interface PerDatasetTest {
  dataset: string;
  difference: number;
  /** permutation p over the dataset's samples (null when the per-sample test was skipped) */
  p: number | null;
  p_holm: number | null;
  /** what the test could have found (src/report/detectability.ts); null when it was skipped */
  detect: Detectability | null;
}

/** The per-dataset tests of one design in one untestable category. */
export interface UntestableGroup {
  design: string;
  category: string;
  n: number;
  minP: number;
  datasets: PerDatasetTest[];
}

/** A user's own task for one design (outside the category columns): the baseline's and references'
 *  score absolute, a tested design's as the difference to the baseline with its permutation test. */
export interface UserTaskRow {
  dataset: string;
  category: string;
  design: string;
  kind: RowKind;
  value: number;
  p: number | null;
  p_holm: number | null;
  detect: Detectability | null;
}

export interface TableRow {
  design: string;
  /** the design's label; a design stats.json records as not converged carries its note ("… — not converged: loss X vs m1 Y") */
  label: string;
  kind: RowKind;
  cells: Record<string, Cell>;
  /** stats.json → convergence[design].note when the design did not converge */
  notConverged?: string;
}

export interface Table {
  categories: string[];
  rows: TableRow[];
  /** paper model the side columns come from */
  paperModel: string;
  notes: string[];
  /** per-dataset permutation tests where the category test is untestable */
  untestable: UntestableGroup[];
  /** the user's own tasks, kept out of the columns above */
  userTasks: UserTaskRow[];
}

export const DESIGN_LABELS: Record<string, string> = {
  m1: 'Model 1 (EOS-last, causal)',
  m2: 'Model 2 (last-layer trainable, causal)',
  m3: 'Model 3 (multi-layer trainable, causal)',
  m4: 'Model 4 (last-layer trainable, bidirectional)',
  m5: 'Model 5 (multi-layer trainable, bidirectional)',
  m6: 'Model 6 (NV-Embed latent attention)',
  'base-mean': 'base model, mean pooling (reference)',
  'base-eos': 'base model, EOS-last (reference)',
  'use-lite': 'Universal Sentence Encoder lite (reference)',
  minilm: 'all-MiniLM-L6-v2 (reference)',
};

/**
 * A design's row label: the study's descriptive name, else a user design named with its pooling
 * (`m7 (max)`), found in this process (registerDesign) or in the run folder's seed folders; else the
 * bare name.
 */
export function designLabel(design: string, runDir?: string): string {
  const fixed = DESIGN_LABELS[design];
  if (fixed) return fixed;
  for (const dir of [undefined, ...(runDir ? seedDirs(runDir) : [])]) {
    try {
      const pooling = designByName(design, dir).pooling;
      return pooling && pooling !== design ? `${design} (${pooling})` : design;
    } catch { /* not known there */ }
  }
  return design;
}

export function buildTable(stats: Stats, paper: PaperTable, opts: { runDir?: string } = {}): Table {
  const alpha = stats.options.alpha;
  const testOf = (design: string, cat: string): CategoryTest | undefined =>
    stats.category_tests.find((t) => t.design === design && t.category === cat);
  const rows: TableRow[] = [];
  const untestable: UntestableGroup[] = [];
  const order: [string, RowKind][] = [
    [stats.baseline, 'baseline'],
    ...stats.tested.map((d): [string, RowKind] => [d, 'tested']),
    ...stats.references.map((d): [string, RowKind] => [d, 'reference']),
  ];
  for (const [design, kind] of order) {
    const p = paperRow(paper, design);
    const cells: Record<string, Cell> = {};
    for (const cat of stats.categories) {
      const cs = stats.category_scores[design]?.[cat];
      const pv = p?.values[cat];
      const paperCell = pv === undefined ? null : { value: pv, significant: p!.significant[cat] ?? false };
      if (kind === 'tested') {
        const t = testOf(design, cat);
        let marks = '';
        if (t?.wilcoxon?.pvalue != null && t.wilcoxon.pvalue < alpha) marks += MARKS.wilcoxon;
        if (t?.p_holm != null && t.p_holm < alpha) marks += MARKS.holm;
        if (t?.seed_test && t.seed_test.pvalue < alpha) marks += MARKS.seeds;
        const value = t ? t.difference : null;
        const n = t ? t.datasets.length : 0, minP = minExactTwoSidedP(n);
        const cannot = t !== undefined && minP >= alpha ? { n, minP } : null;
        const agrees = value === null || paperCell === null || value === 0 || cannot ? null : Math.sign(value) === Math.sign(paperCell.value);
        cells[cat] = { value, sd: null, marks, paper: paperCell, agrees, untestable: cannot };
        if (cannot) {
          untestable.push({
            design, category: cat, n, minP,
            datasets: t!.datasets.map((d) => {
              const dt = stats.dataset_tests.find((x) => x.design === design && x.dataset === d);
              return { dataset: d, difference: dt?.difference ?? NaN, p: dt?.per_sample?.permutation.pvalue ?? null, p_holm: dt?.per_sample?.p_holm ?? null, detect: dt ? detectability(dt, stats.dataset_tests, alpha) : null };
            }),
          });
        }
      } else {
        const sd = cs?.seeds && cs.seeds.n >= 2 ? cs.seeds.sd : null;
        cells[cat] = { value: cs ? cs.score : null, sd, marks: '', paper: kind === 'baseline' ? paperCell : null, agrees: null, untestable: null };
      }
    }
    const conv = stats.convergence?.[design];
    const label = designLabel(design, opts.runDir);
    rows.push(conv && !conv.converged ? { design, label: `${label} — ${conv.note}`, kind, cells, notConverged: conv.note } : { design, label, kind, cells });
  }
  const nSeeds = stats.seeds.length;
  const notes = [
    `${DESIGN_LABELS[stats.baseline] ?? stats.baseline}: absolute category scores (mean over the category's datasets of the main score${nSeeds > 1 ? `, averaged over ${nSeeds} seeds; ± seed sd` : ''}); other designs: difference to it over the datasets both have; references: absolute, not tested.`,
    `${MARKS.wilcoxon} Wilcoxon signed-rank over the category's datasets, two-sided p < ${alpha}, uncorrected (the paper's rule).`,
    `${MARKS.holm} Holm-adjusted p < ${alpha} over all ${stats.category_tests.length} design × category Wilcoxon tests.`,
    ...(nSeeds > 1 ? [`${MARKS.seeds} paired t-test over the ${nSeeds} seeds (same triple order and initialisation per seed) of the per-seed category scores against the baseline's, p < ${alpha}, uncorrected.`] : []),
    `Paper: Tang & Yang (2024), ${paper.base_model} (${MARKS.wilcoxon} = significant there); ✓/✗: our difference has the same/opposite sign as the paper's, shown only where our Wilcoxon test can reach p < ${alpha}.`,
    `untestable (n = k): with k datasets the exact two-sided Wilcoxon test cannot go below p = 2/2^k (≥ 0.0625 for k < 6), so no sign agreement is claimed there; the per-dataset paired permutation tests stand in for it (below, and in stats.json).`,
    `Per-dataset tests: MDD (80%) = the difference the test detects with 80% power at two-sided p < ${alpha}, (z_0.975 + z_0.80) × the bootstrap standard error SE, about 2.80 × SE; min p = the smallest p its permutation test can give (2^(1−n) for an exact test over n samples with a non-zero difference, 2/(resamples + 1) for a Monte Carlo one); "cannot reach Holm": min p is not below Holm's first threshold ${alpha}/m, so no data could make it survive Holm. Clustering's per-dataset tests are ${KMEANS_NOTE} (the evaluator keeps one V-measure per seeded k-means run).`,
    stats.convergence
      ? (rows.some((r) => r.notConverged)
        ? `Not converged (src/report/convergence.ts: the training loss is neither flat over the last fifth nor within 10% of ${stats.baseline}'s final loss): ${rows.filter((r) => r.notConverged).map((r) => `${r.design} (${r.notConverged})`).join('; ')}; their differences measure an unfinished head, not the design.`
        : `Every trained design converged (src/report/convergence.ts: flat over the last fifth of training, or within 10% of ${stats.baseline}'s final loss).`)
      : 'Convergence: not recorded in this stats.json (written before compare read the loss curves).',
  ];
  const userTasks: UserTaskRow[] = [];
  const ut = stats.user_tasks ?? { datasets: {}, scores: {}, tests: [] }; // absent in stats.json written before it
  for (const [dataset, category] of Object.entries(ut.datasets)) {
    for (const [design, kind] of order) {
      const score = ut.scores[design]?.[dataset];
      if (!score) continue;
      const t = kind === 'tested' ? ut.tests.find((x) => x.design === design && x.dataset === dataset) : undefined;
      if (kind === 'tested' && !t) continue; // the baseline lacks this task: nothing to compare with
      userTasks.push({
        dataset, category, design, kind, value: t ? t.difference : score.mean,
        p: t?.per_sample?.permutation.pvalue ?? null, p_holm: t?.per_sample?.p_holm ?? null,
        detect: t ? detectability(t, ut.tests, alpha) : null,
      });
    }
  }
  return { categories: stats.categories, rows, paperModel: paper.base_model, notes, untestable, userTasks };
}

/** A table cell's number: an absolute score, or (signed) a difference with an explicit sign
 *  (src/report/format.ts: the one formatter for each kind, also used by notebooks and figures). */
export function formatNumber(v: number, signed: boolean, minus = MINUS): string {
  return signed ? formatDifference(v, 4, minus) : formatScore(v, 4, minus);
}

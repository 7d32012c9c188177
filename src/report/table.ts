// The paper-style table as data: rows = designs, columns = categories; Model 1 absolute, the other
// designs as differences to it with significance marks; beside each of our cells the paper's
// published Mistral-7B number and whether the direction of the effect agrees. The Markdown,
// HTML and LaTeX writers only format this structure.
import type { Stats, CategoryTest } from './analysis.ts';
import { paperRow, type PaperTable } from './paperTable.ts';

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
  /** same sign as the paper's difference (tested rows with a paper number only) */
  agrees: boolean | null;
}

export interface TableRow {
  design: string;
  label: string;
  kind: RowKind;
  cells: Record<string, Cell>;
}

export interface Table {
  categories: string[];
  rows: TableRow[];
  /** paper model the side columns come from */
  paperModel: string;
  notes: string[];
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
};

export function buildTable(stats: Stats, paper: PaperTable): Table {
  const alpha = stats.options.alpha;
  const testOf = (design: string, cat: string): CategoryTest | undefined =>
    stats.category_tests.find((t) => t.design === design && t.category === cat);
  const rows: TableRow[] = [];
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
        const agrees = value === null || paperCell === null || value === 0 ? null : Math.sign(value) === Math.sign(paperCell.value);
        cells[cat] = { value, sd: null, marks, paper: paperCell, agrees };
      } else {
        const sd = cs?.seeds && cs.seeds.n >= 2 ? cs.seeds.sd : null;
        cells[cat] = { value: cs ? cs.score : null, sd, marks: '', paper: kind === 'baseline' ? paperCell : null, agrees: null };
      }
    }
    rows.push({ design, label: DESIGN_LABELS[design] ?? design, kind, cells });
  }
  const nSeeds = stats.seeds.length;
  const notes = [
    `${DESIGN_LABELS[stats.baseline] ?? stats.baseline}: absolute category scores (mean over the category's datasets of the main score${nSeeds > 1 ? `, averaged over ${nSeeds} seeds; ± seed sd` : ''}); other designs: difference to it over the datasets both have; references: absolute, not tested.`,
    `${MARKS.wilcoxon} Wilcoxon signed-rank over the category's datasets, two-sided p < ${alpha}, uncorrected (the paper's rule).`,
    `${MARKS.holm} Holm-adjusted p < ${alpha} over all ${stats.category_tests.length} design × category Wilcoxon tests.`,
    ...(nSeeds > 1 ? [`${MARKS.seeds} Welch t-test of the per-seed category scores against the baseline's, p < ${alpha}, uncorrected.`] : []),
    `Paper: Tang & Yang (2024), ${paper.base_model} (${MARKS.wilcoxon} = significant there); ✓/✗: our difference has the same/opposite sign as the paper's.`,
    'With n datasets the exact two-sided Wilcoxon test cannot reach p < 0.05 below n = 6; per-dataset bootstrap and permutation tests are in stats.json.',
  ];
  return { categories: stats.categories, rows, paperModel: paper.base_model, notes };
}

/** Fixed-point formatting: absolute scores plain, differences with an explicit sign (U+2212 minus). */
export function formatNumber(v: number, signed: boolean, minus = '−'): string {
  const s = Math.abs(v).toFixed(4);
  if (!signed) return v < 0 ? minus + s : s;
  if (Number(s) === 0) return '±' + s;
  return (v < 0 ? minus : '+') + s;
}

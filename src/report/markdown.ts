// Markdown writer for the paper-style table.
import { formatNumber, type Table, type Cell, type RowKind } from './table.ts';
import { formatP, formatScore } from './format.ts';
import { KMEANS_NOTE, type Detectability } from './detectability.ts';

export function ourText(c: Cell, kind: RowKind, minus = '−'): string {
  if (c.value === null) return '—';
  const v = formatNumber(c.value, kind === 'tested', minus);
  return v + (c.sd !== null ? ` ± ${formatScore(c.sd, 4, minus)}` : '') + c.marks;
}

export function paperText(c: Cell, kind: RowKind, minus = '−'): string {
  if (!c.paper) return '—';
  const v = formatNumber(c.paper.value, kind === 'tested', minus) + (c.paper.significant ? '*' : '');
  if (c.untestable) return `${v} untestable (n = ${c.untestable.n})`;
  return c.agrees === null ? v : `${v} ${c.agrees ? '✓' : '✗'}`;
}

/** p as text: 4 decimals, or '<0.0001'; '—' when missing. */
export function pText(p: number | null): string {
  return formatP(p);
}

/** A per-dataset test's MDD (80%) and smallest attainable p, "(cannot reach Holm)" where it is above Holm's first threshold. */
export function detectTexts(d: Detectability | null, minus = '−'): [string, string] {
  if (!d) return ['—', '—'];
  return [d.mdd_80 === null ? '—' : formatScore(d.mdd_80, 4, minus), `${formatP(d.min_p)}${d.can_reach_holm ? '' : ' (cannot reach Holm)'}`];
}

/** A dataset's name, with the unit its test runs over when that is not items. */
export function datasetText(dataset: string, d: Detectability | null): string {
  return d?.unit === 'k-means runs' ? `${dataset} (${KMEANS_NOTE})` : dataset;
}

/** The per-dataset permutation tests of the categories the Wilcoxon test cannot decide. */
export function untestableToMarkdown(t: Table, minus = '−'): string {
  if (t.untestable.length === 0) return '';
  const lines = [
    '**Categories the Wilcoxon test cannot decide** (fewer than six datasets): each dataset\'s paired permutation test over its samples (queries, pairs, texts; seeds paired), difference to the baseline, p and Holm-adjusted p over all per-dataset tests, and what each test could have found (MDD at 80% power, smallest attainable p; see the notes above).',
    '',
    '| design | category | n | dataset | difference | permutation p | Holm p | MDD (80%) | min p |',
    '|---|---|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const g of t.untestable) {
    for (const d of g.datasets) {
      lines.push(`| ${g.design} | ${g.category} | ${g.n} | ${datasetText(d.dataset, d.detect)} | ${Number.isFinite(d.difference) ? formatNumber(d.difference, true, minus) : '—'} | ${pText(d.p)} | ${pText(d.p_holm)} | ${detectTexts(d.detect, minus).join(' | ')} |`);
    }
  }
  return lines.join('\n') + '\n';
}

/** The user's own tasks, below the paper's table and outside its category means. */
export function userTasksToMarkdown(t: Table, minus = '−'): string {
  if (t.userTasks.length === 0) return '';
  const lines = [
    '**Your own tasks** (registered by the user; not in the category means or tests above): the baseline and references absolute, tested designs as the difference to the baseline with a paired permutation test over the task\'s samples (Holm over these tests only).',
    '',
    '| task | category | design | score / difference | permutation p | Holm p | MDD (80%) | min p |',
    '|---|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of t.userTasks) {
    lines.push(`| ${datasetText(r.dataset, r.detect)} | ${r.category} | ${r.design} | ${formatNumber(r.value, r.kind === 'tested', minus)} | ${pText(r.p)} | ${pText(r.p_holm)} | ${detectTexts(r.detect, minus).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

export function tableToMarkdown(t: Table): string {
  const head = ['design', ...t.categories.flatMap((c) => [c, `${c} (paper)`])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of t.rows) {
    const cells = t.categories.flatMap((c) => [ourText(r.cells[c]!, r.kind), paperText(r.cells[c]!, r.kind)]);
    lines.push(`| ${[r.label, ...cells].join(' | ')} |`);
  }
  const extra = [untestableToMarkdown(t), userTasksToMarkdown(t)].filter((x) => x !== '');
  return `${lines.join('\n')}\n\n${t.notes.map((n) => `- ${n}`).join('\n')}\n${extra.map((x) => `\n${x}`).join('')}`;
}

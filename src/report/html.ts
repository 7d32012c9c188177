// HTML writer for the paper-style table (a standalone fragment with a caption and notes).
import { type Table } from './table.ts';
import { datasetText, detectTexts, ourText, paperText, pText } from './markdown.ts';
import { formatNumber } from './table.ts';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function tableToHtml(t: Table): string {
  const th = (s: string, attrs = ''): string => `<th${attrs}>${escapeHtml(s)}</th>`;
  const head1 = `<tr>${th('design', ' rowspan="2"')}${t.categories.map((c) => th(c, ' colspan="2"')).join('')}</tr>`;
  const head2 = `<tr>${t.categories.map(() => th('ours') + th(`paper (${t.paperModel})`)).join('')}</tr>`;
  const body = t.rows.map((r) => {
    const tds = t.categories.map((c) => {
      const cell = r.cells[c]!;
      const cls = cell.agrees === null ? '' : cell.agrees ? ' class="agree"' : ' class="disagree"';
      return `<td>${escapeHtml(ourText(cell, r.kind))}</td><td${cls}>${escapeHtml(paperText(cell, r.kind))}</td>`;
    }).join('');
    return `<tr class="${r.kind}"><th scope="row">${escapeHtml(r.label)}</th>${tds}</tr>`;
  }).join('\n');
  return [
    '<table class="paper-table">',
    '<caption>Category scores by design (ours beside the paper)</caption>',
    `<thead>${head1}\n${head2}</thead>`,
    `<tbody>\n${body}\n</tbody>`,
    '</table>',
    `<ul class="notes">${t.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`,
    ...(t.untestable.length ? [
      '<table class="paper-table untestable">',
      '<caption>Categories the Wilcoxon test cannot decide: per-dataset paired permutation tests</caption>',
      `<thead><tr>${['design', 'category', 'n', 'dataset', 'difference', 'permutation p', 'Holm p', 'MDD (80%)', 'min p'].map((h) => `<th>${h}</th>`).join('')}</tr></thead>`,
      '<tbody>',
      ...t.untestable.flatMap((g) => g.datasets.map((d) => `<tr>${[g.design, g.category, String(g.n), datasetText(d.dataset, d.detect),
        Number.isFinite(d.difference) ? formatNumber(d.difference, true) : '—', pText(d.p), pText(d.p_holm), ...detectTexts(d.detect)].map((x) => `<td>${escapeHtml(x)}</td>`).join('')}</tr>`)),
      '</tbody>', '</table>',
    ] : []),
    ...(t.userTasks.length ? [
      '<table class="paper-table user-tasks">',
      '<caption>Your own tasks (not in the category means above): baseline and references absolute, tested designs as the difference to the baseline</caption>',
      `<thead><tr>${['task', 'category', 'design', 'score / difference', 'permutation p', 'Holm p', 'MDD (80%)', 'min p'].map((h) => `<th>${h}</th>`).join('')}</tr></thead>`,
      '<tbody>',
      ...t.userTasks.map((r) => `<tr>${[datasetText(r.dataset, r.detect), r.category, r.design, formatNumber(r.value, r.kind === 'tested'), pText(r.p), pText(r.p_holm), ...detectTexts(r.detect)]
        .map((x) => `<td>${escapeHtml(x)}</td>`).join('')}</tr>`),
      '</tbody>', '</table>',
    ] : []),
    '',
  ].join('\n');
}

/** A standalone UTF-8 page around the table (the marks ✓ ✗ † ‡ − need the charset declared). */
export function htmlDocument(fragment: string, title = 'Pooling and attention: category scores'): string {
  return [
    '<!doctype html>', '<html lang="en">', '<head>', '<meta charset="utf-8">', `<title>${escapeHtml(title)}</title>`,
    '<style>',
    'table.paper-table { border-collapse: collapse; font: 14px/1.4 sans-serif; }',
    '.paper-table th, .paper-table td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: right; }',
    '.paper-table th[scope=row] { text-align: left; font-weight: normal; }',
    '.paper-table td.agree { color: #1a7f37; } .paper-table td.disagree { color: #cf222e; }',
    '.paper-table tr.reference { color: #666; }',
    '</style>', '</head>', '<body>', fragment, '</body>', '</html>', '',
  ].join('\n');
}

// Markdown writer for the paper-style table.
import { formatNumber, type Table, type Cell, type RowKind } from './table.ts';

export function ourText(c: Cell, kind: RowKind, minus = '−'): string {
  if (c.value === null) return '—';
  const v = formatNumber(c.value, kind === 'tested', minus);
  return v + (c.sd !== null ? ` ± ${c.sd.toFixed(4)}` : '') + c.marks;
}

export function paperText(c: Cell, kind: RowKind, minus = '−'): string {
  if (!c.paper) return '—';
  const v = formatNumber(c.paper.value, kind === 'tested', minus) + (c.paper.significant ? '*' : '');
  return c.agrees === null ? v : `${v} ${c.agrees ? '✓' : '✗'}`;
}

export function tableToMarkdown(t: Table): string {
  const head = ['design', ...t.categories.flatMap((c) => [c, `${c} (paper)`])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of t.rows) {
    const cells = t.categories.flatMap((c) => [ourText(r.cells[c]!, r.kind), paperText(r.cells[c]!, r.kind)]);
    lines.push(`| ${[r.label, ...cells].join(' | ')} |`);
  }
  return `${lines.join('\n')}\n\n${t.notes.map((n) => `- ${n}`).join('\n')}\n`;
}

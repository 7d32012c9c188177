// LaTeX writer for the paper-style table (booktabs; marks as superscripts).
import { formatNumber, type Table, type Cell, type RowKind } from './table.ts';
import { formatScore } from './format.ts';

const TEX_ESCAPES: Record<string, string> = {
  '\\': '\\textbackslash{}', '&': '\\&', '%': '\\%', '$': '\\$', '#': '\\#', '_': '\\_', '{': '\\{', '}': '\\}',
  '~': '\\textasciitilde{}', '^': '\\textasciicircum{}',
  // the few non-ASCII symbols the notes use, as commands (pdflatex-safe)
  '×': '$\\times$', '±': '$\\pm$', '−': '-', '✓': '\\checkmark{}', '✗': '$\\times$', '†': '$^\\dagger$', '‡': '$^\\ddagger$', '—': '--', '≥': '$\\geq$', '≤': '$\\leq$',
};

/** Escape text for LaTeX in one pass (so inserted commands are not escaped again). */
export function escapeLatex(s: string): string {
  return s.replace(/[\\&%$#_{}~^×±−✓✗†‡—≥≤]/g, (c) => TEX_ESCAPES[c]!);
}

const MARK_TEX: Record<string, string> = { '*': '*', '†': '\\dagger', '‡': '\\ddagger' };

function marksTex(marks: string): string {
  return marks ? `^{${[...marks].map((m) => MARK_TEX[m] ?? '').join('')}}` : '';
}

function ours(c: Cell, kind: RowKind): string {
  if (c.value === null) return '--';
  const v = formatNumber(c.value, kind === 'tested', '-');
  return `$${v}${c.sd !== null ? ` \\pm ${formatScore(c.sd, 4, '-')}` : ''}${marksTex(c.marks)}$`;
}

function paper(c: Cell, kind: RowKind): string {
  if (!c.paper) return '--';
  const v = `$${formatNumber(c.paper.value, kind === 'tested', '-')}${c.paper.significant ? '^{*}' : ''}$`;
  if (c.untestable) return `${v} \\textit{untestable (n = ${c.untestable.n})}`;
  return c.agrees === null ? v : `${v} ${c.agrees ? '\\checkmark' : '$\\times$'}`;
}

export function tableToLatex(t: Table): string {
  const cols = 'l' + 'rr'.repeat(t.categories.length);
  const head1 = ['', ...t.categories.map((c) => `\\multicolumn{2}{c}{${escapeLatex(c)}}`)].join(' & ');
  const rules = t.categories.map((_, i) => `\\cmidrule(lr){${2 + 2 * i}-${3 + 2 * i}}`).join(' ');
  const head2 = ['Design', ...t.categories.flatMap(() => ['ours', 'paper'])].join(' & ');
  const body = t.rows.map((r) => [escapeLatex(r.label), ...t.categories.flatMap((c) => [ours(r.cells[c]!, r.kind), paper(r.cells[c]!, r.kind)])].join(' & ') + ' \\\\');
  return [
    '% requires \\usepackage{booktabs} and \\usepackage{amssymb} (for \\checkmark)',
    '\\begin{table}[t]', '\\centering', '\\small',
    `\\begin{tabular}{${cols}}`, '\\toprule', `${head1} \\\\`, rules, `${head2} \\\\`, '\\midrule',
    ...body,
    '\\bottomrule', '\\end{tabular}',
    `\\caption{${escapeLatex(t.notes.join(' '))}}`,
    '\\end{table}', '',
  ].join('\n');
}

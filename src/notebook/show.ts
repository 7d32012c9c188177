// Inline Plotly figures and arquero tables in notebooks. plotly.min.js (4.8 MB) is embedded once
// per kernel process, in the output of the first figure shown; later figures wait for
// window.Plotly. No CDN: the saved notebook renders offline in a trusted JupyterLab/Notebook.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { ColumnTable } from 'arquero';
import type { Figure } from '../figures/figure.ts';
import { plotlyJsPath } from '../figures/export.ts';
import { displayHtml } from './display.ts';
import { columnKind, formatAs, formatCount, formatScore, type NumberKind } from '../report/format.ts';

let plotlyEmbedded = false;

/** Text safe to place inside a <script> element: no `</script`, no raw U+2028/U+2029. */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The <script> that defines window.Plotly, from node_modules. */
export function plotlyLibraryHtml(): string {
  const lib = readFileSync(plotlyJsPath(), 'utf8');
  // Skip the 4.8 MB parse when this page already has Plotly (an earlier output of the notebook).
  return `<script type="text/javascript">if (!window.Plotly) {\n${scriptSafe(lib)}\n}</script>`;
}

/**
 * HTML that draws `fig` with window.Plotly. `includePlotly` prepends the library itself.
 * Pure apart from the random element id.
 */
export function figureHtml(fig: Figure, opts: { includePlotly?: boolean; id?: string } = {}): string {
  const id = opts.id ?? `pa-fig-${randomBytes(6).toString('hex')}`;
  const height = fig.layout.height ?? 480;
  const width = fig.layout.width;
  const style = `height:${height}px;${width ? `max-width:${width}px;` : ''}width:100%`;
  const json = scriptSafe(JSON.stringify({ data: fig.data, layout: fig.layout }));
  const draw = `<div id="${id}" class="pa-plotly" style="${style}"></div>
<script type="text/javascript">(function () {
  var fig = ${json};
  var tries = 0;
  function draw() {
    if (window.Plotly) { window.Plotly.newPlot(${JSON.stringify(id)}, fig.data, fig.layout, { responsive: true, displaylogo: false }); }
    else if (tries++ < 200) { setTimeout(draw, 50); }
    else { document.getElementById(${JSON.stringify(id)}).textContent = 'plotly.js did not load: run the notebook again (Kernel > Restart and Run All) or trust it'; }
  }
  draw();
})();</script>`;
  return (opts.includePlotly ? plotlyLibraryHtml() + '\n' : '') + draw;
}

/** Show a figure inline; the first call in a kernel also embeds plotly.js. */
export function show(fig: Figure): void {
  const html = figureHtml(fig, { includePlotly: !plotlyEmbedded });
  plotlyEmbedded = true;
  displayHtml(html);
}

export interface TableOptions {
  limit?: number;
  caption?: string;
  /** decimals of score and difference columns (default 4) */
  digits?: number;
  /** a column's kind of number, where its name does not tell (see columnKind in src/report/format.ts) */
  kinds?: Record<string, NumberKind>;
}

/** Show an arquero table as HTML in the notebook. */
export function showTable(table: ColumnTable, opts: TableOptions = {}): void {
  displayHtml(tableHtml(table, opts));
}

/**
 * A number as a table shows it, alone: integers as they are, others as a score with exactly `digits`
 * decimals (src/report/format.ts) — never in exponent form (`-9.392e-5` in a three-digit column reads
 * as `-0.000`… which is then `0.000`), never `-0.000`, a true minus sign. In a table every number
 * of a column is formatted by the column's kind (columnFormatter).
 */
export function formatCell(v: unknown, digits: number): string {
  if (typeof v !== 'number') return v === null || v === undefined ? '' : String(v);
  if (Number.isInteger(v)) return formatCount(v);
  return formatScore(v, digits);
}

/** The formatter of one column: one kind of number for all its values (scores, differences, seconds, p, counts). */
export function columnFormatter(name: string, values: readonly unknown[], digits: number, kind?: NumberKind): (v: unknown) => string {
  const k = kind ?? columnKind(name, values);
  return (v: unknown) => (typeof v === 'number' ? formatAs(k, v, digits) : v === null || v === undefined ? '' : String(v));
}

/** An arquero table as HTML: first `limit` rows (default 50), an optional caption; wide tables scroll inside the page width. */
export function tableHtml(table: ColumnTable, opts: TableOptions = {}): string {
  const limit = opts.limit ?? 50;
  const digits = opts.digits ?? 4;
  // arquero escapes the formatted text itself
  const format = Object.fromEntries(table.columnNames().map((c) => [c, columnFormatter(c, table.array(c) as unknown[], digits, opts.kinds?.[c])]));
  const html = `<div style="max-width:100%;overflow-x:auto">${table.toHTML({ limit, format })}</div>`;
  const caption = opts.caption ? `<p><b>${escapeHtml(opts.caption)}</b></p>\n` : '';
  const more = table.numRows() > limit ? `\n<p><i>${table.numRows()} rows; first ${limit} shown</i></p>` : '';
  return caption + html + more;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

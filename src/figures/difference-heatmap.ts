// The paper's comparison table as a heatmap: rows designs, columns categories, cells the difference
// to the reference design (m1), written with their significance marks (e.g. '*' p<0.05 after Holm)
// in the tables' difference format (+0.12, −0.12: a true minus sign).
// Diverging colours centred on 0, so better and worse than the reference read at a glance.
import { baseLayout, checkFinite, type Figure } from './figure.ts';
import { formatDifference } from '../report/format.ts';

export interface DifferenceTable {
  /** design names, top to bottom */
  rows: string[];
  /** category names, left to right */
  cols: string[];
  /** values[i][j]: design rows[i] minus the reference on cols[j]; null = not measured */
  values: (number | null)[][];
  /** marks[i][j]: appended to the printed value ('' for none); optional */
  marks?: string[][];
  /** the design differences are taken against (shown in the title) */
  reference?: string;
}

/** `+0.12` / `−0.12` / `±0.00`: the report tables' difference format (src/report/format.ts), at `digits`. */
export function signedFixed(v: number, digits: number): string {
  return formatDifference(v, digits);
}

export function differenceHeatmapFigure(t: DifferenceTable, opts: { title?: string; digits?: number } = {}): Figure {
  const { rows, cols, values, marks } = t;
  if (rows.length === 0 || cols.length === 0) throw new Error('difference heatmap: needs at least one row and one column');
  if (values.length !== rows.length) throw new Error(`difference heatmap: ${values.length} value rows for ${rows.length} designs`);
  if (marks && marks.length !== rows.length) throw new Error(`difference heatmap: ${marks.length} mark rows for ${rows.length} designs`);
  const digits = opts.digits ?? 2;
  let maxAbs = 0;
  const text = values.map((row, i) => {
    if (row.length !== cols.length) throw new Error(`difference heatmap: row ${rows[i]} has ${row.length} values for ${cols.length} categories`);
    if (marks && marks[i]!.length !== cols.length) throw new Error(`difference heatmap: row ${rows[i]} has ${marks[i]!.length} marks for ${cols.length} categories`);
    return row.map((v, j) => {
      if (v === null) return '';
      checkFinite('difference heatmap', `${rows[i]} / ${cols[j]}`, v);
      maxAbs = Math.max(maxAbs, Math.abs(v));
      return `${signedFixed(v, digits)}${marks?.[i]![j] ?? ''}`;
    });
  });
  const bound = maxAbs > 0 ? maxAbs : 1;
  const ref = t.reference ?? 'm1';
  // Cells are vector rectangles (layout shapes), not a heatmap trace: Plotly draws a heatmap as a
  // bitmap <image> even in SVG, which a paper cannot scale. Text and hover come from a text trace;
  // the colour bar from an invisible marker trace on the same scale.
  const cells: { x: string; y: string; text: string; hover: string; color: string }[] = [];
  const shapes: Record<string, unknown>[] = [];
  const g = 0.04; // half the gap between cells, in cell units
  values.forEach((row, i) => row.forEach((v, j) => {
    if (v === null) return;
    const u = v / bound; // in [-1, 1]
    shapes.push({ type: 'rect', xref: 'x', yref: 'y', x0: j - 0.5 + g, x1: j + 0.5 - g, y0: i - 0.5 + g, y1: i + 0.5 - g, fillcolor: divergingColor(u), line: { width: 0 }, layer: 'below' });
    cells.push({ x: cols[j]!, y: rows[i]!, text: text[i]![j]!, hover: `${rows[i]} · ${cols[j]}: ${text[i]![j]}`, color: Math.abs(u) > 0.6 ? 'white' : '#222' });
  }));
  const axis = { showgrid: false, zeroline: false, showline: false, automargin: true, type: 'category' };
  return {
    data: [
      {
        type: 'scatter', mode: 'text', x: cells.map((c) => c.x), y: cells.map((c) => c.y), text: cells.map((c) => c.text),
        textfont: { size: 13, color: cells.map((c) => c.color) }, hovertext: cells.map((c) => c.hover), hoverinfo: 'text', showlegend: false,
      },
      {
        type: 'scatter', mode: 'markers', x: [cols[0]], y: [rows[0]], hoverinfo: 'skip', showlegend: false,
        marker: { size: 0, opacity: 0, color: [0], cmin: -bound, cmid: 0, cmax: bound, colorscale: DIVERGING.map((c, k) => [k / (DIVERGING.length - 1), c]), showscale: true, colorbar: { title: { text: `Δ vs ${ref}` } } },
      },
    ],
    layout: baseLayout(opts.title ?? `Difference to ${ref} per category`, 'category', 'design', {
      shapes,
      showlegend: false,
      // first design on top, like a table; every cell fully inside the axes
      yaxis: { ...axis, title: { text: 'design' }, categoryorder: 'array', categoryarray: rows, range: [rows.length - 0.5, -0.5] },
      // long category names are drawn slanted: automargin keeps them and the axis title apart
      xaxis: { ...axis, side: 'bottom', title: { text: 'category' }, categoryorder: 'array', categoryarray: cols, range: [-0.5, cols.length - 0.5] },
      height: Math.max(300, 150 + 45 * rows.length),
    }),
  };
}

/** ColorBrewer RdBu, red (worse than the reference) through white (0) to blue (better). */
export const DIVERGING = ['#b2182b', '#d6604d', '#f4a582', '#fddbc7', '#f7f7f7', '#d1e5f0', '#92c5de', '#4393c3', '#2166ac'];

/** The colour of u ∈ [-1, 1] on DIVERGING, linear in RGB between its stops (as Plotly interpolates a colour scale). */
export function divergingColor(u: number): string {
  const x = (Math.max(-1, Math.min(1, u)) + 1) / 2 * (DIVERGING.length - 1);
  const k = Math.min(Math.floor(x), DIVERGING.length - 2);
  const f = x - k;
  const rgb = (h: string) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
  const a = rgb(DIVERGING[k]!), b = rgb(DIVERGING[k + 1]!);
  return `rgb(${a.map((v, i) => Math.round(v + (b[i]! - v) * f)).join(',')})`;
}

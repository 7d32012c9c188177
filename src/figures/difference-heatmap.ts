// The paper's comparison table as a heatmap: rows designs, columns categories, cells the difference
// to the reference design (m1), written with their significance marks (e.g. '*' p<0.05 after Holm).
// Diverging colours centred on 0, so better and worse than the reference read at a glance.
import { baseLayout, checkFinite, type Figure } from './figure.ts';

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
      const sign = v > 0 ? '+' : '';
      return `${sign}${v.toFixed(digits)}${marks?.[i]![j] ?? ''}`;
    });
  });
  const bound = maxAbs > 0 ? maxAbs : 1;
  const ref = t.reference ?? 'm1';
  return {
    data: [{
      type: 'heatmap', x: cols, y: rows, z: values, text, texttemplate: '%{text}', textfont: { size: 13 },
      colorscale: 'RdBu', reversescale: false, zmid: 0, zmin: -bound, zmax: bound,
      colorbar: { title: { text: `Δ vs ${ref}` } },
      hovertemplate: '%{y} · %{x}: %{text}<extra></extra>',
      xgap: 2, ygap: 2,
    }],
    layout: baseLayout(opts.title ?? `Difference to ${ref} per category`, 'category', 'design', {
      // first design on top, like a table
      yaxis: { autorange: 'reversed', title: { text: 'design' }, automargin: true },
      // long category names are drawn slanted: automargin keeps them and the axis title apart
      xaxis: { side: 'bottom', title: { text: 'category' }, automargin: true },
      height: Math.max(300, 150 + 45 * rows.length),
    }),
  };
}

// Main score per evaluation dataset for every design, sized for a paper page: datasets run down the
// page (one row each, grouped under their task category), scores across, one dot per design, the
// designs' dots side by side within a row so equal scores stay visible. 7 in wide at any number of
// datasets (21 datasets × 11 designs is about 8.5 in tall); the legend sits below the plot.
import { baseLayout, checkFinite, designColor, type Figure, type Trace } from './figure.ts';
import { formatScore } from '../report/format.ts';

/** design → dataset → main score. Datasets are drawn in `datasets` order or first-seen order. */
export type DatasetScores = Record<string, Record<string, number>>;

export interface DatasetScoresOptions {
  title?: string;
  datasets?: string[];
  /** dataset → task category: datasets are grouped under a bold category row, in `categoryOrder` (else first-seen) order */
  categories?: Record<string, string>;
  categoryOrder?: string[];
  /** the score axis title */
  xTitle?: string;
  /** @deprecated the score axis is horizontal now; same as xTitle */
  yTitle?: string;
}

/** A paper page's text width: 7 in at 96 CSS px per inch. */
export const PAGE_WIDTH_PX = 7 * 96;

export function datasetScoresFigure(scores: DatasetScores, opts: DatasetScoresOptions = {}): Figure {
  const designs = Object.keys(scores);
  if (designs.length === 0) throw new Error('dataset scores: no designs given');
  let datasets = opts.datasets ?? [...new Set(designs.flatMap((d) => Object.keys(scores[d]!)))];
  const cat = opts.categories;
  // rows top to bottom: per category a header row, then its datasets
  type Row = { y: number; label: string; dataset?: string };
  const rows: Row[] = [];
  const HEADER = 0.75; // a category row's height, in dataset rows
  let y = 0;
  if (cat) {
    const order = [...new Set([...(opts.categoryOrder ?? []), ...datasets.map((d) => cat[d] ?? 'other')])];
    datasets = order.flatMap((c) => datasets.filter((d) => (cat[d] ?? 'other') === c));
    for (const c of order) {
      const members = datasets.filter((d) => (cat[d] ?? 'other') === c);
      if (members.length === 0) continue;
      rows.push({ y: y - 0.5 + HEADER / 2, label: `<b>${c}</b>` });
      y += HEADER;
      for (const d of members) { rows.push({ y, label: d, dataset: d }); y += 1; }
    }
  } else {
    for (const d of datasets) { rows.push({ y, label: d, dataset: d }); y += 1; }
  }
  const yOf = new Map(rows.filter((r) => r.dataset !== undefined).map((r) => [r.dataset!, r.y]));
  // each design's dot sits at its own offset within the row: 2 px apart at the row height below
  const rowPx = Math.max(16, Math.min(30, 6 + 1.6 * designs.length));
  const step = designs.length > 1 ? Math.min(0.7 / (designs.length - 1), 2 / rowPx) : 0;
  const data: Trace[] = designs.map((design, k) => {
    const offset = (k - (designs.length - 1) / 2) * step;
    const points = datasets.map((ds) => {
      const v = scores[design]![ds];
      return v === undefined ? null : checkFinite('dataset scores', `${design} / ${ds}`, v);
    });
    return {
      type: 'scatter', mode: 'markers', name: design,
      x: points, y: datasets.map((ds) => yOf.get(ds)! + offset),
      text: datasets.map((ds, i) => (points[i] === null ? '' : `${design} · ${ds}: ${formatScore(points[i]!)}`)),
      hovertemplate: '%{text}<extra></extra>',
      marker: { color: designColor(design), size: 6, line: { width: 0 } },
    };
  });
  const plotPx = y * rowPx;
  const legendRows = Math.ceil(designs.length / 4);
  const bottom = 66 + 20 * legendRows; // x ticks and title, then the legend
  const base = baseLayout(opts.title ?? 'Main score per dataset', opts.xTitle ?? opts.yTitle ?? 'main score', '');
  return {
    data,
    layout: {
      ...base,
      width: PAGE_WIDTH_PX,
      height: Math.round(60 + plotPx + bottom),
      margin: { l: 10, r: 15, t: 50, b: bottom },
      xaxis: { ...(base.xaxis as Record<string, unknown>), tickformat: '.2f' },
      yaxis: {
        showline: false, zeroline: false, automargin: true, gridcolor: '#eeeeee', ticks: '',
        tickvals: rows.map((r) => r.y), ticktext: rows.map((r) => r.label), tickfont: { size: 11 },
        range: [y - 0.5, -0.5], fixedrange: true,
      },
      // below the plot, left-aligned, in rows: the figure keeps its page width however many designs
      legend: { orientation: 'h', x: 0, xanchor: 'left', y: -64 / plotPx, yanchor: 'top', font: { size: 11 } },
      hovermode: 'closest',
    },
  };
}

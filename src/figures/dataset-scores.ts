// Main score per evaluation dataset, one bar group per dataset and one bar per design.
import { baseLayout, checkFinite, designColor, type Figure, type Trace } from './figure.ts';

/** design → dataset → main score. Datasets are drawn in `datasets` order or first-seen order. */
export type DatasetScores = Record<string, Record<string, number>>;

export function datasetScoresFigure(scores: DatasetScores, opts: { title?: string; datasets?: string[]; yTitle?: string } = {}): Figure {
  const designs = Object.keys(scores);
  if (designs.length === 0) throw new Error('dataset scores: no designs given');
  const datasets = opts.datasets ?? [...new Set(designs.flatMap((d) => Object.keys(scores[d]!)))];
  const data: Trace[] = designs.map((design) => ({
    type: 'bar', name: design, x: datasets,
    y: datasets.map((ds) => {
      const v = scores[design]![ds];
      return v === undefined ? null : checkFinite('dataset scores', `${design} / ${ds}`, v);
    }),
    marker: { color: designColor(design) },
  }));
  return {
    data,
    layout: baseLayout(opts.title ?? 'Main score per dataset', 'dataset', opts.yTitle ?? 'main score', {
      barmode: 'group', width: Math.max(800, 60 * datasets.length + 200), margin: { l: 70, r: 20, t: 60, b: 140 },
      xaxis: { tickangle: -40, showline: true, linecolor: '#444', zeroline: false },
    }),
  };
}

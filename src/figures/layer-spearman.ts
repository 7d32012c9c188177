// STS Spearman correlation of embeddings taken from each layer (x = layer index, 0 = the token
// embeddings), one line per model: the paper's layer analysis of base vs fine-tuned models.
import { baseLayout, checkFinite, designColor, type Figure, type Trace } from './figure.ts';

export interface LayerSeries {
  /** legend name, e.g. 'base' or 'm3 (fine-tuned)' */
  name: string;
  /** layer indices, ascending */
  layers: number[];
  /** Spearman ρ per layer (same length as layers) */
  spearman: number[];
  /** colour key (a design name); defaults to name */
  design?: string;
  dash?: 'solid' | 'dash' | 'dot';
}

export function layerSpearmanFigure(series: LayerSeries[], opts: { title?: string; yTitle?: string } = {}): Figure {
  if (series.length === 0) throw new Error('layer spearman: no series given');
  const data: Trace[] = series.map((s) => {
    if (s.layers.length !== s.spearman.length) throw new Error(`layer spearman: ${s.name} has ${s.layers.length} layers but ${s.spearman.length} values`);
    if (s.layers.length === 0) throw new Error(`layer spearman: ${s.name} has no layers`);
    s.layers.forEach((l, i) => {
      if (!Number.isInteger(l) || l < 0) throw new Error(`layer spearman: ${s.name}: layer ${JSON.stringify(l)} is not a layer index`);
      if (i > 0 && l <= s.layers[i - 1]!) throw new Error(`layer spearman: ${s.name}: layers must ascend`);
      const r = checkFinite('layer spearman', `${s.name} layer ${l}`, s.spearman[i]);
      if (r < -1 || r > 1) throw new Error(`layer spearman: ${s.name} layer ${l}: ρ=${r} is outside [-1, 1]`);
    });
    return {
      type: 'scatter', mode: 'lines+markers', name: s.name, x: s.layers, y: s.spearman,
      line: { color: designColor(s.design ?? s.name), width: 2, dash: s.dash ?? 'solid' },
    };
  });
  return {
    data,
    layout: baseLayout(opts.title ?? 'STS Spearman per layer', 'layer', opts.yTitle ?? 'Spearman ρ', {
      xaxis: { title: { text: 'layer' }, dtick: 1, showline: true, linecolor: '#444', gridcolor: '#e5e5e5', zeroline: false },
    }),
  };
}

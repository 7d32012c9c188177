// What multi-layer trainable pooling learned over layers: a per-layer weight (e.g. the L2 norm of
// each layer's embedding after its projection, or the attention mass on each layer) as bars.
import { baseLayout, checkFinite, designColor, type Figure } from './figure.ts';

export interface LayerWeights {
  /** the design the head belongs to (m3 or m5) */
  design: string;
  /** layer indices (x) */
  layers: number[];
  /** one non-negative value per layer */
  values: number[];
}

export function layerNormsFigure(w: LayerWeights, opts: { title?: string; yTitle?: string } = {}): Figure {
  if (w.layers.length === 0) throw new Error(`layer norms: ${w.design} has no layers`);
  if (w.layers.length !== w.values.length) throw new Error(`layer norms: ${w.design} has ${w.layers.length} layers but ${w.values.length} values`);
  w.values.forEach((v, i) => {
    if (checkFinite('layer norms', `${w.design} layer ${w.layers[i]}`, v) < 0) throw new Error(`layer norms: ${w.design} layer ${w.layers[i]}: ${v} is negative`);
  });
  return {
    data: [{ type: 'bar', name: w.design, x: w.layers, y: w.values, marker: { color: designColor(w.design) } }],
    layout: baseLayout(opts.title ?? `${w.design}: layer-embedding norm per layer`, 'layer', opts.yTitle ?? 'L2 norm', {
      xaxis: { title: { text: 'layer' }, dtick: 1, showline: true, linecolor: '#444', zeroline: false },
      showlegend: false,
    }),
  };
}

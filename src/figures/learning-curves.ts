// Learning curves: per design, training loss and evaluation scores (STS mean, retrieval) against the
// number of training triples seen — at what budget does a trainable head catch up with EOS-last?
import { baseLayout, designColor, type Figure, type Trace } from './figure.ts';
import type { Convergence } from '../report/convergence.ts';

export interface CurvePoint {
  /** training triples seen (steps × effective batch) */
  triples: number;
  /** mean training loss since the previous point (NaN at 0) */
  loss: number;
  /** metric name → value, e.g. { 'STS mean': 0.61, Cranfield: 0.3 } */
  scores: Record<string, number>;
}

export interface DesignCurve { design: string; label?: string; points: CurvePoint[] }

/** curves.json, written by scripts/learning-curves.ts: the fixed subset, the planned steps, and per
 *  design how far its curve got, its points and its convergence verdict against m1 */
export interface CurvesSummary {
  /** the fixed evaluation subset: these tasks, at most `limit` items each (absent in older files) */
  tasks?: string[];
  limit?: number;
  retrieval: string[];
  steps: number;
  designs: Record<string, { steps_done: number; complete: boolean; points: CurvePoint[]; convergence: Convergence | null; final_scores: Record<string, number> | null }>;
}

/** Three panels side by side: loss, then each score in `metrics`, all against triples seen. */
export function learningCurvesFigure(curves: DesignCurve[], metrics: readonly string[], opts: { title?: string; chanceLoss?: number } = {}): Figure {
  if (curves.length === 0) throw new Error('learning curves: no designs given');
  const panels = ['training loss', ...metrics];
  const data: Trace[] = [];
  curves.forEach(({ design, label, points }) => {
    const xs = points.map((p) => p.triples);
    panels.forEach((panel, j) => {
      const ys = points.map((p) => (j === 0 ? p.loss : p.scores[panel] ?? NaN));
      data.push({
        type: 'scatter', mode: 'lines+markers', name: label ?? design, legendgroup: design, showlegend: j === 0,
        x: xs.filter((_, k) => Number.isFinite(ys[k])), y: ys.filter((y) => Number.isFinite(y)),
        xaxis: j === 0 ? 'x' : `x${j + 1}`, yaxis: j === 0 ? 'y' : `y${j + 1}`,
        line: { color: designColor(design), width: 2 }, marker: { size: 4 },
      } as Trace);
    });
  });
  const layout = baseLayout(opts.title ?? 'Learning curves', 'training triples seen', 'loss') as Record<string, unknown>;
  const gap = 0.06, w = (1 - gap * (panels.length - 1)) / panels.length;
  panels.forEach((panel, j) => {
    const x0 = j * (w + gap);
    layout[j === 0 ? 'xaxis' : `xaxis${j + 1}`] = { domain: [x0, x0 + w], title: { text: 'triples seen' }, anchor: j === 0 ? 'y' : `y${j + 1}` };
    layout[j === 0 ? 'yaxis' : `yaxis${j + 1}`] = { title: { text: panel }, anchor: j === 0 ? 'x' : `x${j + 1}` };
  });
  if (opts.chanceLoss !== undefined) {
    layout.shapes = [{ type: 'line', xref: 'x domain', x0: 0, x1: 1, yref: 'y', y0: opts.chanceLoss, y1: opts.chanceLoss, line: { dash: 'dot', color: 'gray', width: 1 } }];
  }
  layout.width = 1000;
  layout.height = 380;
  layout.legend = { orientation: 'h', y: -0.25 };
  return { data, layout };
}

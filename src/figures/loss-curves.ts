// Training loss per design over optimizer steps (the trainer's `<run>/<design>/loss.jsonl`).
import { baseLayout, checkFinite, designColor, type Figure, type Trace } from './figure.ts';

export interface LossPoint { step: number; loss: number }

/** One curve per design; `rows` in any order (sorted by step here). */
export interface LossCurve { design: string; rows: LossPoint[] }

export function lossCurvesFigure(curves: LossCurve[], opts: { title?: string; logY?: boolean } = {}): Figure {
  if (curves.length === 0) throw new Error('loss curves: no designs given');
  const data: Trace[] = curves.map(({ design, rows }) => {
    if (rows.length === 0) throw new Error(`loss curves: design ${design} has no loss rows`);
    const sorted = [...rows].sort((a, b) => a.step - b.step);
    sorted.forEach((r, i) => {
      checkFinite('loss curves', `${design} row ${i} step`, r.step);
      checkFinite('loss curves', `${design} step ${r.step} loss`, r.loss);
    });
    return {
      type: 'scatter', mode: 'lines', name: design,
      x: sorted.map((r) => r.step), y: sorted.map((r) => r.loss),
      line: { color: designColor(design), width: 2 },
    };
  });
  const layout = baseLayout(opts.title ?? 'Training loss (InfoNCE)', 'optimizer step', 'loss');
  // steps are whole numbers: integer ticks (every step when there are few, as in a smoke run)
  const maxStep = Math.max(...data.map((t) => Math.max(...(t.x as number[]))));
  layout.xaxis = { ...(layout.xaxis as Record<string, unknown>), tickformat: 'd', ...(maxStep <= 12 ? { dtick: 1 } : {}) };
  if (opts.logY) (layout.yaxis as Record<string, unknown>).type = 'log';
  return { data, layout };
}

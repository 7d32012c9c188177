// Mean score per task category and design, with a confidence interval as asymmetric error bars
// (e.g. a bootstrap or across-seed interval from the statistics step).
import { baseLayout, checkFinite, designColor, type Figure, type Trace } from './figure.ts';

export interface Interval { mean: number; lo: number; hi: number }

/** design → category → {mean, lo, hi}. Categories are drawn in `categories` order or first-seen order. */
export type CategoryScores = Record<string, Record<string, Interval>>;

export function categoryScoresFigure(scores: CategoryScores, opts: { title?: string; categories?: string[]; yTitle?: string; labels?: Record<string, string> } = {}): Figure {
  const designs = Object.keys(scores);
  if (designs.length === 0) throw new Error('category scores: no designs given');
  const categories = opts.categories ?? [...new Set(designs.flatMap((d) => Object.keys(scores[d]!)))];
  const data: Trace[] = designs.map((design) => {
    const y: (number | null)[] = [];
    const plus: (number | null)[] = [];
    const minus: (number | null)[] = [];
    for (const c of categories) {
      const s = scores[design]![c];
      if (!s) { y.push(null); plus.push(null); minus.push(null); continue; }
      const where = `${design} / ${c}`;
      const mean = checkFinite('category scores', `${where} mean`, s.mean);
      const lo = checkFinite('category scores', `${where} lo`, s.lo);
      const hi = checkFinite('category scores', `${where} hi`, s.hi);
      if (!(lo <= mean && mean <= hi)) throw new Error(`category scores: ${where}: interval [${lo}, ${hi}] does not contain the mean ${mean}`);
      y.push(mean); plus.push(hi - mean); minus.push(mean - lo);
    }
    // one seed has no interval (lo = mean = hi): no error bars then, not caps of zero length
    const hasInterval = [...plus, ...minus].some((v) => v !== null && v > 0);
    return {
      type: 'bar', name: opts.labels?.[design] ?? design, x: categories, y,
      marker: { color: designColor(design) },
      error_y: { type: 'data', symmetric: false, array: plus, arrayminus: minus, thickness: 1.2, width: 3, color: '#333', visible: hasInterval },
    };
  });
  return { data, layout: baseLayout(opts.title ?? 'Score per task category (mean, CI)', 'category', opts.yTitle ?? 'score', { barmode: 'group' }) };
}

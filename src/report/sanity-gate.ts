// The sanity gate: fine-tuning should give a better embedding model than the untrained base model.
// If fine-tuned Model 1 does not beat the zero-shot base rows (base-mean, base-eos), every design
// is compared on models that training made worse, and the design comparisons mean little.
// "Beats" here: a higher mean over the categories all three rows have (each category the mean of
// its datasets' seed-mean main scores); the categories it wins (higher by at least LEVEL_TOLERANCE,
// as every untested "higher" in the report) are listed too.
import type { Stats } from './analysis.ts';
import { ZERO_SHOT_DESIGNS } from '../designs.ts';

/** A category difference no test decides counts as higher or lower only from this size on ("level" below). */
export const LEVEL_TOLERANCE = 0.005;

export interface GateComparison {
  base: string;
  /** mean over the shared categories */
  m1: number;
  other: number;
  beats: boolean;
  /** categories where m1 is higher by at least LEVEL_TOLERANCE, of `categories` */
  wins: string[];
  categories: string[];
}

export interface SanityGate {
  /** the fine-tuned row checked (the baseline, Model 1) */
  design: string;
  /** null when a base row is missing */
  passed: boolean | null;
  comparisons: GateComparison[];
  missing: string[];
}

export function sanityGate(stats: Stats): SanityGate {
  const design = stats.baseline;
  const mine = stats.category_scores[design] ?? {};
  const comparisons: GateComparison[] = [];
  const missing: string[] = [];
  for (const base of ZERO_SHOT_DESIGNS) {
    const other = stats.category_scores[base];
    if (!other) { missing.push(base); continue; }
    const categories = stats.categories.filter((c) => mine[c] && other[c]);
    if (categories.length === 0) { missing.push(base); continue; }
    const m = categories.reduce((a, c) => a + mine[c]!.score, 0) / categories.length;
    const o = categories.reduce((a, c) => a + other[c]!.score, 0) / categories.length;
    comparisons.push({ base, m1: m, other: o, beats: m > o, wins: categories.filter((c) => mine[c]!.score - other[c]!.score >= LEVEL_TOLERANCE), categories });
  }
  return { design, passed: missing.length ? null : comparisons.every((c) => c.beats), comparisons, missing };
}

/** The gate as Markdown sentences for the top of REPORT.md. */
export function sanityGateMarkdown(g: SanityGate): string {
  const row = (c: GateComparison) => `${c.base} (mean over ${c.categories.length} categories ${c.m1.toFixed(4)} vs ${c.other.toFixed(4)}, higher by at least ${LEVEL_TOLERANCE} in ${c.wins.length} of ${c.categories.length}${c.wins.length ? `: ${c.wins.join(', ')}` : ''})`;
  if (g.passed === null) return `**Sanity gate: not checked** — the zero-shot base row${g.missing.length > 1 ? 's' : ''} ${g.missing.join(', ')} ${g.missing.length > 1 ? 'were' : 'was'} not evaluated, so it is unknown whether fine-tuning helped at all.`;
  const beaten = g.comparisons.filter((c) => c.beats), notBeaten = g.comparisons.filter((c) => !c.beats);
  if (g.passed) return `**Sanity gate: passed** — fine-tuned ${g.design} beats the zero-shot base rows ${beaten.map(row).join(' and ')}.`;
  return `**Sanity gate: failed** — fine-tuned ${g.design} does not beat ${notBeaten.map(row).join(' nor ')}${beaten.length ? `; it does beat ${beaten.map(row).join(' and ')}` : ''}. Fine-tuning made the baseline worse than an untrained base row, so the design comparisons below compare insufficiently trained models and are **not meaningful** as evidence about the designs.`;
}

// One formatter per kind of number, used by the report's tables (Markdown, HTML, LaTeX), the
// notebooks' tables (src/notebook/show.ts) and the figures' printed values (the difference heatmap),
// so a number reads the same wherever it appears and a column never mixes formats:
//   score       fixed decimals (default 4): 0.5140, 1.0000, −0.0120
//   difference  signed, fixed decimals: +0.0100, −0.0100, ±0.0000
//   seconds     one decimal: 2.3, 125.0
//   p           4 decimals, or <0.0001
//   count       a whole number: 21
// Negative numbers carry a true minus sign (U+2212), never a hyphen; LaTeX passes '-' (math mode).
// Nothing rounds to "-0": a value that rounds to zero prints as zero.

export const MINUS = '\u2212';

export type NumberKind = 'score' | 'difference' | 'seconds' | 'p' | 'count';

function fixed(v: number, digits: number, minus: string): string {
  const s = Math.abs(v).toFixed(digits);
  return v < 0 && Number(s) !== 0 ? minus + s : s;
}

function nonFinite(v: number, minus: string): string | null {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return `${minus}∞`;
  return null;
}

/** An absolute score (or any measured value): fixed decimals. */
export function formatScore(v: number, digits = 4, minus = MINUS): string {
  return nonFinite(v, minus) ?? fixed(v, digits, minus);
}

/** A difference: always signed (+ / −); one that rounds to zero is ±0.…. */
export function formatDifference(v: number, digits = 4, minus = MINUS): string {
  const bad = nonFinite(v, minus);
  if (bad !== null) return v > 0 ? `+${bad}` : bad;
  const s = Math.abs(v).toFixed(digits);
  if (Number(s) === 0) return '±' + s;
  return (v < 0 ? minus : '+') + s;
}

/** A duration in seconds: one decimal. */
export function formatSeconds(v: number, minus = MINUS): string {
  return nonFinite(v, minus) ?? fixed(v, 1, minus);
}

/** A p value: 4 decimals, or '<0.0001'; '—' when missing. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  return p < 1e-4 ? '<0.0001' : p.toFixed(4);
}

/** A count: the whole number. */
export function formatCount(v: number, minus = MINUS): string {
  return nonFinite(v, minus) ?? fixed(v, 0, minus);
}

/** `v` as `kind`; `digits` for scores and differences. */
export function formatAs(kind: NumberKind, v: number, digits = 4, minus = MINUS): string {
  switch (kind) {
    case 'score': return formatScore(v, digits, minus);
    case 'difference': return formatDifference(v, digits, minus);
    case 'seconds': return formatSeconds(v, minus);
    case 'p': return formatP(v);
    case 'count': return formatCount(v, minus);
  }
}

/**
 * The kind of a table column, from its name and its values: seconds (`seconds`, `… s`, `… (s)`,
 * `time`), p values (`p`, `… p`, `p-value`), differences (`difference`, `Δ…`, `delta`), counts (every
 * number whole), else scores. One kind per column, so `1` among `0.514` prints as `1.000`.
 */
export function columnKind(name: string, values: readonly unknown[]): NumberKind {
  const n = name.trim().toLowerCase();
  if (/\bseconds?\b|(^|\s)s$|\(s\)|\btime\b/.test(n)) return 'seconds';
  if (/(^|\s)p$|\bp[-_ ]?values?\b|\bholm p\b/.test(n)) return 'p';
  if (/\bdifference\b|^δ|\bdelta\b/.test(n)) return 'difference';
  const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (numbers.length > 0 && numbers.every((v) => Number.isInteger(v))) return 'count';
  return 'score';
}

// `stats` command: statistical tests on numbers given as JSON, printing JSON.
//   stats wilcoxon --json '{"x":[...],"y":[...],"alternative":"two-sided","zero_method":"wilcox","method":"auto","correction":false}'
//     → {"statistic": number, "pvalue": number}, what scipy 1.10's wilcoxon(x, y, ...) returns
//       (y optional: one-sample test of x; NaN, e.g. for an empty sample, is printed as null)
//   stats padjust --method holm|bonferroni|bh|fdr_bh|by|fdr_by --json '[p1, p2, ...]'
//     → adjusted p-values as a JSON array, as statsmodels' multipletests
// Bad JSON, unknown keys or options, and inputs the test cannot handle exit with status 2.
import { parseArgs, required, UsageError } from './args.ts';
import { wilcoxon, WilcoxonError, ALTERNATIVES, ZERO_METHODS, WILCOXON_METHODS, type Alternative, type ZeroMethod, type WilcoxonMethod } from '../stats/wilcoxon.ts';
import { padjust, parseAdjustMethod } from '../stats/padjust.ts';

const USAGE = `usage:
  npm run -s cli -- stats wilcoxon --json '{"x":[...],"y":[...],"alternative":"two-sided","zero_method":"wilcox","method":"auto","correction":false}'
  npm run -s cli -- stats padjust --method holm|bonferroni|bh|fdr_bh|by|fdr_by --json '[p1,p2,...]'`;

function parseJson(text: string, command: string): unknown {
  try { return JSON.parse(text); }
  catch (e) { throw new UsageError(`${command}: --json is not valid JSON (${(e as Error).message})`); }
}

function numbers(v: unknown, name: string, command: string): number[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new UsageError(`${command}: "${name}" must be an array of finite numbers`);
  }
  return v as number[];
}

function oneOf<T extends string>(v: unknown, name: string, allowed: readonly T[], dflt: T, command: string): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new UsageError(`${command}: "${name}" must be one of ${allowed.join(', ')}; got ${JSON.stringify(v)}`);
  return v as T;
}

/** NaN and ±Infinity have no JSON form; print them as null. */
function jsonNumber(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function runWilcoxon(argv: string[]): number {
  const cmd = 'stats wilcoxon';
  const args = parseArgs(argv, { json: { help: 'test input as a JSON object' } }, cmd);
  if (args.positionals.length) throw new UsageError(`${cmd}: unexpected argument '${args.positionals[0]}'`);
  const input = parseJson(required(args, 'json', cmd), cmd);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new UsageError(`${cmd}: --json must be an object with "x" (and optionally "y")`);
  const o = input as Record<string, unknown>;
  const known = ['x', 'y', 'alternative', 'zero_method', 'method', 'correction'];
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length) throw new UsageError(`${cmd}: unknown key(s) ${unknown.join(', ')}; valid keys: ${known.join(', ')}`);
  const x = numbers(o.x, 'x', cmd);
  const y = o.y === undefined || o.y === null ? null : numbers(o.y, 'y', cmd);
  if (y && y.length !== x.length) throw new UsageError(`${cmd}: "x" and "y" must have the same length (${x.length} vs ${y.length})`);
  if (o.correction !== undefined && typeof o.correction !== 'boolean') throw new UsageError(`${cmd}: "correction" must be true or false`);
  try {
    const r = wilcoxon(x, y, {
      alternative: oneOf<Alternative>(o.alternative, 'alternative', ALTERNATIVES, 'two-sided', cmd),
      zeroMethod: oneOf<ZeroMethod>(o.zero_method, 'zero_method', ZERO_METHODS, 'wilcox', cmd),
      method: oneOf<WilcoxonMethod>(o.method, 'method', WILCOXON_METHODS, 'auto', cmd),
      correction: (o.correction as boolean | undefined) ?? false,
    });
    process.stdout.write(`${JSON.stringify({ statistic: jsonNumber(r.statistic), pvalue: jsonNumber(r.pvalue) })}\n`);
    return 0;
  } catch (e) {
    if (e instanceof WilcoxonError) throw new UsageError(`${cmd}: ${e.message.replace(/^wilcoxon: /, '')}`);
    throw e;
  }
}

function runPadjust(argv: string[]): number {
  const cmd = 'stats padjust';
  const args = parseArgs(argv, { method: { help: 'holm, bonferroni, bh (fdr_bh), by (fdr_by)' }, json: { help: 'p-values as a JSON array' } }, cmd);
  if (args.positionals.length) throw new UsageError(`${cmd}: unexpected argument '${args.positionals[0]}'`);
  let method;
  try { method = parseAdjustMethod(required(args, 'method', cmd)); }
  catch (e) { throw new UsageError(`${cmd}: ${(e as Error).message.replace(/^padjust: /, '')}`); }
  const ps = parseJson(required(args, 'json', cmd), cmd);
  if (!Array.isArray(ps) || ps.some((p) => typeof p !== 'number' || !(p >= 0 && p <= 1))) throw new UsageError(`${cmd}: --json must be an array of p-values in [0, 1]`);
  process.stdout.write(`${JSON.stringify(padjust(ps as number[], method).map(jsonNumber))}\n`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'wilcoxon') return runWilcoxon(rest);
  if (sub === 'padjust') return runPadjust(rest);
  if (sub === '--help' || sub === 'help') { process.stderr.write(`${USAGE}\n`); return 0; }
  throw new UsageError(`stats: ${sub ? `unknown subcommand '${sub}'` : 'missing subcommand'}; valid: wilcoxon, padjust\n${USAGE}`);
}

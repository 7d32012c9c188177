// Wilcoxon signed-rank test against scipy 1.10 (Debian's python3-scipy, DEBIAN_PYTHON) on a generated grid:
// sizes 1..40 (+ 50, 51, 60 around the exact/approx switch), data without ties, with ties, with
// zeros, with both, one- and two-sample, in every mode: 3 alternatives × 3 zero methods ×
// 3 methods × correction on/off. One Python process runs the whole grid.
// Also: @stdlib/stats-wilcoxon as a second reference where its branch is scipy's, and the CLI contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import stdlibWilcoxon from '@stdlib/stats-wilcoxon';
import { wilcoxon, signedRankPmf, ALTERNATIVES, ZERO_METHODS, WILCOXON_METHODS, type WilcoxonOptions } from '../src/stats/wilcoxon.ts';
import { createRng } from '../src/util/random.ts';
import { DEBIAN_PYTHON, python } from './helpers.ts';


interface Case { x: number[]; y: number[] | null; opts: Required<WilcoxonOptions> }
interface Ref { statistic: number | null; pvalue: number | null; error?: string }

function makeData(): { x: number[]; y: number[] | null }[] {
  const rng = createRng(20240902);
  const out: { x: number[]; y: number[] | null }[] = [];
  const sizes = [...Array.from({ length: 40 }, (_, i) => i + 1), 50, 51, 60];
  for (const n of sizes) {
    // continuous, no ties (two-sample)
    const a = Array.from({ length: n }, () => rng.next() * 2 - 0.8), b = Array.from({ length: n }, () => rng.next() * 2 - 1);
    out.push({ x: a, y: b });
    // ties, no zeros (one-sample): magnitudes from a few levels, random signs
    out.push({ x: Array.from({ length: n }, () => (1 + rng.int(4)) * (rng.next() < 0.6 ? 1 : -1)), y: null });
    // zeros and ties (two-sample of small integers)
    out.push({ x: Array.from({ length: n }, () => rng.int(5)), y: Array.from({ length: n }, () => rng.int(4)) });
    // zeros, otherwise distinct magnitudes (one-sample)
    out.push({ x: Array.from({ length: n }, (_, i) => (rng.next() < 0.2 ? 0 : (i + 1 + rng.next() * 0.5) * (rng.next() < 0.5 ? 1 : -1))), y: null });
  }
  out.push({ x: [0, 0, 0], y: null }, { x: [2, 2], y: [2, 2] }, { x: [], y: null }, { x: [1, -2, -3, 4], y: null });
  return out;
}

const PY = `
import sys, json, warnings, math
import numpy as np
from scipy.stats import wilcoxon
warnings.simplefilter('ignore')
out = []
for c in json.load(sys.stdin):
    o = c['opts']
    try:
        args = (np.array(c['x'], dtype=float),) + ((np.array(c['y'], dtype=float),) if c['y'] is not None else ())
        r = wilcoxon(*args, alternative=o['alternative'], zero_method=o['zeroMethod'], method=o['method'], correction=o['correction'])
        f = lambda v: None if math.isnan(float(v)) else float(v)
        out.append({'statistic': f(r.statistic), 'pvalue': f(r.pvalue)})
    except Exception as e:
        out.append({'statistic': None, 'pvalue': None, 'error': str(e)})
print(json.dumps(out))
`;

const data = makeData();
const cases: Case[] = [];
for (const d of data) {
  for (const alternative of ALTERNATIVES) for (const zeroMethod of ZERO_METHODS) for (const method of WILCOXON_METHODS) for (const correction of [false, true]) {
    cases.push({ ...d, opts: { alternative, zeroMethod, method, correction } });
  }
}

function close(a: number, b: number, rel = 1e-9): boolean {
  return Math.abs(a - b) <= rel * Math.abs(b) + 1e-14;
}

test(`wilcoxon matches scipy 1.10 on ${cases.length} cases (all modes)`, () => {
  const refs = python<Ref[]>(PY, cases, DEBIAN_PYTHON);
  assert.equal(refs.length, cases.length);
  let compared = 0, errors = 0;
  cases.forEach((c, i) => {
    const ref = refs[i]!;
    const label = `case ${i}: n=${c.x.length} ${JSON.stringify(c.opts)} x=${JSON.stringify(c.x.slice(0, 8))}`;
    if (ref.error !== undefined) {
      assert.throws(() => wilcoxon(c.x, c.y, c.opts), /zero for all elements/, `${label}: scipy raised '${ref.error}'`);
      errors++;
      return;
    }
    const r = wilcoxon(c.x, c.y, c.opts);
    if (ref.statistic === null) assert.ok(Number.isNaN(r.statistic), `${label}: statistic should be NaN`);
    else assert.ok(close(r.statistic, ref.statistic, 1e-12), `${label}: statistic ${r.statistic} vs scipy ${ref.statistic}`);
    if (ref.pvalue === null) assert.ok(Number.isNaN(r.pvalue), `${label}: p should be NaN`);
    else assert.ok(close(r.pvalue, ref.pvalue), `${label}: p ${r.pvalue} vs scipy ${ref.pvalue}`);
    compared++;
  });
  assert.ok(compared > 8000 && errors > 0, `compared ${compared}, errors ${errors}`);
});

test('wilcoxon agrees with @stdlib/stats-wilcoxon where stdlib takes scipy\'s branch', () => {
  let checked = 0;
  for (const c of cases) {
    if (c.x.length < 2) continue;
    let r;
    try { r = wilcoxon(c.x, c.y, c.opts); } catch { continue; }
    const d = c.x.map((v, i) => v - (c.y ? c.y[i]! : 0));
    if (d.every((v) => v === 0)) continue;
    const hasZero = d.some((v) => v === 0);
    const abs = d.filter((v) => v !== 0 || c.opts.zeroMethod !== 'wilcox').map(Math.abs);
    const hasTies = new Set(abs).size !== abs.length;
    // stdlib: approximation iff zeros or ties (n <= 50); exact otherwise — scipy's branch only in these cases
    const same = (r.method === 'approx' && (hasZero || hasTies) && c.x.length <= 50) || (r.method === 'exact' && !hasTies && !hasZero && c.x.length <= 50);
    if (!same) continue;
    const s = stdlibWilcoxon(d, { alternative: c.opts.alternative, zeroMethod: c.opts.zeroMethod, correction: c.opts.correction });
    assert.ok(close(r.pvalue, Math.min(1, s.pValue)), `stdlib p ${s.pValue} vs ours ${r.pvalue} for ${JSON.stringify(c.opts)} d=${JSON.stringify(d)}`);
    assert.ok(close(r.rPlus, s.statistic, 1e-12), 'R+ differs from stdlib statistic');
    checked++;
  }
  assert.ok(checked > 3000, `only ${checked} cases checked`);
});

test('exact null distribution of R+ sums to 1 and is symmetric', () => {
  for (const n of [1, 5, 20, 50]) {
    const p = signedRankPmf(n);
    assert.equal(p.length, (n * (n + 1)) / 2 + 1);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i]! - p[p.length - 1 - i]!) < 1e-15);
  }
});

test('bad input is rejected with a clear message', () => {
  assert.throws(() => wilcoxon([1, 2], [1]), /same length/);
  assert.throws(() => wilcoxon([1, NaN]), /non-finite value at index 1/);
  assert.throws(() => wilcoxon([1, 2], null, { alternative: 'bigger' as never }), /alternative must be one of/);
});

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('CLI contract: stats wilcoxon prints scipy\'s {statistic, pvalue}; bad input exits 2', () => {
  const x = [0.83, 0.85, 0.79, 0.81, 0.9, 0.77, 0.88, 0.8], y = [0.82, 0.86, 0.75, 0.8, 0.86, 0.78, 0.85, 0.79];
  const input = { x, y, alternative: 'greater', zero_method: 'pratt', method: 'approx', correction: true };
  const r = cli(['stats', 'wilcoxon', '--json', JSON.stringify(input)]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { statistic: number; pvalue: number };
  assert.deepEqual(Object.keys(out), ['statistic', 'pvalue']);
  const ref = python<Ref[]>(PY, [{ x, y, opts: { alternative: 'greater', zeroMethod: 'pratt', method: 'approx', correction: true } }])[0]!;
  assert.ok(close(out.statistic, ref.statistic!) && close(out.pvalue, ref.pvalue!), `${r.stdout} vs ${JSON.stringify(ref)}`);
  const one = JSON.parse(cli(['stats', 'wilcoxon', '--json', JSON.stringify({ x: [] })]).stdout) as unknown;
  assert.deepEqual(one, { statistic: null, pvalue: null }); // scipy: nan, nan
  for (const bad of [['--json', '{"x":[1,'], ['--json', '{"x":[1],"alt":"less"}'], ['--json', '{"x":[0,0]}']]) {
    const b = cli(['stats', 'wilcoxon', ...bad]);
    assert.equal(b.status, 2, `${bad.join(' ')} should exit 2, got ${b.status}: ${b.stderr}`);
    assert.match(b.stderr, /stats wilcoxon/);
  }
});

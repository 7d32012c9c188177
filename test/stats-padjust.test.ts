// p-value adjustment against statsmodels' multipletests (holm, bonferroni, fdr_bh, fdr_by) on
// generated families (sizes 1..60, with tied and boundary p-values), one Python process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { padjust } from '../src/stats/padjust.ts';
import { createRng } from '../src/util/random.ts';
import { python } from './helpers.ts';


const PY = `
import sys, json
from statsmodels.stats.multitest import multipletests
out = []
for c in json.load(sys.stdin):
    out.append([float(v) for v in multipletests(c['p'], method=c['method'])[1]])
print(json.dumps(out))
`;

const STATSMODELS: Record<string, string> = { holm: 'holm', bonferroni: 'bonferroni', bh: 'fdr_bh', by: 'fdr_by' };

function families(): number[][] {
  const rng = createRng(7);
  const out: number[][] = [];
  for (let n = 1; n <= 60; n += n < 10 ? 1 : 7) {
    out.push(Array.from({ length: n }, () => rng.next() ** 3)); // skewed towards small p
    out.push(Array.from({ length: n }, () => [0.01, 0.04, 0.05, 0.5, 1, 0][rng.int(6)]!)); // ties and boundaries
  }
  return out;
}

test('padjust matches statsmodels multipletests for holm, bonferroni, bh, by', () => {
  const cases = families().flatMap((p) => Object.keys(STATSMODELS).map((m) => ({ p, m })));
  const refs = python<number[][]>(PY, cases.map((c) => ({ p: c.p, method: STATSMODELS[c.m] })));
  cases.forEach((c, i) => {
    const ours = padjust(c.p, c.m);
    ours.forEach((v, k) => assert.ok(Math.abs(v - refs[i]![k]!) <= 1e-12, `${c.m} n=${c.p.length} [${k}]: ${v} vs statsmodels ${refs[i]![k]}`));
  });
});

test('padjust leaves the input untouched, accepts statsmodels names, keeps NaN out of the family', () => {
  const p = [0.01, 0.02, 0.5];
  const copy = [...p];
  padjust(p, 'bonferroni'); // @stdlib's bonferroni writes into its argument
  assert.deepEqual(p, copy);
  assert.deepEqual(padjust(p, 'fdr_bh'), padjust(p, 'bh'));
  const withNaN = padjust([0.01, NaN, 0.02], 'holm');
  assert.ok(Number.isNaN(withNaN[1]!));
  assert.deepEqual([withNaN[0], withNaN[2]], padjust([0.01, 0.02], 'holm'));
  assert.throws(() => padjust([0.2, 1.5], 'holm'), /not in \[0, 1\]/);
  assert.throws(() => padjust([0.2], 'sidak'), /unknown method/);
});

test('CLI contract: stats padjust prints a JSON array; bad input exits 2', () => {
  const p = [0.01, 0.04, 0.03, 0.2];
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'stats', 'padjust', ...args], { encoding: 'utf8' });
  const r = run(['--method', 'holm', '--json', JSON.stringify(p)]);
  assert.equal(r.status, 0, r.stderr);
  const ref = python<number[][]>(PY, [{ p, method: 'holm' }])[0]!;
  (JSON.parse(r.stdout) as number[]).forEach((v, i) => assert.ok(Math.abs(v - ref[i]!) < 1e-12));
  for (const bad of [['--method', 'holm', '--json', '[0.1,'], ['--method', 'nope', '--json', '[0.1]']]) {
    const b = run(bad);
    assert.equal(b.status, 2, `${bad.join(' ')}: exit ${b.status} ${b.stderr}`);
    assert.match(b.stderr, /stats padjust/);
  }
});

// The convergence verdict (src/report/convergence.ts) on curves whose answer is known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convergence, finalLoss, slope } from '../src/report/convergence.ts';

test('finalLoss: the mean of the last tenth, at least 5 steps', () => {
  assert.equal(finalLoss([9, 9, 9, 9, 9, 1, 1, 1, 1, 1]), 1);
  assert.equal(finalLoss(Array.from({ length: 100 }, (_, i) => (i < 90 ? 5 : 2))), 2);
});

test('a flat tail converged; a falling one did not unless it is within 10% of the baseline', () => {
  const flat = Array.from({ length: 100 }, (_, i) => 0.7 + 2 * Math.exp(-i / 5));
  const c = convergence(flat);
  assert.ok(c.flat && c.converged, c.note);
  // still falling by ~35% across the last fifth
  const falling = Array.from({ length: 100 }, (_, i) => 3 - 0.02 * i);
  const f = convergence(falling, { name: 'm1', finalLoss: 0.7 });
  assert.ok(!f.flat && !f.converged);
  assert.ok(f.last_fifth_change < -0.2, String(f.last_fifth_change));
  assert.match(f.note, /^not converged: loss 1\.1\d vs m1 0\.70, falling \d+% \(± 0%, one standard error\) over the last fifth$/);
  // falling, but already at m1's level: within 10% counts
  const near = Array.from({ length: 100 }, (_, i) => 0.9 - 0.002 * i);
  assert.ok(convergence(near, { name: 'm1', finalLoss: 0.72 }).converged);
  assert.throws(() => convergence([1, 2, 3]), /too few/);
  assert.throws(() => convergence([1, 2, 3, NaN, 1]), /non-finite/);
});

test('the change over the last fifth comes with its standard error, as scipy.stats.linregress gives it', () => {
  // scipy.stats.linregress(range(n), y) on the same points (.venv, scipy 1.x): slope and stderr
  const zigzag = Array.from({ length: 10 }, (_, i) => 2 - 0.01 * i + (i % 2 ? 0.05 : -0.05));
  const wave = Array.from({ length: 30 }, (_, i) => 1 + 0.5 * Math.sin(i * 1.7) - 0.004 * i);
  for (const [y, ref] of [[zigzag, [-0.0069696969696969755, 0.006060606060606066]], [wave, [-0.007630503049163767, 0.007638642898580329]]] as const) {
    const f = slope(y);
    assert.ok(Math.abs(f.slope - ref[0]) < 1e-12 && Math.abs(f.se - ref[1]) < 1e-12, `${f.slope} ± ${f.se} vs ${ref[0]} ± ${ref[1]}`);
  }
  // the verdict's change and its standard error are the slope's across the fifth, relative to the final loss
  const losses = [...Array.from({ length: 120 }, () => 1), ...wave.map((v) => v * 0.5)];
  const c = convergence(losses);
  const fit = slope(wave.map((v) => v * 0.5));
  assert.ok(Math.abs(c.last_fifth_change_se - (fit.se * 29) / c.final_loss) < 1e-12);
  assert.match(c.note, /\(± \d+%, one standard error\) over the last fifth$/);
});

// The convergence verdict (src/report/convergence.ts) on curves whose answer is known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convergence, finalLoss } from '../src/report/convergence.ts';

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
  assert.match(f.note, /^not converged: loss 1\.1\d vs m1 0\.70, falling \d+% over the last fifth$/);
  // falling, but already at m1's level: within 10% counts
  const near = Array.from({ length: 100 }, (_, i) => 0.9 - 0.002 * i);
  assert.ok(convergence(near, { name: 'm1', finalLoss: 0.72 }).converged);
  assert.throws(() => convergence([1, 2, 3]), /too few/);
  assert.throws(() => convergence([1, 2, 3, NaN, 1]), /non-finite/);
});

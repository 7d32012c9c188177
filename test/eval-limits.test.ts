// Per-category evaluation limits (profile evalLimitByCategory): a study can score every STS test set
// in full and the other categories on a sample, and its results file says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateDesign } from '../src/eval/runner.ts';
import { taskByName } from '../src/eval/tasks/index.ts';
import { resultsDifferences } from '../src/freshness.ts';

test('evalLimitByCategory: STS in full, the others at the limit; recorded and part of the freshness verdict', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-eval-limits-'));
  try {
    const run = await evaluateDesign({
      runDir: dir, design: 'base-mean', model: 'stories260K', maxLen: 24, tasks: [taskByName('BIOSSES'), taskByName('MRPC')],
      limit: 10, limitByCategory: { STS: null }, log: () => {},
    });
    assert.equal(run.results.tasks.BIOSSES!.items, '100 pairs', 'STS: the whole test set');
    assert.match(run.results.tasks.MRPC!.items, /^10 pairs/, 'PairClassification: the limit');
    assert.deepEqual(run.results.limit_by_category, { STS: null });
    const expected = { limit: 10, limit_by_category: { STS: null } };
    assert.deepEqual(resultsDifferences(run.results as unknown as Record<string, unknown>, expected), []);
    assert.match(resultsDifferences(run.results as unknown as Record<string, unknown>, { limit: 10, limit_by_category: null }).join(), /limits per category \{"STS":null\} \(this run: null\)/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

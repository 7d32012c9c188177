// The zero-shot rows' embeddings are shared across runs (issue 16, item 5): a second run folder's
// evaluation of base-mean encodes nothing, through the real runner and a freshly opened encoder;
// trained and user designs keep their run's own cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/data/files.ts';
import { runIndependent, sharedCacheRoot } from '../src/eval/embedding-cache.ts';
import { cacheRoot, evaluateDesign, resolveTasks } from '../src/eval/runner.ts';
import { openEncoder } from '../src/eval/sentence-encoder.ts';

const tmp = mkdtempSync(join(tmpdir(), 'shared-cache-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const shared = join(tmp, 'shared');
process.env.PA_EMBEDDING_CACHE = shared;

test('which designs share: built-in zero-shot rows and outside encoders, never trained or unknown ones', () => {
  for (const d of ['base-mean', 'base-eos', 'use-lite', 'minilm']) assert.equal(runIndependent(d), true, d);
  for (const d of ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'my-design', '']) assert.equal(runIndependent(d), false, d);
  assert.equal(cacheRoot('/r', 'base-eos'), shared);
  assert.equal(cacheRoot('/r', 'm1'), join('/r', 'cache', 'embeddings'));
  assert.equal(cacheRoot('/r'), join('/r', 'cache', 'embeddings'));
  assert.equal(sharedCacheRoot({}), join(projectRoot, '.cache', 'embeddings'));
  assert.equal(sharedCacheRoot({ PA_EMBEDDING_CACHE: 'x/y' }), join(projectRoot, 'x', 'y'));
});

test('a second run folder evaluates base-mean without encoding a text, with the same scores', async () => {
  const evalIn = async (runDir: string) => {
    const encoder = await openEncoder('base-mean', { maxLen: 32, batchSize: 32 }); // opened afresh: the identity is recomputed
    const lines: string[] = [];
    const r = await evaluateDesign({ runDir, design: 'base-mean', tasks: resolveTasks('STSBenchmark,MRPC'), limit: 12, encoder, log: (s) => lines.push(s) });
    return { ...r, lines };
  };
  const a = await evalIn(join(tmp, 'run-a'));
  assert.ok(a.cache.encoded > 0, 'the first run encodes');
  const b = await evalIn(join(tmp, 'run-b'));
  assert.equal(b.cache.encoded, 0, b.lines.join('\n'));
  assert.equal(b.cache.hits, b.cache.unique);
  assert.ok(b.cache.unique > 0);
  for (const [name, t] of Object.entries(b.results.tasks)) assert.equal(t.main_score, a.results.tasks[name]!.main_score, name);
  // nothing was cached inside either run folder; both results files are there
  for (const run of ['run-a', 'run-b']) {
    assert.equal(existsSync(join(tmp, run, 'cache')), false, `${run}/cache exists`);
    assert.ok(existsSync(join(tmp, run, 'results', 'base-mean.json')));
  }
  assert.ok(b.lines.some((l) => l.includes(`cache ${shared}`)), b.lines.join('\n'));
});

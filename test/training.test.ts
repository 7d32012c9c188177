// Training: loss falls, runs are byte-reproducible, saved weights give the same embeddings, the
// embed CLI prints what the library computes, and a numerical fault stops training cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { stories260K } from './helpers.ts';
import { loadTrainingTriples } from '../src/training/triples.ts';
import { train } from '../src/training/trainer.ts';
import { designByName } from '../src/designs.ts';
import { PROFILES, type Profile } from '../src/training/profiles.ts';
import { loadEmbeddingModel } from '../src/embedding/embedding-model.ts';
import { encodeTexts } from '../src/embedding/embedder.ts';

const base = await stories260K();
// evaluation-disjointness is tested in training-data.test.ts; here any real triples will do
const { triples } = await loadTrainingTriples({ seed: 0, limit: 12, evaluationTexts: [] });
const smoke = PROFILES.smoke!;
const quiet = () => {};
const tmp = () => mkdtempSync(join(tmpdir(), 'pa-train-'));

test('loss falls when fitting a fixed set of triples', async () => {
  const profile: Profile = { ...smoke, batchSize: 8, steps: 40, lr: 5e-3, warmupSteps: 2, checkpointEvery: 1000 };
  const dir = tmp();
  await train({ design: designByName('m1'), profile, seed: 3, runDir: dir, base, triples: triples.slice(0, 16), log: quiet });
  const losses = readFileSync(join(dir, 'm1', 'loss.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).loss as number);
  assert.equal(losses.length, 40);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(losses.slice(-8)) < 0.7 * mean(losses.slice(0, 8)), `first ${mean(losses.slice(0, 8))}, last ${mean(losses.slice(-8))}`);
});

test('same seed, same backend: byte-identical final safetensors; saved weights reproduce the embeddings', async () => {
  const [a, b] = [tmp(), tmp()];
  const design = designByName('m5');
  const ra = await train({ design, profile: smoke, seed: 1, runDir: a, base, triples, log: quiet });
  await train({ design, profile: smoke, seed: 1, runDir: b, base, triples, log: quiet });
  const files = readdirSync(join(a, 'm5', 'final')).filter((f) => f.endsWith('.safetensors')).sort();
  assert.deepEqual(files, ['adapter.safetensors', 'head.safetensors']);
  for (const f of files) assert.ok(readFileSync(join(a, 'm5', 'final', f)).equals(readFileSync(join(b, 'm5', 'final', f))), `${f} differs`);
  const texts = ['A man is playing a guitar.', 'The weather is cold today.', 'Lily ran to the park.'];
  const before = await encodeTexts(ra.model, texts);
  const loaded = await loadEmbeddingModel(a, 'm5', { base });
  const after = await encodeTexts(loaded, texts);
  after.forEach((v, i) => assert.deepEqual(Array.from(v), Array.from(before[i]!)));
  // and a different seed trains to different weights
  const c = tmp();
  await train({ design, profile: smoke, seed: 2, runDir: c, base, triples, log: quiet });
  assert.ok(!readFileSync(join(a, 'm5', 'final', 'head.safetensors')).equals(readFileSync(join(c, 'm5', 'final', 'head.safetensors'))));
});

test('embed CLI prints one normalised vector per line, equal to the library, for trained and base designs', async () => {
  const dir = tmp();
  await train({ design: designByName('m2'), profile: smoke, seed: 1, runDir: dir, base, triples, log: quiet });
  const input = join(dir, 'input.txt');
  const texts = ['first line', 'a second, longer line of text', 'third'];
  writeFileSync(input, texts.join('\n') + '\n');
  for (const design of ['m2', 'base-mean']) {
    const r = spawnSync('npm', ['run', '-s', 'cli', '--', 'embed', '--run', dir, '--design', design, '--input', input], { encoding: 'utf8', env: { ...process.env, PA_BACKEND: 'wasm' } });
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as number[]);
    assert.equal(rows.length, 3);
    const want = await encodeTexts(await loadEmbeddingModel(dir, design, { base, maxLen: 128 }), texts);
    rows.forEach((row, i) => {
      assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-5);
      row.forEach((x, k) => assert.ok(Math.abs(x - want[i]![k]!) < 1e-6));
    });
  }
  const missing = spawnSync('npm', ['run', '-s', 'cli', '--', 'embed', '--run', dir, '--design', 'm4', '--input', input], { encoding: 'utf8' });
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /m4.*final.*config\.json does not exist|design 'm4' has no final checkpoint/);
});

test('a NaN in training stops with the step named and no damaged checkpoint', async () => {
  const dir = tmp();
  const profile: Profile = { ...smoke, lr: Infinity, steps: 6, checkpointEvery: 1 };
  await assert.rejects(() => train({ design: designByName('m1'), profile, seed: 1, runDir: dir, base, triples, log: quiet }),
    /\[train m1\] (step 1: weight .* NaN or Inf|loss is NaN at step 2)/);
  assert.ok(!existsSync(join(dir, 'm1', 'final')));
  assert.ok(!existsSync(join(dir, 'm1', 'checkpoint', 'state.json')));
});

test('full fine-tuning trains every decoder weight, leaves the shared base untouched, and reloads exactly', async () => {
  const dir = tmp();
  const before = base.model.weights.layers[0]!.wq.dataSync().slice();
  const r = await train({ design: designByName('m1'), profile: { ...smoke, finetune: 'full', steps: 2 }, seed: 1, runDir: dir, base, triples, log: quiet });
  assert.deepEqual(base.model.weights.layers[0]!.wq.dataSync(), before, 'the base model changed');
  assert.ok(existsSync(join(dir, 'm1', 'final', 'decoder.safetensors')));
  assert.ok(!existsSync(join(dir, 'm1', 'final', 'adapter.safetensors')));
  const tuned = r.model.model.weights.layers[0]!.wq.dataSync();
  assert.ok(tuned.some((x, i) => x !== before[i]), 'full fine-tuning did not move wq');
  const texts = ['a dog ran home', 'the sun is hot'];
  const loaded = await loadEmbeddingModel(dir, 'm1', { base });
  const [fromLoaded, fromTrained] = [await encodeTexts(loaded, texts), await encodeTexts(r.model, texts)];
  fromLoaded.forEach((v, i) => assert.deepEqual(Array.from(v), Array.from(fromTrained[i]!)));
});

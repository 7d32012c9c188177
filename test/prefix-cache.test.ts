// LoRA on the top k layers and the frozen-prefix cache (src/embedding/prefix-cache.ts), on
// stories260K (5 layers, k = 2, so 3 frozen layers): with the cache, a training micro-batch's loss
// and every gradient equal the uncached forward's with the same k, up to float rounding, for the
// last-layer and the multi-layer designs, causal and bidirectional; k = L is today's code, bit for
// bit (no cache, the same adapters); the cache's keys change with the model files, the attention,
// the entry layer, the backend and the tokens (text, instruction and max length); records read back
// from disk are the bytes computed; a damaged segment is detected, deleted and computed again; and
// `train` writes loraLayers into final/config.json, which `embed`/`eval` read back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stories260K } from './helpers.ts';
import { designByName } from '../src/designs.ts';
import { PROFILES, type Profile } from '../src/training/profiles.ts';
import { createEmbeddingModel, loadEmbeddingModel, trainableVariables, type EmbeddingModel } from '../src/embedding/embedding-model.ts';
import { attachPrefixCache, PrefixCache, prefixKey, prefixUse, PREFIX_CACHE_FORMAT, type PrefixIdentity } from '../src/embedding/prefix-cache.ts';
import { embeddingTokens, encodeTexts } from '../src/embedding/embedder.ts';
import { microBatchGradients, tripleBatch } from '../src/training/step.ts';
import { train } from '../src/training/trainer.ts';
import { identityHash } from '../src/io/sha256.ts';
import { openDesignEncoder } from '../src/eval/design-encoder.ts';
import { createPooling } from '../src/pooling/index.ts';
import { resolveRunSpec, settleRunSpec } from '../src/run-spec.ts';
import { padBatch } from '../src/model/batch.ts';

const base = await stories260K();
const L = base.model.config.nLayers;
const K = 2;
const cacheRoot = mkdtempSync(join(tmpdir(), 'pa-prefix-'));
process.env.PA_PREFIX_CACHE = cacheRoot;
after(() => rmSync(cacheRoot, { recursive: true, force: true }));

const tok = (s: string) => embeddingTokens(base.tokenizer, s, 24);
const texts = [
  ['Lily went to the park.', 'Lily played in the park with her ball.', 'The cat slept on a mat.'],
  ['The dog was happy.', 'A happy dog ran around.', 'Tom ate a red apple.'],
  ['It was a sunny day.', 'The sun was out all day long.', 'The boat sank slowly.'],
];
const triples = texts.map((t) => t.map(tok));
const smoke = PROFILES.smoke!;
const profile: Profile = { ...smoke, loraLayers: K, lora: { ...smoke.lora, dropout: 0.3 } };

/** LoRA's B is zero at the start, which would hide the adapters' effect: give it seeded values. */
function perturb(em: EmbeddingModel): void {
  for (const [k, v] of Object.entries(em.lora!.variables)) if (k.endsWith('lora_B')) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 3));
}

async function gradients(design: string, p: Profile, cached: boolean) {
  const em = createEmbeddingModel(base, designByName(design), p, 5);
  perturb(em);
  if (cached) await attachPrefixCache(em, 'stories260K', () => {});
  const vars = trainableVariables(em);
  const mb = { batch: tripleBatch(triples, base.tokenizer.padId), triples: triples.length, dropoutSeed: 77, label: 'test' };
  const before = tf.memory().numTensors;
  const { loss, grads } = await microBatchGradients(em, vars, mb, p.scale);
  const left = tf.memory().numTensors - before - Object.keys(grads).length;
  const values = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array]));
  tf.dispose(Object.values(grads));
  tf.dispose(Object.values(vars));
  return { loss, values, left, em };
}

/** max |a − b| over every gradient, relative to the largest |a| of that tensor. */
function maxRelative(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  let worst = 0;
  for (const [k, x] of Object.entries(a)) {
    const y = b[k]!;
    let scale = 0, diff = 0;
    for (let i = 0; i < x.length; i++) { scale = Math.max(scale, Math.abs(x[i]!)); diff = Math.max(diff, Math.abs(x[i]! - y[i]!)); }
    worst = Math.max(worst, scale > 0 ? diff / scale : diff);
  }
  return worst;
}

test('LoRA on the top k layers: adapters on layers L−k..L−1 only, with the all-layer run\'s initial A', () => {
  const top = createEmbeddingModel(base, designByName('m1'), profile, 5).lora!;
  const all = createEmbeddingModel(base, designByName('m1'), smoke, 5).lora!;
  assert.equal(top.firstLayer, L - K);
  const layersOf = (names: string[]) => [...new Set(names.map((n) => Number(n.split('.')[1])))].sort();
  assert.deepEqual(layersOf(Object.keys(top.variables)), [L - 2, L - 1]);
  for (const [k, v] of Object.entries(top.variables)) assert.deepEqual(v.dataSync(), all.variables[k]!.dataSync(), k);
  assert.throws(() => createEmbeddingModel(base, designByName('m1'), { ...smoke, loraLayers: L + 1 }, 5), /LoRA layers must be an integer in 1\.\.5/);
  assert.throws(() => createEmbeddingModel(base, designByName('m1'), { ...smoke, loraLayers: 0 }, 5), /LoRA layers/);
});

const measured: Record<string, { loss: number; grads: number }> = {};
for (const design of ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']) {
  test(`cached prefix gives the uncached loss and gradients with the same k: ${design} (${designByName(design).attention})`, async () => {
    const plain = await gradients(design, profile, false);
    const cached = await gradients(design, profile, true);
    assert.equal(plain.em.prefix, undefined);
    assert.ok(cached.em.prefix, 'the cache is attached');
    assert.equal(cached.em.prefix!.cache.frozen, L - K);
    assert.deepEqual(Object.keys(cached.values).sort(), Object.keys(plain.values).sort());
    const lossDiff = Math.abs(plain.loss - cached.loss) / Math.abs(plain.loss);
    const gradDiff = maxRelative(plain.values, cached.values);
    measured[design] = { loss: lossDiff, grads: gradDiff };
    assert.ok(lossDiff <= 2e-6, `loss ${plain.loss} vs ${cached.loss}`);
    assert.ok(gradDiff <= 1e-4, `gradients differ by ${gradDiff} of their scale`);
    // LoRA's gradients arrive (the adapted layers run under the tape)
    assert.ok(Object.entries(cached.values).some(([k, g]) => k.startsWith('lora.') && g.some((x) => x !== 0)));
    assert.ok(cached.left <= plain.left, `tensors left over: ${cached.left} (uncached ${plain.left})`);
  });
}
after(() => { if (Object.keys(measured).length) process.stderr.write(`[prefix-cache test] cached vs uncached, relative max |Δ|: ${JSON.stringify(measured)}\n`); });

test('activation checkpointing of the adapted layers from the cached prefix: the same loss and gradients', async () => {
  const plain = await gradients('m5', profile, true);
  const em = createEmbeddingModel(base, designByName('m5'), profile, 5);
  perturb(em);
  await attachPrefixCache(em, 'stories260K', () => {});
  const vars = trainableVariables(em);
  const mb = { batch: tripleBatch(triples, base.tokenizer.padId), triples: triples.length, dropoutSeed: 77, label: 'test' };
  const { loss, grads } = await microBatchGradients(em, vars, mb, profile.scale, true);
  assert.ok(Math.abs(loss - plain.loss) <= 1e-6 * Math.abs(plain.loss), `loss ${plain.loss} vs ${loss}`);
  const values = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array]));
  assert.ok(maxRelative(plain.values, values) <= 1e-5);
  tf.dispose([...Object.values(grads), ...Object.values(vars)]);
  assert.throws(() => createEmbeddingModel(base, designByName('m1'), { ...profile, finetune: 'full' }, 5), /loraLayers \(2\) applies to LoRA fine-tuning/);
});

test('k = L (or undefined) is the all-layer code: no cache, bit-identical loss and gradients', async () => {
  for (const design of ['m1', 'm5']) {
    const today = await gradients(design, { ...smoke, lora: { ...smoke.lora, dropout: 0.3 } }, true);
    const kL = await gradients(design, { ...smoke, loraLayers: L, lora: { ...smoke.lora, dropout: 0.3 } }, true);
    assert.equal(today.em.prefix, undefined);
    assert.equal(kL.em.prefix, undefined);
    assert.equal(kL.loss, today.loss);
    assert.deepEqual(Object.keys(kL.values), Object.keys(today.values));
    for (const [k, g] of Object.entries(today.values)) assert.deepEqual(kL.values[k], g, k);
  }
});

test('poolings the cache cannot serve run the full forward: a user pooling, m4 with padding unmasked', () => {
  const cfg = base.model.config;
  assert.equal(prefixUse(createPooling('eos-last', cfg)), 'last');
  assert.equal(prefixUse(createPooling('multi-layer-trainable', cfg, smoke.head)), 'per-layer');
  assert.equal(prefixUse(createPooling('last-layer-trainable', cfg, { ...smoke.head, maskPadding: false })), undefined);
  assert.equal(prefixUse({ name: 'max', options: {}, variables: {}, pool: () => { throw new Error('unused'); } }), undefined);
});

const identity = (over: Partial<PrefixIdentity> = {}): PrefixIdentity => ({
  format: PREFIX_CACHE_FORMAT, model_files: { checkpoint: 'a'.repeat(64), tokenizer: 'b'.repeat(64) }, attention: 'causal', frozen_layers: L - K, layers: L, dim: base.model.config.dim, backend: 'wasm', ...over,
});

test('the keys change with the model files, the attention, the entry layer, the backend and the tokens', () => {
  const h = identityHash(identity());
  for (const over of [{ model_files: { checkpoint: 'c'.repeat(64), tokenizer: 'b'.repeat(64) } }, { attention: 'bidirectional' as const }, { frozen_layers: L - 1 }, { backend: 'tfjs-node' }]) {
    assert.notEqual(identityHash(identity(over)), h, JSON.stringify(over));
  }
  // a record is keyed by its token ids: text, instruction and max length decide them
  const long = 'Once upon a time there was a little girl who liked to play in the park with her dog every day.';
  assert.notEqual(prefixKey(embeddingTokens(base.tokenizer, long, 8)), prefixKey(embeddingTokens(base.tokenizer, long, 16)));
  assert.notEqual(prefixKey(embeddingTokens(base.tokenizer, 'The dog.', 24)), prefixKey(embeddingTokens(base.tokenizer, 'The dog!', 24)));
  assert.notEqual(prefixKey(embeddingTokens(base.tokenizer, 'The dog.', 24, 'Find: ')), prefixKey(embeddingTokens(base.tokenizer, 'The dog.', 24)));
  // a text shorter than both lengths is the same sequence, and the same computation
  assert.equal(prefixKey(embeddingTokens(base.tokenizer, 'The dog.', 24)), prefixKey(embeddingTokens(base.tokenizer, 'The dog.', 48)));
  // ... and on disk, another namespace is another folder
  const dir = mkdtempSync(join(tmpdir(), 'pa-prefix-keys-'));
  try {
    const a = new PrefixCache(base.model, identity(), dir);
    const b = new PrefixCache(base.model, identity({ attention: 'bidirectional' }), dir);
    const c = new PrefixCache(base.model, identity({ model_files: { checkpoint: 'c'.repeat(64), tokenizer: 'b'.repeat(64) } }), dir);
    assert.equal(new Set([a.dir, b.dir, c.dir]).size, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a record is the same bytes whatever batch it came in, read back from disk, or computed again after damage', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-prefix-disk-'));
  try {
    const seqs = triples.flat();
    const batch = padBatch(seqs, 'left', base.tokenizer.padId);
    const first = new PrefixCache(base.model, identity(), dir);
    await first.ensure(batch);
    assert.equal(first.stats.computed, seqs.length);
    const want = seqs.map((s) => first.get(prefixKey(s))!);
    // alone in a batch of one: the same bytes
    const alone = new PrefixCache(base.model, identity({ backend: 'other' }), undefined);
    await alone.ensure(padBatch([seqs[4]!], 'left'));
    assert.deepEqual(alone.get(prefixKey(seqs[4]!)), want[4]);
    // a fresh process's view: read from disk, nothing computed
    const second = new PrefixCache(base.model, identity(), dir);
    await second.ensure(batch);
    assert.equal(second.stats.computed, 0);
    assert.equal(second.stats.loaded, seqs.length);
    seqs.forEach((s, i) => assert.deepEqual(second.get(prefixKey(s)), want[i]));
    // one flipped payload bit: detected when read, deleted, computed again (the same bytes)
    const seg = readdirSync(first.dir!).filter((f) => f.endsWith('.seg'));
    assert.equal(seg.length, 1);
    const file = join(first.dir!, seg[0]!);
    const bytes = readFileSync(file);
    bytes[bytes.length - 100]! ^= 0x10;
    writeFileSync(file, bytes);
    const third = new PrefixCache(base.model, identity(), dir);
    await third.ensure(batch);
    assert.equal(third.corrupt.length, 1);
    assert.match(third.corrupt[0]!.reason, /payload sha256 does not match/);
    assert.equal(third.stats.computed, seqs.length);
    seqs.forEach((s, i) => assert.deepEqual(third.get(prefixKey(s)), want[i]));
    // a truncated segment: detected from its header alone, when the namespace is opened
    const seg2 = readdirSync(first.dir!).filter((f) => f.endsWith('.seg'));
    assert.equal(seg2.length, 1, 'the damaged segment was replaced by one new segment');
    truncateSync(join(first.dir!, seg2[0]!), 5000);
    const fourth = new PrefixCache(base.model, identity(), dir);
    assert.equal(fourth.corrupt.length, 1);
    assert.match(fourth.corrupt[0]!.reason, /bytes, expected/);
    await fourth.ensure(batch);
    assert.equal(fourth.stats.computed, seqs.length);
    seqs.forEach((s, i) => assert.deepEqual(fourth.get(prefixKey(s)), want[i]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train with loraLayers records it; the loaded model encodes from the cache as the trained one, and as the uncached forward up to rounding', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-prefix-train-'));
  try {
    const all = texts.flat();
    const trainTriples = texts.map(([query, positive, negative]) => ({ query: query!, positive: positive!, negative: negative!, source: 'test' }));
    for (const design of ['m3', 'm5']) {
      const r = await train({ design: designByName(design), profile: { ...profile, batchSize: 3 }, seed: 1, runDir: dir, base, triples: trainTriples as never, steps: 2, log: () => {} });
      assert.ok(r.model.prefix, 'trained through the cache');
      const config = JSON.parse(readFileSync(join(dir, design, 'final', 'config.json'), 'utf8'));
      assert.equal(config.loraLayers, K);
      const loaded = await loadEmbeddingModel(dir, design, { base });
      assert.equal(loaded.lora!.firstLayer, L - K);
      assert.ok(loaded.prefix, 'encodes through the cache');
      const [fromLoaded, fromTrained] = [await encodeTexts(loaded, all), await encodeTexts(r.model, all)];
      fromLoaded.forEach((v, i) => assert.deepEqual(v, fromTrained[i]));
      // the same weights without the cache
      process.env.PA_PREFIX_CACHE = 'off';
      const uncached = await loadEmbeddingModel(dir, design, { base });
      process.env.PA_PREFIX_CACHE = cacheRoot;
      assert.equal(uncached.prefix, undefined);
      let diff = 0;
      (await encodeTexts(uncached, all)).forEach((v, i) => v.forEach((x, j) => { diff = Math.max(diff, Math.abs(x - fromLoaded[i]![j]!)); }));
      process.stderr.write(`[prefix-cache test] ${design} encoding, cached vs uncached: max |Δ| ${diff.toExponential(2)}\n`);
      assert.ok(diff <= 1e-5, `${design}: cached and uncached unit vectors differ by ${diff}`);
    }
    // eval's encoder: through the cache, and says so in its identity (the embedding cache's key)
    const enc = await openDesignEncoder('m5', { runDir: dir });
    assert.deepEqual(enc.identity.frozen_prefix, { frozen_layers: L - K, compute: 'alone' });
    const { vectors } = await enc.encode(all, '');
    const direct = await encodeTexts(await loadEmbeddingModel(dir, 'm5', { base }), all);
    vectors.forEach((v, i) => assert.deepEqual(v, direct[i]));
    // without loraLayers, config.json has no such field
    await train({ design: designByName('m1'), profile: smoke, seed: 1, runDir: dir, base, triples: trainTriples as never, steps: 1, log: () => {} });
    assert.ok(!('loraLayers' in JSON.parse(readFileSync(join(dir, 'm1', 'final', 'config.json'), 'utf8'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('zero-shot rows of a top-k run read the frozen layers from the same cache: the uncached forward up to rounding', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-prefix-zero-shot-'));
  try {
    settleRunSpec(dir, await resolveRunSpec(profile));
    const all = texts.flat();
    for (const row of ['base-eos', 'base-mean']) {
      const cached = await loadEmbeddingModel(dir, row, { base });
      assert.equal(cached.prefix?.cache.frozen, L - K, `${row}: the run's split`);
      process.env.PA_PREFIX_CACHE = 'off';
      const full = await loadEmbeddingModel(dir, row, { base });
      process.env.PA_PREFIX_CACHE = cacheRoot;
      assert.equal(full.prefix, undefined);
      const [a, b] = [await encodeTexts(cached, all), await encodeTexts(full, all)];
      let diff = 0;
      a.forEach((v, i) => v.forEach((x, j) => { diff = Math.max(diff, Math.abs(x - b[i]![j]!)); }));
      assert.ok(diff <= 1e-5, `${row}: cached and full-forward unit vectors differ by ${diff}`);
    }
    // a run without loraLayers: the full forward, as before
    const plain = mkdtempSync(join(tmpdir(), 'pa-prefix-zero-shot-all-'));
    settleRunSpec(plain, await resolveRunSpec(smoke));
    assert.equal((await loadEmbeddingModel(plain, 'base-mean', { base })).prefix, undefined);
    rmSync(plain, { recursive: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PA_PREFIX_COMPUTE=batch: a batch\'s missing prefixes computed together, in their own namespace, equal to the one-text ones up to rounding', async () => {
  const seqs = triples.flat();
  const alone = new PrefixCache(base.model, identity(), undefined);
  const together = new PrefixCache(base.model, identity({ compute: 'batch' }), undefined);
  assert.notEqual(together.hash, alone.hash);
  const batch = padBatch(seqs, 'left', base.tokenizer.padId);
  await alone.ensure(batch);
  await together.ensure(batch);
  let worst = 0;
  for (const s of seqs) {
    const a = alone.get(prefixKey(s))!, b = together.get(prefixKey(s))!;
    assert.equal(b.tokens, s.length);
    for (const part of ['entering', 'eos', 'mean'] as const) {
      let scale = 0, diff = 0;
      a[part].forEach((x, i) => { scale = Math.max(scale, Math.abs(x)); diff = Math.max(diff, Math.abs(x - b[part][i]!)); });
      worst = Math.max(worst, diff / scale);
    }
  }
  assert.ok(worst <= 1e-5, `batched and one-text prefixes differ by ${worst} of their scale`);
  const saved = process.env.PA_PREFIX_COMPUTE;
  process.env.PA_PREFIX_COMPUTE = 'batch';
  try {
    const plain = await gradients('m5', profile, false);
    const cached = await gradients('m5', profile, true);
    assert.equal(cached.em.prefix!.cache.identity.compute, 'batch');
    assert.ok(Math.abs(plain.loss - cached.loss) <= 2e-6 * Math.abs(plain.loss));
    assert.ok(maxRelative(plain.values, cached.values) <= 1e-4);
  } finally {
    if (saved === undefined) delete process.env.PA_PREFIX_COMPUTE; else process.env.PA_PREFIX_COMPUTE = saved;
  }
});

test('resume through the cache ends with the same bytes, even with an empty cache: each prefix is a function of its key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-prefix-resume-'));
  const saved = process.env.PA_PREFIX_CACHE;
  try {
    const trainTriples = texts.map(([query, positive, negative]) => ({ query: query!, positive: positive!, negative: negative!, source: 'test' }));
    const opts = { design: designByName('m5'), profile: { ...profile, batchSize: 2, checkpointEvery: 2 }, seed: 3, runDir: dir, base, triples: trainTriples as never, steps: 4, log: () => {} };
    process.env.PA_PREFIX_CACHE = join(dir, 'cache-a');
    await train(opts);
    const config = () => JSON.parse(readFileSync(join(dir, 'm5', 'final', 'config.json'), 'utf8')).files;
    const uninterrupted = config();
    // empty: steps 3–4 compute their prefixes again, texts of steps 1–2 among them, now in other
    // company (3 triples, 2 per step); with PA_PREFIX_COMPUTE=batch the final bytes then differ (checked)
    process.env.PA_PREFIX_CACHE = join(dir, 'cache-b');
    const r = await train({ ...opts, resume: true });
    assert.equal(r.resumedFrom, 2);
    assert.ok(r.model.prefix!.cache.stats.computed > 0);
    assert.deepEqual(config(), uninterrupted, 'sha256 of the final adapter and head');
    // the resumed steps' seconds go on from the checkpoint's: the last record is the whole training time
    const seconds = readFileSync(join(dir, 'm5', 'loss.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { seconds: number }).seconds);
    assert.deepEqual(seconds.map((_, i) => i), [0, 1, 2, 3]);
    assert.deepEqual([...seconds].sort((a, b) => a - b), seconds, `seconds per step after a resume: ${seconds.join(', ')}`);
  } finally {
    process.env.PA_PREFIX_CACHE = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

// Activation checkpointing (src/model/kernels/checkpoint.ts) changes memory, not numbers: the loss and
// every gradient of a training micro-batch equal those of the plain backward pass (up to float
// rounding in the order gradients are summed), with LoRA dropout on (its masks are replayed), for the
// last-layer and the all-layer designs and for full fine-tuning; and the step leaks no tensor. The
// CLI flag reaches the trainer and is recorded with the weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stories260K } from './helpers.ts';
import { designByName } from '../src/designs.ts';
import { PROFILES, type Profile } from '../src/training/profiles.ts';
import { createEmbeddingModel, trainableVariables } from '../src/embedding/embedding-model.ts';
import { microBatchGradients, tripleBatch } from '../src/training/step.ts';

const base = await stories260K();
const tok = (s: string) => [base.tokenizer.bosId, ...base.tokenizer.encode(s).slice(0, 20), base.tokenizer.eosId];
const triples = [
  ['Lily went to the park.', 'Lily played in the park.', 'The cat slept on a mat.'],
  ['The dog was happy.', 'A happy dog ran around.', 'Tom ate a red apple.'],
  ['It was a sunny day.', 'The sun was out all day long.', 'The boat sank slowly.'],
].map((t) => t.map(tok));

async function gradients(design: string, profile: Profile, checkpointLayers: boolean) {
  const em = createEmbeddingModel(base, designByName(design), profile, 5);
  const vars = trainableVariables(em);
  const mb = { batch: tripleBatch(triples, base.tokenizer.padId), triples: triples.length, dropoutSeed: 77, label: 'test' };
  const before = tf.memory().numTensors;
  const { loss, grads } = await microBatchGradients(em, vars, mb, profile.scale, checkpointLayers);
  const values = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array]));
  const left = tf.memory().numTensors - before - Object.keys(grads).length;
  tf.dispose(Object.values(grads));
  tf.dispose(Object.values(vars));
  return { loss, values, left };
}

const smoke = PROFILES.smoke!;
const cases: [string, string, Profile][] = [
  ['m1', 'LoRA with dropout, EOS-last, causal', { ...smoke, lora: { ...smoke.lora, dropout: 0.3 } }],
  ['m5', 'LoRA with dropout, all layers pooled, bidirectional', { ...smoke, lora: { ...smoke.lora, dropout: 0.3 } }],
  ['m2', 'full fine-tuning', { ...smoke, finetune: 'full' }],
];

for (const [design, what, profile] of cases) {
  test(`checkpointed layers give the plain gradients: ${design}, ${what}`, async () => {
    const plain = await gradients(design, profile, false);
    const ckpt = await gradients(design, profile, true);
    assert.ok(Math.abs(plain.loss - ckpt.loss) <= 1e-6 * Math.abs(plain.loss), `loss ${plain.loss} vs ${ckpt.loss}`);
    assert.deepEqual(Object.keys(ckpt.values).sort(), Object.keys(plain.values).sort());
    let decoderGrads = 0;
    for (const [k, p] of Object.entries(plain.values)) {
      const c = ckpt.values[k]!;
      let scale = 0, diff = 0;
      for (let i = 0; i < p.length; i++) { scale = Math.max(scale, Math.abs(p[i]!)); diff = Math.max(diff, Math.abs(p[i]! - c[i]!)); }
      assert.ok(diff <= 1e-5 * scale + 1e-9, `${k}: max |difference| ${diff} at scale ${scale}`);
      if ((k.startsWith('lora.') || k.startsWith('decoder.layers.')) && scale > 0) decoderGrads++;
    }
    // the layers' own gradients arrive through the checkpointed op (not zero, not lost)
    assert.ok(decoderGrads > 10, `${decoderGrads} non-zero layer gradients`);
    assert.equal(ckpt.left, plain.left, 'tensors left over after the step');
  });
}

test('train --checkpoint-layers records it in final/config.json; without it the config has no such field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-ckpt-'));
  try {
    for (const [design, extra] of [['m1', ['--checkpoint-layers']], ['m2', []]] as const) {
      const r = spawnSync('npm', ['run', '-s', 'cli', '--', 'train', '--design', design, '--profile', 'smoke', '--steps', '2', '--out', dir, ...extra],
        { encoding: 'utf8', env: { ...process.env, PA_BACKEND: 'wasm' } });
      assert.equal(r.status, 0, r.stderr);
    }
    assert.equal(JSON.parse(readFileSync(join(dir, 'm1', 'final', 'config.json'), 'utf8')).checkpointLayers, true);
    assert.ok(!('checkpointLayers' in JSON.parse(readFileSync(join(dir, 'm2', 'final', 'config.json'), 'utf8'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

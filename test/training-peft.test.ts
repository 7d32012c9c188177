// Training itself against PyTorch: the project's trainer (src/training/trainer.ts with step.ts,
// loss.ts, adamw.ts and src/model/lora.ts) for a few steps on stories260K, redone by
// test/training-peft.py with transformers' LlamaModel, PEFT's LoRA and torch.optim.AdamW from the
// project's saved initial adapter and head, on the trainer's own micro-batches (the same triples, order
// and left padding), with the same hyperparameters: LoRA dropout 0, linear warm-up then decay, weight
// decay, gradient accumulation over 2 micro-batches, clipping at 1, InfoNCE × 20 over in-batch
// positives and hard negatives. Per step, the loss agrees within TOL_LOSS and the gradient norm before
// clipping within TOL_NORM (relative), and the trained adapter and head agree at the end within
// TOL_FINAL of each tensor's L2 norm. m1 (EOS, causal, no head; its gradient norm is above the clip)
// and m5 (masked mean of every layer, bidirectional, with its multi-layer head).
// Measured (wasm): |Δloss| ≤ 1.6e-6, gradient norm ≤ 2.1e-6 relative, trained weights ≤ 6.5e-5
// (Adam's first steps are ±lr for every element
// whatever its gradient's size, so an element whose gradient is near zero can go either way; the loss
// and norm are not affected). LoRA's scale α instead of α/r: the norm ×4 at step 1, the loss 0.19 off
// at step 2; RoPE's theta 1% off: the loss 1.5e-3 off at step 1; the final norm left out: 0.3 off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { stories260K, VENV_PYTHON } from './helpers.ts';
import { PEFT_HINT, requireVenvModules, skipWithoutVenv } from './venv-reference.ts';
import { defaultDataStore } from '../src/data/files.ts';
import { KNOWN_MODELS } from '../src/model/load.ts';
import { designByName } from '../src/designs.ts';
import { PROFILES, type Profile } from '../src/training/profiles.ts';
import { loadTrainingTriples } from '../src/training/triples.ts';
import { microBatchIndices, train } from '../src/training/trainer.ts';
import { tripleBatch } from '../src/training/step.ts';
import { saveTensors } from '../src/io/tensors.ts';
import { embeddingTokens } from '../src/embedding/embedder.ts';
import { createEmbeddingModel, trainableVariables } from '../src/embedding/embedding-model.ts';
import { lossFile } from '../src/run-folder.ts';

const REFERENCE = fileURLToPath(new URL('./training-peft.py', import.meta.url));
const TOL_LOSS = 1e-5;
const TOL_NORM = 3e-3;
const TOL_FINAL = 5e-4;
const SEED = 3;
const DESIGNS = ['m1', 'm5'];

test('training steps (m1, m5 on stories260K) match transformers + PEFT + torch.optim.AdamW: loss, gradient norm, trained weights', { skip: skipWithoutVenv, timeout: 600_000 }, async (t) => {
  requireVenvModules(['torch', 'transformers', 'peft'], PEFT_HINT);
  const base = await stories260K();
  const smoke = PROFILES.smoke!;
  const profile: Profile = {
    ...smoke, steps: 4, warmupSteps: 2, batchSize: 4, gradAccum: 2, lr: 2e-3, weightDecay: 0.05, clipNorm: 1,
    lora: { ...smoke.lora, dropout: 0 }, checkpointEvery: 1000,
  };
  const { triples } = await loadTrainingTriples({ seed: 0, limit: 12, evaluationTexts: [] });
  const dir = mkdtempSync(join(tmpdir(), 'pa-training-peft-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  // the trainer's micro-batches, drawn and padded by its own functions (as trainer.ts does)
  const tok = base.tokenizer;
  const batches = Array.from({ length: profile.steps * profile.gradAccum }, (_, g) => {
    const idx = microBatchIndices(g, profile.batchSize, triples.length, SEED);
    const seqs = idx.map((i) => [triples[i]!.query, triples[i]!.positive, triples[i]!.negative].map((s, j) => embeddingTokens(tok, s, profile.maxLen, j === 0 ? triples[i]!.instruction ?? '' : '')));
    const b = tripleBatch(seqs, tok.padId);
    const rows = (a: ArrayLike<number>) => Array.from({ length: b.batch }, (_, r) => Array.from(a).slice(r * b.seqLen, (r + 1) * b.seqLen));
    return { ids: rows(b.ids), mask: rows(b.mask), triples: idx.length };
  });
  // the initial adapter and head, as createEmbeddingModel makes them for this seed (train() makes the same)
  const designs = [];
  for (const name of DESIGNS) {
    const design = designByName(name);
    const em = createEmbeddingModel(base, design, profile, SEED);
    const vars = trainableVariables(em);
    const initialWeights = join(dir, `${name}.init.safetensors`);
    await saveTensors(initialWeights, vars);
    designs.push({ name, pooling: em.pooling.name, poolingOptions: em.pooling.options, attention: design.attention, initialWeights, weightNames: Object.keys(vars), sizes: Object.values(vars).map((v) => v.size) });
    tf.dispose(Object.values(vars));
  }
  const checkpoint = (await defaultDataStore().locate((KNOWN_MODELS.stories260K as { checkpoint: string }).checkpoint, false)).file;
  const specFile = join(dir, 'spec.json');
  writeFileSync(specFile, JSON.stringify({ checkpoint, out: dir, profile, designs, batches }));
  const t0 = Date.now();
  const py = spawnSync(VENV_PYTHON, [REFERENCE, specFile], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, OMP_NUM_THREADS: '1' } });
  assert.equal(py.status, 0, `${REFERENCE} failed: ${py.error?.message ?? ''} ${py.stderr.slice(-3000)}`);
  const pySeconds = (Date.now() - t0) / 1000;
  const ref = JSON.parse(py.stdout) as { torch: string; transformers: string; peft: string; designs: Record<string, { losses: number[]; norms: number[]; lrs: number[] }> };

  for (const d of designs) {
    const runDir = join(dir, `run-${d.name}`);
    const r = await train({ design: designByName(d.name), profile, seed: SEED, runDir, base, triples, log: () => {} });
    const log = readFileSync(lossFile(runDir, d.name), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number; lr: number; grad_norm: number });
    const want = ref.designs[d.name]!;
    assert.equal(log.length, profile.steps);
    const dLoss: number[] = [], dNorm: number[] = [];
    log.forEach((row, s) => {
      assert.ok(Math.abs(row.lr - want.lrs[s]!) <= 1e-12 * profile.lr, `${d.name} step ${s + 1}: lr ${row.lr} vs ${want.lrs[s]}`);
      dLoss.push(Math.abs(row.loss - want.losses[s]!));
      dNorm.push(Math.abs(row.grad_norm - want.norms[s]!) / want.norms[s]!);
    });
    const table = log.map((row, s) => `step ${s + 1}: loss ${row.loss.toFixed(6)} / ${want.losses[s]!.toFixed(6)}, norm ${row.grad_norm.toFixed(5)} / ${want.norms[s]!.toFixed(5)}`).join('; ');
    // the trained adapter and head, tensor by tensor
    const vars = trainableVariables(r.model);
    assert.deepEqual(Object.keys(vars), d.weightNames);
    const finalRef = (() => { const b = readFileSync(join(dir, `${d.name}.final.f32`)); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); })();
    let offset = 0, dFinal = 0, worstTensor = '';
    for (const [k, v] of Object.entries(vars)) {
      const got = v.dataSync(), want = finalRef.subarray(offset, offset + v.size);
      offset += v.size;
      let diff = 0, scale = 0;
      for (let i = 0; i < got.length; i++) { diff += (got[i]! - want[i]!) ** 2; scale += want[i]! ** 2; }
      if (Math.sqrt(diff / scale) > dFinal) { dFinal = Math.sqrt(diff / scale); worstTensor = k; }
    }
    assert.equal(offset, finalRef.length);
    t.diagnostic(`${d.name}: max |Δloss| ${Math.max(...dLoss).toExponential(2)}, max |Δnorm|/norm ${Math.max(...dNorm).toExponential(2)}, trained weights max ‖Δ‖/‖w‖ ${dFinal.toExponential(2)} (${worstTensor}); ${table}`);
    dLoss.forEach((x, s) => assert.ok(x <= TOL_LOSS, `${d.name} step ${s + 1}: loss differs from PyTorch's by ${x.toExponential(2)}; ${table}`));
    dNorm.forEach((x, s) => assert.ok(x <= TOL_NORM, `${d.name} step ${s + 1}: gradient norm differs from PyTorch's by ${(100 * x).toFixed(3)}%; ${table}`));
    assert.ok(dFinal <= TOL_FINAL, `${d.name}: trained ${worstTensor} differs from PyTorch's by ${dFinal.toExponential(2)} of its L2 norm`);
    // the check must see training happen: the loss moves and clipping is active on some step
    assert.ok(Math.abs(log[0]!.loss - log.at(-1)!.loss) > 1e-3, `${d.name}: the loss did not move`);
  }
  t.diagnostic(`reference: torch ${ref.torch}, transformers ${ref.transformers}, peft ${ref.peft}, ${pySeconds.toFixed(1)} s`);
});

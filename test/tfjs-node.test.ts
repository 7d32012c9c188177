// tfjs-node on PyPI's libtensorflow (scripts/setup-tfjs-node.sh): the same seed gives byte-identical
// weights in two separate processes, and the decoder agrees with the wasm backend. Skipped (with the
// fix) where the set-up has not run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend, tfjsNodeAddonBuilt } from '../src/backend/index.ts';
import { installWasmKernels } from '../src/backend/wasm-kernels.ts';
import { loadModel } from '../src/model/load.ts';
import { forward } from '../src/model/decoder.ts';
import { padBatch } from '../src/model/batch.ts';

const skip = !tfjsNodeAddonBuilt() && 'tfjs-node is not set up here: bash scripts/setup-tfjs-node.sh';

test('two processes, same seed, tfjs-node: byte-identical final weights', { skip, timeout: 300_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'pa-tfjs-node-'));
  const env = { ...process.env, PA_BACKEND: 'tfjs-node', PA_QUIET: '1' };
  const run = (out: string) => {
    const r = spawnSync('npm', ['run', '-s', 'cli', '--', 'train', '--design', 'm3', '--profile', 'smoke', '--seed', '1', '--out', out, '--steps', '6'], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  const [a, b] = [join(root, 'a'), join(root, 'b')];
  run(a);
  mkdirSync(b);
  copyFileSync(join(a, 'triples.json'), join(b, 'triples.json')); // same data, built once
  run(b);
  const files = readdirSync(join(a, 'm3', 'final')).filter((f) => f.endsWith('.safetensors')).sort();
  assert.deepEqual(files, ['adapter.safetensors', 'head.safetensors']);
  for (const f of files) assert.ok(readFileSync(join(a, 'm3', 'final', f)).equals(readFileSync(join(b, 'm3', 'final', f))), `${f} differs between two runs`);
  const config = JSON.parse(readFileSync(join(a, 'm3', 'final', 'config.json'), 'utf8')) as { backend?: string };
  if (config.backend !== undefined) assert.equal(config.backend, 'tfjs-node');
});

test('stories260K hidden states: tfjs-node and wasm agree', { skip }, async () => {
  await initBackend({ force: 'tfjs-node', quiet: true });
  const { model, tokenizer } = await loadModel('stories260K');
  const batch = padBatch(['The cat sat on the mat and looked at the bird.', 'Lily ran to the park.']
    .map((t) => tokenizer.encode(t, { bos: true, eos: true })), 'left');
  const states = () => tf.tidy(() => forward(model, batch, { attention: 'causal' }).hiddenStates.map((h) => h.arraySync() as number[][][]));
  const onNode = states();
  await import('@tensorflow/tfjs-backend-wasm');
  installWasmKernels();
  await tf.setBackend('wasm');
  const onWasm = states();
  await tf.setBackend('tensorflow');
  let maxDiff = 0, maxAbs = 0;
  onNode.forEach((l, i) => l.flat(2).forEach((v, j) => {
    maxDiff = Math.max(maxDiff, Math.abs(v - onWasm[i]!.flat(2)[j]!));
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }));
  // float32 rounding of two kernel libraries: relative to the largest state, as the wasm/cpu checks
  assert.ok(maxDiff <= 1e-5 * Math.max(1, maxAbs), `max |tfjs-node − wasm| = ${maxDiff} (largest state ${maxAbs})`);
  console.log(`max |tfjs-node − wasm| = ${maxDiff.toExponential(2)}, largest state ${maxAbs.toFixed(2)}`);
});

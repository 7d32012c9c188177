// Training must not leak: after every step of the real trainer the number of live tensors (and their
// bytes, and the wasm backend's buffers) is the same, for every design. A leak of one tensor per step
// would grow memory without bound over a long run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { stories260K } from './helpers.ts';
import { loadTrainingTriples } from '../src/training/triples.ts';
import { train } from '../src/training/trainer.ts';
import { designByName, TRAINED_DESIGNS } from '../src/designs.ts';
import { PROFILES, type Profile } from '../src/training/profiles.ts';

const base = await stories260K();
const { triples } = await loadTrainingTriples({ seed: 0, limit: 12, evaluationTexts: [] });
// the smoke profile's sizes; a checkpoint inside the run exercises the save path too
const profile: Profile = { ...PROFILES.smoke!, steps: 6, checkpointEvery: 3 };

for (const name of TRAINED_DESIGNS) {
  test(`${name}: tensor count, bytes and wasm buffers constant across training steps`, async () => {
    const seen: { step: number; tensors: number; bytes: number; buffers: number }[] = [];
    await train({
      design: designByName(name), profile, seed: 1, runDir: mkdtempSync(join(tmpdir(), 'pa-tensors-')), base, triples,
      // the trainer logs after every step of a short run
      log: (line) => {
        const m = /step (\d+)\//.exec(line);
        if (m) seen.push({ step: Number(m[1]), tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, buffers: tf.backend().numDataIds() });
      },
    });
    assert.deepEqual(seen.map((s) => s.step), [1, 2, 3, 4, 5, 6]);
    for (const s of seen) {
      assert.equal(s.tensors, seen[0]!.tensors, `step ${s.step}: ${s.tensors} tensors, step 1 had ${seen[0]!.tensors}`);
      assert.equal(s.bytes, seen[0]!.bytes, `step ${s.step}: ${s.bytes} bytes, step 1 had ${seen[0]!.bytes}`);
      assert.equal(s.buffers, seen[0]!.buffers, `step ${s.step}: ${s.buffers} wasm buffers, step 1 had ${seen[0]!.buffers}`);
    }
  });
}

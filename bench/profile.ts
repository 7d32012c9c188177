// Where a training step's time goes, per kernel: every wasm kernel is wrapped to add up the CPU time
// (process.cpuUsage, robust to other processes on a shared machine, unlike wall time) spent in it,
// over a few steps of the trainer's computation (forward, loss, gradients; no optimizer update).
// Prints, per design, the step's CPU and wall time and the kernels by CPU time (minimum over steps).
// Usage: node --import tsx bench/profile.ts [m1 m4 ...]   (TOP=n also lists the n slowest single calls)
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { loadModel } from '../src/model/load.ts';
import { designByName } from '../src/designs.ts';
import { PROFILES } from '../src/training/profiles.ts';
import { createEmbeddingModel, trainableVariables } from '../src/embedding/embedding-model.ts';
import { microBatchGradients } from '../src/training/step.ts';
import { trainerBatch } from './batches.ts';

await initBackend({ force: process.env.PA_BACKEND ?? 'wasm', quiet: true });
const backendName = tf.getBackend();
let record: Map<string, { us: number; n: number }> | undefined;
const calls: { name: string; us: number; shapes: string }[] = [];
const cpuUs = () => { const u = process.cpuUsage(); return u.user + u.system; };
for (const k of tf.getKernelsForBackend(backendName)) {
  const inner = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, backendName);
  tf.registerKernel({ ...k, kernelFunc: ((args: Parameters<typeof inner>[0]) => {
    if (!record) return inner(args);
    const t = cpuUs();
    const out = inner(args);
    const us = cpuUs() - t;
    const e = record.get(k.kernelName) ?? { us: 0, n: 0 };
    e.us += us; e.n++;
    record.set(k.kernelName, e);
    if (process.env.TOP) calls.push({ name: k.kernelName, us, shapes: Object.values(args.inputs).map((x) => `[${(x as tf.TensorInfo).shape}]`).join(',') });
    return out;
  }) as typeof inner });
}

const base = await loadModel('stories260K');
const profile = PROFILES.quick!;
const designs = process.argv.slice(2).length ? process.argv.slice(2) : ['m1'];
const batch = await trainerBatch(base.tokenizer, profile, 1, 0);
for (const name of designs) {
  const em = createEmbeddingModel(base, designByName(name), profile, 1);
  const vars = trainableVariables(em);
  // the trainer's step up to the gradients (src/training/step.ts), without the optimizer update
  const step = async () => {
    const { grads } = await microBatchGradients(em, vars, { batch: batch.tokens, triples: batch.triples, dropoutSeed: 1_000_003, label: 'bench' }, profile.scale);
    tf.dispose(Object.values(grads));
  };
  await step(); await step();
  const steps: { cpu: number; wall: number; kernels: Map<string, { us: number; n: number }> }[] = [];
  for (let s = 0; s < 3; s++) {
    record = new Map();
    calls.length = 0;
    const c0 = cpuUs(), w0 = performance.now();
    await step();
    steps.push({ cpu: (cpuUs() - c0) / 1000, wall: performance.now() - w0, kernels: record });
    record = undefined;
  }
  const names = [...steps[0]!.kernels.keys()];
  const rows = names.map((k) => ({ k, ms: Math.min(...steps.map((s) => (s.kernels.get(k)?.us ?? 0) / 1000)), n: steps[0]!.kernels.get(k)!.n }));
  const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
  const count = rows.reduce((s, r) => s + r.n, 0);
  console.log(`${name}: step CPU ${Math.min(...steps.map((s) => s.cpu)).toFixed(0)} ms (wall ${Math.min(...steps.map((s) => s.wall)).toFixed(0)} ms), ${count} kernel calls taking ${kernelMs.toFixed(0)} ms CPU`);
  for (const r of rows.sort((a, b) => b.ms - a.ms).slice(0, 20)) console.log(`  ${r.k.padEnd(22)} ${r.ms.toFixed(1).padStart(8)} ms  ${String(r.n).padStart(5)} calls`);
  if (process.env.TOP) for (const c of calls.sort((a, b) => b.us - a.us).slice(0, Number(process.env.TOP))) console.log(`    ${c.name} ${(c.us / 1000).toFixed(2)} ms ${c.shapes}`);
}

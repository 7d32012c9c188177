// Forward throughput of one model on the backend this process picks (PA_BACKEND forces one;
// TF_NUM_INTRAOP_THREADS sets tfjs-node's threads): batch B × T random tokens, causal, median of 5
// passes after a warm-up, wall and CPU time. For the SmolLM2 scale, where the work is arithmetic.
// Usage: node --import tsx bench/forward-model.ts [MODEL=smollm2-135m] [B=8] [T=48]   → one JSON line
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { loadModel } from '../src/model/load.ts';
import { forward } from '../src/model/decoder.ts';
import { padBatch } from '../src/model/batch.ts';
import { mulberry32 } from '../src/util/random.ts';
import { median } from '../src/stats/descriptive.ts';

const [name = 'smollm2-135m', bArg = '8', tArg = '48'] = process.argv.slice(2);
const B = Number(bArg), T = Number(tArg);
const backend = await initBackend({ quiet: true });
const { model } = await loadModel(name);
const r = mulberry32(1);
const vocab = model.config.vocabSize;
const batch = padBatch(Array.from({ length: B }, () => Array.from({ length: T }, () => 3 + Math.floor(r() * (vocab - 3)))), 'left');
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const once = async () => {
  const t0 = performance.now(), c0 = cpu();
  const h = tf.tidy(() => forward(model, batch, { attention: 'causal' }).lastHidden);
  await h.data();
  h.dispose();
  return { wall: (performance.now() - t0) / 1000, cpu: cpu() - c0 };
};
await once();
const runs = [];
for (let i = 0; i < 5; i++) runs.push(await once());
const wall = median(runs.map((x) => x.wall)), cpuS = median(runs.map((x) => x.cpu));
console.log(JSON.stringify({
  bench: 'forward', model: name, backend, threads: process.env.TF_NUM_INTRAOP_THREADS ?? 'default', batch: B, seqLen: T,
  medianWallSeconds: +wall.toFixed(3), medianCpuSeconds: +cpuS.toFixed(3), tokensPerSecond: Math.round((B * T) / wall), tokensPerCpuSecond: Math.round((B * T) / cpuS),
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), loadAverage: (await import('node:os')).loadavg()[0],
}));

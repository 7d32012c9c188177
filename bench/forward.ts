// Forward throughput of stories260K, batch 32 × 64 tokens, on each backend named on the command line
// (default wasm and cpu), in one process; median of repeated passes after a warm-up.
// Usage: node --import tsx bench/forward.ts [wasm cpu]   → prints one JSON line per backend
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { loadModel } from '../src/model/load.ts';
import { forward } from '../src/model/decoder.ts';
import { padBatch } from '../src/model/batch.ts';
import { mulberry32 } from '../src/util/random.ts';
import { median } from '../src/stats/descriptive.ts';

const backends = process.argv.slice(2).length ? process.argv.slice(2) : ['wasm', 'cpu'];
await initBackend({ force: 'wasm', quiet: true });
await import('@tensorflow/tfjs-backend-wasm');
const { model } = await loadModel('stories260K');
const r = mulberry32(1);
const B = 32, T = 64;
const batch = padBatch(Array.from({ length: B }, () => Array.from({ length: T }, () => 3 + Math.floor(r() * 509))), 'left');
for (const name of backends) {
  await tf.setBackend(name);
  const once = () => { const t = performance.now(); tf.tidy(() => { forward(model, batch, { attention: 'causal' }).lastHidden.dataSync(); }); return performance.now() - t; };
  once();
  const reps = name === 'cpu' ? 3 : 10;
  const times = Array.from({ length: reps }, once);
  const ms = median(times);
  console.log(JSON.stringify({ bench: 'forward', backend: name, batch: B, seqLen: T, medianMs: +ms.toFixed(1), tokensPerSecond: Math.round((B * T) / (ms / 1000)), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
}

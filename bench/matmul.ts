// matMul throughput of the backend this process picks (PA_BACKEND forces one): float32 products of
// square and SmolLM2-shaped matrices (3072 tokens × d 576 × MLP 1536), median of 7 after a warm-up,
// as GFLOP/s of wall time and GFLOP per CPU-second (the fairer figure on a shared machine).
// Usage: node --import tsx bench/matmul.ts   → one JSON line on stdout
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { median } from '../src/stats/descriptive.ts';

const backend = await initBackend({ quiet: true });
const shapes: [number, number, number][] = [[512, 512, 512], [1024, 1024, 1024], [3072, 576, 1536], [3072, 1536, 576]];
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const rows = [];
for (const [m, k, n] of shapes) {
  const a = tf.randomNormal([m, k]), b = tf.randomNormal([k, n]);
  await tf.matMul(a, b).data();
  const wall: number[] = [], cpus: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now(), c0 = cpu();
    const c = tf.matMul(a, b);
    await c.data();
    wall.push((performance.now() - t0) / 1000); cpus.push(cpu() - c0);
    c.dispose();
  }
  const flop = 2 * m * k * n;
  rows.push({ shape: `${m}x${k}x${n}`, gflops: flop / median(wall) / 1e9, gflopPerCpuSecond: flop / median(cpus) / 1e9 });
  a.dispose(); b.dispose();
}
console.log(JSON.stringify({ backend, threads: process.env.TF_NUM_INTRAOP_THREADS ?? 'default', rows }));

// Before/after of the performance work on the same process, batch and weights: the decoder as it was
// (src/model/decoder.ts at git BASELINE_REV, default fef1a62, the commit before the performance work,
// with the stock wasm products) against the current one, one training step's forward and backward
// pass each, alternating so both see the same machine load. Reports per-step CPU time (robust to
// other processes on a shared machine) and wall time. Git is the archive: the old decoder is taken
// with `git show` into a temp file whose imports point at today's config, weights and batch modules.
// Usage: node --import tsx bench/ab.ts [m1 m4 ...]   (ROUNDS=n, default 5; BASELINE_REV=rev)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { simdRouting } from '../src/backend/wasm-kernels.ts';
import { loadModel } from '../src/model/load.ts';
import { designByName } from '../src/designs.ts';
import { PROFILES } from '../src/training/profiles.ts';
import { createEmbeddingModel, type EmbeddingModel } from '../src/embedding/embedding-model.ts';
import { hardNegativeInfoNCE } from '../src/training/loss.ts';
import { forward as forwardNow } from '../src/model/decoder.ts';
import type { TokenBatch } from '../src/model/batch.ts';
import { trainerBatch } from './batches.ts';
import { median } from '../src/stats/descriptive.ts';

/** The decoder's forward pass as it was at git revision `rev`. */
async function baselineForward(rev: string): Promise<typeof forwardNow> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const source = execFileSync('git', ['show', `${rev}:src/model/decoder.ts`], { cwd: root, encoding: 'utf8' })
    .replace(/from '\.\/([\w-]+\.ts)'/g, (_, file: string) => `from '${pathToFileURL(join(root, 'src/model', file)).href}'`);
  // inside the project (git-ignored .cache/), so that its '@tensorflow/tfjs' is this project's
  mkdirSync(join(root, '.cache'), { recursive: true });
  const dir = mkdtempSync(join(root, '.cache', 'ab-baseline-')), file = join(dir, 'decoder.ts');
  writeFileSync(file, source);
  try { return ((await import(pathToFileURL(file).href)) as { forward: typeof forwardNow }).forward; }
  finally { rmSync(dir, { recursive: true, force: true }); }
}
const forwardBefore = await baselineForward(process.env.BASELINE_REV ?? 'fef1a62');

await initBackend({ force: 'wasm', quiet: true });
const base = await loadModel('stories260K');
const profile = PROFILES.quick!;
const designs = process.argv.slice(2).length ? process.argv.slice(2) : ['m1'];
const rounds = Number(process.env.ROUNDS ?? 5);
const batch = await trainerBatch(base.tokenizer, profile, 1, 0);
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

const variants = {
  before: { forward: forwardBefore, simd: false },
  after: { forward: forwardNow, simd: true },
};
type Variant = keyof typeof variants;

/** src/embedding/embedder.ts's embedBatch with a chosen decoder. */
function embed(v: Variant, em: EmbeddingModel, b: TokenBatch): tf.Tensor2D {
  const out = variants[v].forward(em.model, b, { attention: em.design.attention, adapter: em.lora });
  const T = b.seqLen;
  const last = new Int32Array(b.batch);
  for (let r = 0; r < b.batch; r++) for (let t = 0; t < T; t++) if (b.mask[r * T + t]) last[r] = r * T + t;
  const pooled = em.pooling.pool({ hiddenStates: out.hiddenStates, mask: tf.tensor2d(Float32Array.from(b.mask), [b.batch, T]), lastIndex: tf.tensor1d(last, 'int32'), attention: em.design.attention, training: true });
  return tf.div(pooled, tf.maximum(tf.norm(pooled, 2, -1, true), 1e-12)) as tf.Tensor2D;
}

for (const name of designs) {
  const em = createEmbeddingModel(base, designByName(name), profile, 1);
  const vars = [...Object.values(em.pooling.variables), ...Object.values(em.lora!.variables)];
  const step = (v: Variant) => {
    simdRouting.batched = simdRouting.transposeA = variants[v].simd;
    em.lora!.beginStep(7);
    em.lora!.training = true;
    const c0 = cpuMs(), w0 = performance.now();
    const { value, grads } = tf.variableGrads(() => {
      const [q, p, n] = tf.split(embed(v, em, batch.tokens), 3, 0) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      return hardNegativeInfoNCE(q, p, n, profile.scale);
    }, vars);
    const loss = value.dataSync()[0]!;
    const r = { cpu: cpuMs() - c0, wall: performance.now() - w0, loss, grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync().slice()])) };
    tf.dispose([value, ...Object.values(grads)]);
    return r;
  };
  step('before'); step('after');
  const t: Record<Variant, { cpu: number[]; wall: number[] }> = { before: { cpu: [], wall: [] }, after: { cpu: [], wall: [] } };
  let agree = 0, loss = [0, 0];
  for (let r = 0; r < rounds; r++) {
    const order: Variant[] = r % 2 ? ['after', 'before'] : ['before', 'after'];
    const res: Partial<Record<Variant, ReturnType<typeof step>>> = {};
    for (const v of order) { const x = step(v); res[v] = x; t[v].cpu.push(x.cpu); t[v].wall.push(x.wall); }
    loss = [res.before!.loss, res.after!.loss];
    for (const k of Object.keys(res.before!.grads)) {
      const a = res.before!.grads[k]!, b = res.after!.grads[k]!;
      for (let i = 0; i < a.length; i++) agree = Math.max(agree, Math.abs(a[i]! - b[i]!) / (1e-3 + Math.abs(a[i]!)));
    }
  }
  const f = (xs: number[]) => `${Math.min(...xs).toFixed(0)}/${median(xs).toFixed(0)}`;
  console.log(`${name}: before CPU ${f(t.before.cpu)} ms (min/median), wall ${f(t.before.wall)}; after CPU ${f(t.after.cpu)}, wall ${f(t.after.wall)}; ` +
    `speed-up (median CPU) ${(median(t.before.cpu) / median(t.after.cpu)).toFixed(2)}×; loss ${loss[0]!.toFixed(6)} vs ${loss[1]!.toFixed(6)}; max rel. grad diff ${agree.toExponential(1)}`);
}

// `npm run bench`: the training step of every design on tfjs (wasm) beside the same step in PyTorch
// (bench/torch_step.py, torch 2.13 CPU from the project's .venv, at 1 and 2 threads), on the same model file, the same
// initial weights and the same batches; the first step's loss of both (an end-to-end check of the
// forward pass and the loss); encoding throughput; peak RSS; and the speed-up of training two designs
// side by side in two processes. Writes bench/results/latest.json and latest.md.
// Second scale (issue 16): SmolLM2-135M from its GGUF, every design's LoRA step and encoding for every
// installed backend at 1 and 2 threads against PyTorch at 1 and 2 threads (result field `smollm2`;
// bench/smollm2-summary.ts). `--scales smollm2` runs only that part and replaces it in an existing result.
// Third part (issue 26): the frozen-prefix cache on SmolLM2 (bench/prefix.ts): the cached training step of
// m1, m4 and m5 with LoRA on the top 4 and 8 layers against the full step and against PyTorch doing the
// same cached step, peak RSS, and encoding with and without the cache (result field `prefix`).
//
// Usage: node --import tsx bench/run.ts [--designs m1,…] [--steps 6] [--warmup 3] [--threads 1,2]
//        [--encode-texts 1024] [--parallel-steps 10 | --no-parallel] [--out bench/results]
//        [--name latest] [--label 'what was measured'] [--keep (the work folder: spec, weights, runs)]
//        [--scales stories260k,smollm2,prefix] [--prefix-k 4,8] [--smollm2-designs all] [--smollm2-steps 2] [--smollm2-warmup 1]
//        [--smollm2-triples 8] [--smollm2-maxlen 64] [--smollm2-encode-texts 64] [--smollm2-backends tfjs-node|wasm]
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, intOption } from '../src/cli/args.ts';
import { parseDesignList } from '../src/designs.ts';
import { PROFILES } from '../src/training/profiles.ts';
import { loadModel } from '../src/model/load.ts';
import { initBackend, tfjsNodeAddonBuilt } from '../src/backend/index.ts';
import { disposeWeights } from '../src/model/weights.ts';
import { dataFile } from '../src/data/files.ts';
import { KNOWN_MODELS } from '../src/model/load.ts';
import { runTriples } from '../src/training/triples-file.ts';
import { trainerBatch } from './batches.ts';
import { smolMarkdown, summarizeSmol, type SmolEncode, type SmolResult, type SmolTfjsTrain, type SmolTorchTrain } from './smollm2-summary.ts';
import { median } from '../src/stats/descriptive.ts';
import { markdownReport, summarize, type BenchResult, type TfjsTrain, type TorchRun, type EncodeResult, type ParallelResult } from './summary.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

const args = parseArgs(process.argv.slice(2), {
  designs: { default: 'all' }, steps: { default: '6' }, warmup: { default: '3' }, seed: { default: '1' }, threads: { default: '1,2' },
  'encode-texts': { default: '1024' }, 'parallel-steps': { default: '10' }, 'no-parallel': { flag: true }, out: { default: join(here, 'results') },
  name: { default: 'latest' }, label: { default: '' }, keep: { flag: true },
  scales: { default: 'stories260k,smollm2,prefix' }, 'prefix-k': { default: '4,8' }, 'smollm2-designs': { default: 'all' }, 'smollm2-steps': { default: '2' }, 'smollm2-warmup': { default: '1' },
  'smollm2-triples': { default: '8' }, 'smollm2-maxlen': { default: '64' }, 'smollm2-encode-texts': { default: '64' },
  // wasm trains SmolLM2 about 4× slower than tfjs-node: with both, the default run overshoots 25 minutes
  'smollm2-backends': { default: tfjsNodeAddonBuilt() ? 'tfjs-node' : 'wasm' },
}, 'bench');
const scales = args.options.scales!.split(',').map((x) => x.trim().toLowerCase());
for (const x of scales) if (!['stories260k', 'smollm2', 'prefix'].includes(x)) throw new Error(`bench: --scales takes stories260k, smollm2 and/or prefix, got '${x}'`);
const designs = parseDesignList(args.options.designs!);
const measured = intOption(args, 'steps', 'bench')!;
const warmup = intOption(args, 'warmup', 'bench')!;
const seed = intOption(args, 'seed', 'bench')!;
const encodeTexts = intOption(args, 'encode-texts', 'bench')!;
const parallelSteps = intOption(args, 'parallel-steps', 'bench')!;
const threads = args.options.threads!.split(',').map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`bench: --threads takes positive integers, got '${s}'`);
  return n;
});
const outDir = args.options.out!;
const work = mkdtempSync(join(tmpdir(), 'pa-bench-'));
const profile = PROFILES.quick!;
const totalSteps = warmup + measured;
const started = Date.now();
const loadStart = loadavg()[0]!;

function node(script: string, argv: string[], extraEnv: Record<string, string> = {}): Promise<{ stdout: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const env = { ...process.env, PA_QUIET: '1', ...extraEnv };
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...argv], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.on('exit', (code) => code === 0 ? resolve({ stdout, seconds: (performance.now() - t0) / 1000 }) : reject(new Error(`${script} ${argv.join(' ')} exited with ${code}`)));
  });
}
const lastJson = <T>(s: string): T => JSON.parse(s.trim().split('\n').at(-1)!) as T;

const torchThreadEnv = (n: number) => ({ OMP_NUM_THREADS: String(n), OPENBLAS_NUM_THREADS: String(n), MKL_NUM_THREADS: String(n), OMP_WAIT_POLICY: 'PASSIVE' });

/** SmolLM2-135M: each design on every backend × thread count, then PyTorch at each thread count on the
 *  same batches and initial weights; encoding likewise. */
async function smollm2Bench(): Promise<SmolResult> {
  const t0 = Date.now();
  const model = 'smollm2-135m';
  const sDesigns = parseDesignList(args.options['smollm2-designs']!);
  const sWarm = intOption(args, 'smollm2-warmup', 'bench')!, sSteps = intOption(args, 'smollm2-steps', 'bench')!;
  const triples = intOption(args, 'smollm2-triples', 'bench')!, maxLen = intOption(args, 'smollm2-maxlen', 'bench')!;
  const encN = intOption(args, 'smollm2-encode-texts', 'bench')!;
  const backends = args.options['smollm2-backends']!.split(',').map((b) => b.trim()).filter(Boolean);
  // wasm runs one thread in Node; tfjs-node (libtensorflow) at each thread count
  const configs = backends.flatMap((b) => (b === 'wasm' || b === 'cpu' ? [{ backend: b, threads: 1 }] : threads.map((n) => ({ backend: b, threads: n }))));
  const envOf = (c: { backend: string; threads: number }) => ({ PA_BACKEND: c.backend, TF_NUM_INTRAOP_THREADS: String(c.threads), TF_NUM_INTEROP_THREADS: String(c.threads) });
  const prof = { ...profile, model, batchSize: triples, maxLen };
  await initBackend({ quiet: true });
  const base = await loadModel(model);
  const sBatches = [];
  for (let g = 0; g < sWarm + sSteps; g++) {
    const b = (await trainerBatch(base.tokenizer, prof, seed, g)).tokens;
    sBatches.push({ batch: b.batch, seqLen: b.seqLen, ids: Array.from(b.ids), mask: Array.from(b.mask) });
  }
  disposeWeights(base.model.weights); // the tokenizer is all this process needs
  const known = KNOWN_MODELS[model];
  if (known?.format !== 'gguf') throw new Error(`bench: ${model} is expected to be a GGUF model`);
  const spec = {
    seed, gguf: await dataFile(known.file), batches: sBatches, designs: [] as unknown[], encode: null as unknown,
    profile: { lr: prof.lr, warmupSteps: prof.warmupSteps, weightDecay: prof.weightDecay, clipNorm: prof.clipNorm, scale: prof.scale, lora: prof.lora },
  };
  const torchRun = (sp: unknown, n: number, what: string) => {
    const file = join(work, `smollm2-spec-${what}.json`);
    writeFileSync(file, JSON.stringify(sp));
    const r = spawnSync(join(root, '.venv', 'bin', 'python'), [join(here, 'torch_step.py'), file, String(n)], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...torchThreadEnv(n) } });
    if (r.status !== 0) throw new Error(`torch_step.py (${model}, ${n} threads, ${what}) failed: ${r.stderr}`);
    return lastJson<TorchRun>(r.stdout);
  };
  const tfjsRows: SmolTfjsTrain[] = [], torchRows: SmolTorchTrain[] = [];
  const ms = (xs: number[]) => (median(xs.slice(sWarm)) * 1000).toFixed(0);
  for (const d of sDesigns) {
    let init: TfjsTrain | undefined;
    for (const c of configs) {
      const r = lastJson<TfjsTrain>((await node(join(here, 'tfjs-train.ts'), [d.name, String(sWarm + sSteps), String(seed), work, model, String(triples), String(maxLen)], envOf(c))).stdout);
      log(`${model} tfjs ${r.backend}/${c.threads} ${d.name}: median step ${ms(r.stepSeconds)} ms (CPU ${ms(r.stepCpuSeconds)} ms), first loss ${r.losses[0]!.toFixed(6)}, peak RSS ${r.peakRssMB.toFixed(0)} MB`);
      tfjsRows.push({ design: d.name, backend: r.backend, threads: c.threads, stepSeconds: r.stepSeconds, stepCpuSeconds: r.stepCpuSeconds, losses: r.losses, peakRssMB: r.peakRssMB });
      init ??= r;
    }
    for (const n of threads) {
      const run = torchRun({ ...spec, designs: [{ name: d.name, pooling: init!.pooling.name, poolingOptions: init!.pooling.options, attention: init!.attention, initialWeights: init!.initialWeights }] }, n, d.name);
      const t = run.designs[0]!;
      log(`${model} torch ${n} thread(s) ${d.name}: median step ${ms(t.stepSeconds)} ms (CPU ${ms(t.stepCpuSeconds)} ms), first loss ${t.losses[0]!.toFixed(6)}`);
      torchRows.push({ ...t, threads: n, torch: run.torch, peakRssMB: run.peakRssMB });
    }
  }
  const encode: SmolEncode[] = [];
  let ref: (EncodeResult['tfjs'] & { initialWeights: string; embeddingsFile: string; batchesFile: string; design: Record<string, unknown> }) | undefined;
  for (const c of configs) {
    const e = lastJson<NonNullable<typeof ref>>((await node(join(here, 'tfjs-encode.ts'), [String(encN), String(seed), work, model, String(maxLen)], envOf(c))).stdout);
    log(`${model} tfjs ${e.backend}/${c.threads} encode: ${e.textsPerSecond.toFixed(2)} texts/s`);
    encode.push({ engine: 'tfjs', backend: e.backend, threads: c.threads, texts: e.texts, textsPerSecond: e.textsPerSecond, peakRssMB: e.peakRssMB });
    ref ??= e;
  }
  for (const n of threads) {
    const run = torchRun({ ...spec, designs: [], batches: [], encode: { design: { ...ref!.design, initialWeights: ref!.initialWeights }, batches: JSON.parse(readFileSync(ref!.batchesFile, 'utf8')), tfjsEmbeddings: ref!.embeddingsFile } }, n, 'encode');
    log(`${model} torch ${n} thread(s) encode: ${run.encode!.textsPerSecond.toFixed(2)} texts/s, max |Δ| vs tfjs ${run.encode!.maxAbsDiffVsTfjs.toExponential(1)}`);
    encode.push({ engine: 'pytorch', backend: `torch ${run.torch}`, threads: n, texts: run.encode!.texts, textsPerSecond: run.encode!.textsPerSecond, peakRssMB: run.peakRssMB, maxAbsDiffVsTfjs: run.encode!.maxAbsDiffVsTfjs });
  }
  return summarizeSmol({ model, tripleBatch: triples, maxLen, warmupSteps: sWarm, measuredSteps: sSteps, encodeTexts: encN, tfjs: tfjsRows, torch: torchRows, encode, seconds: (Date.now() - t0) / 1000 });
}

/** The frozen-prefix bench (bench/prefix.ts) in a child process: its JSON result and its markdown.
 *  Without the k-off rows (top-k LoRA, cache off: the slowest configuration, no question of its own). */
async function prefixBench(): Promise<PrefixPart> {
  const dir = join(work, 'prefix');
  await node(join(here, 'prefix.ts'), ['--k', args.options['prefix-k']!, '--no-off', '--out', dir, '--name', 'prefix-cache']);
  return { result: JSON.parse(readFileSync(join(dir, 'prefix-cache.json'), 'utf8')) as Record<string, unknown>, markdown: readFileSync(join(dir, 'prefix-cache.md'), 'utf8') };
}
interface PrefixPart { result: Record<string, unknown>; markdown: string }

function finish(result: BenchResult & { smollm2?: SmolResult; prefix?: PrefixPart }): void {
  const md = markdownReport(result) + (result.smollm2 ? '\n' + smolMarkdown(result.smollm2) : '') + (result.prefix ? '\n' + result.prefix.markdown : '');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${args.options.name}.json`), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(join(outDir, `${args.options.name}.md`), md);
  process.stdout.write(md);
  if (args.flags.keep) log(`kept the work folder ${work}`);
  else rmSync(work, { recursive: true, force: true });
  const bad = [result.loss_agreement_max_abs, result.smollm2?.loss_agreement_max_abs ?? 0].find((x) => x > 1e-4);
  if (bad !== undefined) {
    log(`FAIL: first-step losses of tfjs and PyTorch differ by ${bad.toExponential(2)} (> 1e-4)`);
    process.exitCode = 1;
  }
}

if (!scales.includes('stories260k')) {
  // SmolLM2 and/or the prefix cache only: those parts of an existing result are replaced, the rest kept
  const file = join(outDir, `${args.options.name}.json`);
  const previous = JSON.parse(readFileSync(file, 'utf8')) as BenchResult & { smollm2?: SmolResult; prefix?: PrefixPart };
  const smollm2 = scales.includes('smollm2') ? await smollm2Bench() : previous.smollm2;
  finish({ ...previous, smollm2, prefix: scales.includes('prefix') ? await prefixBench() : previous.prefix });
  process.exit();
}

// The trainer's batches, which both sides train on
await initBackend({ quiet: true });
const base = await loadModel(profile.model);
const batches = [];
for (let g = 0; g < totalSteps; g++) {
  const b = (await trainerBatch(base.tokenizer, profile, seed, g)).tokens;
  batches.push({ batch: b.batch, seqLen: b.seqLen, ids: Array.from(b.ids), mask: Array.from(b.mask) });
}
/** The PyTorch side reads llama2.c checkpoints only. */
function llama2cCheckpoint(name: string): string {
  const known = KNOWN_MODELS[name];
  if (known?.format !== 'llama2c') throw new Error(`bench: model '${name}' is not a known llama2.c model (the PyTorch reference reads only those)`);
  return known.checkpoint;
}
const specBase = {
  seed, checkpoint: await dataFile(llama2cCheckpoint(profile.model)),
  profile: { lr: profile.lr, warmupSteps: profile.warmupSteps, weightDecay: profile.weightDecay, clipNorm: profile.clipNorm, scale: profile.scale, lora: profile.lora },
  batches, designs: [] as unknown[], encode: null as unknown,
};

/** PyTorch at each thread count on one spec; runs are merged per thread count. */
const torchRuns = new Map<number, TorchRun>();
function runTorch(spec: typeof specBase, what: string): void {
  const specFile = join(work, `spec-${what}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  for (const n of threads) {
    // OpenBLAS (Debian's torch BLAS) and OpenMP start their own thread pools unless told their size; idle
    // threads sleep rather than spin (on a shared machine, spinning threads of both pools thrash)
    const threadEnv = { OMP_NUM_THREADS: String(n), OPENBLAS_NUM_THREADS: String(n), MKL_NUM_THREADS: String(n), OMP_WAIT_POLICY: 'PASSIVE' };
    const r = spawnSync(join(root, '.venv', 'bin', 'python'), [join(here, 'torch_step.py'), specFile, String(n)], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...threadEnv } });
    if (r.status !== 0) throw new Error(`torch_step.py (${n} threads, ${what}) failed: ${r.stderr}`);
    const run = lastJson<TorchRun>(r.stdout);
    const all = torchRuns.get(n);
    if (!all) torchRuns.set(n, run);
    else {
      all.designs.push(...run.designs);
      all.encode ??= run.encode;
      all.peakRssMB = Math.max(all.peakRssMB, run.peakRssMB);
    }
    for (const d of run.designs) log(`torch ${n} thread(s) ${d.design}: median step ${(median(d.stepSeconds.slice(warmup)) * 1000).toFixed(0)} ms (CPU ${(median(d.stepCpuSeconds.slice(warmup)) * 1000).toFixed(0)} ms), first loss ${d.losses[0]!.toFixed(6)}`);
    if (run.encode) log(`torch ${n} thread(s) encode: ${run.encode.textsPerSecond.toFixed(1)} texts/s`);
  }
}

// 1. each design: tfjs in a fresh process (its own heap, so peak RSS is per design), then PyTorch on
// the same batches right after it, so both see about the same load on a shared machine
const tfjs: TfjsTrain[] = [];
for (const d of designs) {
  const r = lastJson<TfjsTrain>((await node(join(here, 'tfjs-train.ts'), [d.name, String(totalSteps), String(seed), work])).stdout);
  log(`tfjs ${d.name}: median step ${(median(r.stepSeconds.slice(warmup)) * 1000).toFixed(0)} ms (CPU ${(median(r.stepCpuSeconds.slice(warmup)) * 1000).toFixed(0)} ms), first loss ${r.losses[0]!.toFixed(6)}, peak RSS ${r.peakRssMB.toFixed(0)} MB`);
  tfjs.push(r);
  runTorch({ ...specBase, designs: [{ name: r.design, pooling: r.pooling.name, poolingOptions: r.pooling.options, attention: r.attention, initialWeights: r.initialWeights }] }, r.design);
}

// 2. encoding throughput on tfjs (also writes the batches and vectors the PyTorch side compares), then PyTorch
const enc = lastJson<EncodeResult['tfjs'] & { initialWeights: string; embeddingsFile: string; batchesFile: string; design: Record<string, unknown> }>(
  (await node(join(here, 'tfjs-encode.ts'), [String(encodeTexts), String(seed), work])).stdout);
log(`tfjs encode: ${enc.textsPerSecond.toFixed(1)} texts/s`);
runTorch({ ...specBase, batches: [], encode: { design: { ...enc.design, initialWeights: enc.initialWeights }, batches: JSON.parse(readFileSync(enc.batchesFile, 'utf8')), tfjsEmbeddings: enc.embeddingsFile } }, 'encode');
const torch = threads.map((n) => torchRuns.get(n)!);

// 3. both cores: two designs trained side by side (train CLI, --jobs 2) against one after the other,
// in the order 1, 2, 2, 1 (load on a shared machine drifts), each run from the same prepared data
let parallel: ParallelResult | undefined;
if (!args.flags['no-parallel'] && designs.length >= 2) {
  const pair = designs.slice(0, 2).map((d) => d.name).join(',');
  const prep = join(work, 'triples');
  await runTriples(prep, profile, () => {});
  const wall: Record<number, number[]> = { 1: [], 2: [] };
  for (const [i, jobs] of [1, 2, 2, 1].entries()) {
    const dir = join(work, `parallel-${i}`);
    mkdirSync(dir, { recursive: true });
    cpSync(join(prep, 'triples.json'), join(dir, 'triples.json')); // no run builds the data
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'train', '--design', pair, '--profile', profile.name,
      '--steps', String(parallelSteps), '--out', dir, '--jobs', String(jobs)], { cwd: root, encoding: 'utf8', env: { ...process.env, PA_QUIET: '1' } });
    if (r.status !== 0) throw new Error(`train --jobs ${jobs} failed: ${r.stderr}`);
    wall[jobs]!.push((performance.now() - t0) / 1000);
    log(`train ${pair} --steps ${parallelSteps} --jobs ${jobs}: ${wall[jobs]!.at(-1)!.toFixed(1)} s`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  parallel = { designs: pair, steps: parallelSteps, jobs1Seconds: mean(wall[1]!), jobs2Seconds: mean(wall[2]!), speedup: mean(wall[1]!) / mean(wall[2]!), runs: wall };
}

const result: BenchResult = summarize({
  date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', node: process.version },
  profile: profile.name, tripleBatch: profile.batchSize, maxLen: profile.maxLen, warmupSteps: warmup, measuredSteps: measured, seed,
  tfjs, torch, encode: { tfjs: enc, torch: torch.map((t) => ({ threads: t.threads, ...t.encode! })) }, parallel,
  benchSeconds: (Date.now() - started) / 1000, loadAverage: { start: loadStart, end: loadavg()[0]! },
  label: args.options.label!,
});
const smollm2 = scales.includes('smollm2') ? await smollm2Bench() : undefined;
const prefix = scales.includes('prefix') ? await prefixBench() : undefined;
finish({ ...result, benchSeconds: (Date.now() - started) / 1000, loadAverage: { ...result.loadAverage, end: loadavg()[0]! }, smollm2, prefix });

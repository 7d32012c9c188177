// The frozen-prefix cache on SmolLM2-135M (issue 26 item 2): a training step of m1, m4 and m5 with
// LoRA on the top k layers and the frozen layers' outputs cached (src/embedding/prefix-cache.ts),
// against the full step (LoRA on all 30 layers, today's code), measured in the same run through the
// real trainer (bench/tfjs-train.ts, one fresh process per configuration, so peak RSS is per
// configuration); and encoding throughput (bench/tfjs-encode.ts) with and without the cache.
// Per design and k:
//   full      LoRA on every layer (no cache: nothing is frozen)
//   k-off     LoRA on the top k, PA_PREFIX_CACHE=off: the forward still runs every layer
//   k-cold    LoRA on the top k, an empty cache folder: each step computes its texts' prefixes
//             (each text alone through the frozen layers) and writes them
//   k-warm    the same steps again in a new process on that folder: every prefix read from disk,
//             as the next design, seed or evaluation that shares them
//   k-coldb   (--cold-batch) as k-cold with PA_PREFIX_COMPUTE=batch: a step's new prefixes computed
//             together in one padded batch
// The texts of a step are new to the run (70 steps × 8 triples out of 3,000 per source), so within
// one training run every step is a cold one; the warm steps are what the designs after the first
// (m2, m3 after m1; m5, m6 after m4) and other seeds' evaluations get.
// PyTorch (bench/torch_step.py, torch 2.13 CPU from .venv, same threads) then takes the same steps on the
// same batches from the same initial weights: the full step, and its --lora-layers K cached-prefix step
// (prefixes computed before the timed steps, i.e. warm), for the tfjs/PyTorch ratio of each.
// Usage: node --import tsx bench/prefix.ts [--designs m1,m4,m5] [--k 4,8] [--steps 3] [--warmup 1]
//        [--triples 8] [--maxlen 64] [--encode-texts 128] [--threads 2] [--no-off] [--cold-batch] [--no-torch]
//        [--model smollm2-135m|stories260K] [--out bench/results] [--name prefix-cache]
//        [--train-log FILE --work DIR]: take the tfjs training rows (medians) from an earlier run's
//        stderr and its kept work folder (initial weights for PyTorch) instead of training again
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, intOption } from '../src/cli/args.ts';
import { median } from '../src/stats/descriptive.ts';
import { initBackend } from '../src/backend/index.ts';
import { loadModel, KNOWN_MODELS } from '../src/model/load.ts';
import { disposeWeights } from '../src/model/weights.ts';
import { dataFile } from '../src/data/files.ts';
import { PROFILES } from '../src/training/profiles.ts';
import { trainerBatch } from './batches.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const args = parseArgs(process.argv.slice(2), {
  designs: { default: 'm1,m4,m5' }, k: { default: '4,8' }, steps: { default: '3' }, warmup: { default: '1' }, seed: { default: '1' },
  triples: { default: '8' }, maxlen: { default: '64' }, 'encode-texts': { default: '128' }, threads: { default: '2' },
  'train-log': {}, work: {}, 'no-off': { flag: true }, 'cold-batch': { flag: true }, 'no-torch': { flag: true }, model: { default: 'smollm2-135m' }, out: { default: join(here, 'results') }, name: { default: 'prefix-cache' }, label: { default: '' },
}, 'bench');
const designs = args.options.designs!.split(',').map((s) => s.trim()).filter(Boolean);
const ks = args.options.k!.split(',').map(Number);
const steps = intOption(args, 'steps', 'bench')!, warmup = intOption(args, 'warmup', 'bench')!, seed = intOption(args, 'seed', 'bench')!;
const triples = intOption(args, 'triples', 'bench')!, maxLen = intOption(args, 'maxlen', 'bench')!, encodeTexts = intOption(args, 'encode-texts', 'bench')!;
const threads = intOption(args, 'threads', 'bench')!;
const model = args.options.model!;
const work = args.options.work ?? mkdtempSync(join(tmpdir(), 'pa-bench-prefix-'));
const started = Date.now();
const loadStart = loadavg()[0]!;

function node(script: string, argv: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...argv], {
      cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PA_QUIET: '1', PA_BACKEND: 'tfjs-node', TF_NUM_INTRAOP_THREADS: String(threads), TF_NUM_INTEROP_THREADS: String(threads), ...env },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} ${argv.join(' ')} exited with ${code}`))));
  });
}
const lastJson = <T>(s: string): T => JSON.parse(s.trim().split('\n').at(-1)!) as T;

interface TrainRow {
  design: string; config: string; loraLayers: number | null; stepSeconds: number[]; stepCpuSeconds: number[]; losses: number[]; peakRssMB: number;
  prefixCache: { computed: number; loaded: number; hits: number; computeSeconds: number; use: string; frozen: number } | null;
  medianStepSeconds: number; medianStepCpuSeconds: number;
  initialWeights: string; pooling: { name: string; options: Record<string, unknown> }; attention: string;
}
const rows: TrainRow[] = [];
const ms = (x: number) => (x * 1000).toFixed(0);

const trainLog = args.options['train-log'];
if (trainLog) {
  // "[bench] m1 k4-cold: median step 9618 ms (CPU 4821 ms), first loss 4.174036, peak RSS 2388 MB · prefixes computed 72 (22.3 s), read 0"
  const re = /^\[bench\] (\S+) (\S+): median step (\d+) ms \(CPU (\d+) ms\), first loss ([\d.]+), peak RSS (\d+) MB(?: · prefixes computed (\d+) \(([\d.]+) s\), read (\d+))?/;
  const { createDesignPooling } = await import('../src/pooling/index.ts');
  const { designByName } = await import('../src/designs.ts');
  await initBackend({ quiet: true });
  const base = await loadModel(model);
  for (const line of readFileSync(trainLog, 'utf8').split('\n')) {
    const m = re.exec(line);
    if (!m || !designs.includes(m[1]!)) continue;
    const [, d, config, step, stepCpu, loss, rss, computed, secs, loaded] = m;
    const design = designByName(d!);
    const pooling = createDesignPooling(design, base.model.config, PROFILES.quick!.head, 0);
    const k = /^k(\d+)/.exec(config!)?.[1];
    rows.push({
      design: d!, config: config!, loraLayers: k ? Number(k) : null, stepSeconds: [], stepCpuSeconds: [], losses: [Number(loss)], peakRssMB: Number(rss),
      prefixCache: computed === undefined ? null : { computed: Number(computed), loaded: Number(loaded), hits: 0, computeSeconds: Number(secs), use: '', frozen: base.model.config.nLayers - Number(k) },
      medianStepSeconds: Number(step) / 1000, medianStepCpuSeconds: Number(stepCpu) / 1000,
      initialWeights: join(work, `${d}-${config}`, `init-${d}.safetensors`), pooling: { name: pooling.name, options: pooling.options }, attention: design.attention,
    });
  }
  disposeWeights(base.model.weights);
  log(`${rows.length} training rows from ${trainLog}`);
}
for (const d of trainLog ? [] : designs) {
  const configs: { config: string; env: Record<string, string> }[] = [{ config: 'full', env: {} }];
  for (const k of ks) {
    const dir = join(work, `prefix-${d}-k${k}`);
    if (!args.flags['no-off']) configs.push({ config: `k${k}-off`, env: { LORA_LAYERS: String(k), PA_PREFIX_CACHE: 'off' } });
    configs.push({ config: `k${k}-cold`, env: { LORA_LAYERS: String(k), PA_PREFIX_CACHE: dir } });
    configs.push({ config: `k${k}-warm`, env: { LORA_LAYERS: String(k), PA_PREFIX_CACHE: dir } });
    if (args.flags['cold-batch']) configs.push({ config: `k${k}-coldb`, env: { LORA_LAYERS: String(k), PA_PREFIX_CACHE: `${dir}-batch`, PA_PREFIX_COMPUTE: 'batch' } });
  }
  for (const c of configs) {
    mkdirSync(join(work, `${d}-${c.config}`), { recursive: true });
    const r = lastJson<Omit<TrainRow, 'config' | 'medianStepSeconds' | 'medianStepCpuSeconds'>>(
      await node(join(here, 'tfjs-train.ts'), [d, String(warmup + steps), String(seed), join(work, `${d}-${c.config}`), model, String(triples), String(maxLen)], c.env));
    const row: TrainRow = { ...r, design: d, config: c.config, medianStepSeconds: median(r.stepSeconds.slice(warmup)), medianStepCpuSeconds: median(r.stepCpuSeconds.slice(warmup)) };
    rows.push(row);
    const pc = r.prefixCache ? ` · prefixes computed ${r.prefixCache.computed} (${r.prefixCache.computeSeconds.toFixed(1)} s), read ${r.prefixCache.loaded}` : '';
    log(`${d} ${c.config}: median step ${ms(row.medianStepSeconds)} ms (CPU ${ms(row.medianStepCpuSeconds)} ms), first loss ${r.losses[0]!.toFixed(6)}, peak RSS ${r.peakRssMB.toFixed(0)} MB${pc}`);
  }
}

interface EncodeRow { config: string; loraLayers: number | null; texts: number; textsPerSecond: number; coldTextsPerSecond: number; peakRssMB: number; prefixCache: unknown }
const encode: EncodeRow[] = [];
for (const c of [{ config: 'full', env: {} }, ...ks.map((k) => ({ config: `k${k}`, env: { LORA_LAYERS: String(k), PA_PREFIX_CACHE: join(work, `encode-k${k}`) } }))]) {
  mkdirSync(join(work, `encode-${c.config}`), { recursive: true });
  const e = lastJson<EncodeRow>(await node(join(here, 'tfjs-encode.ts'), [String(encodeTexts), String(seed), join(work, `encode-${c.config}`), model, String(maxLen)], c.env));
  encode.push({ config: c.config, loraLayers: e.loraLayers, texts: e.texts, textsPerSecond: e.textsPerSecond, coldTextsPerSecond: e.coldTextsPerSecond, peakRssMB: e.peakRssMB, prefixCache: e.prefixCache });
  log(`encode ${c.config}: first pass ${e.coldTextsPerSecond.toFixed(2)} texts/s, second pass ${e.textsPerSecond.toFixed(2)} texts/s, peak RSS ${e.peakRssMB.toFixed(0)} MB`);
}

// PyTorch on the same batches and initial weights: the full step and the cached-prefix step
interface TorchRow { design: string; config: string; stepSeconds: number[]; stepCpuSeconds: number[]; losses: number[]; prefixSeconds?: number; prefixTexts?: number; peakRssMB: number; medianStepSeconds: number; medianStepCpuSeconds: number }
const torchRows: TorchRow[] = [];
if (!args.flags['no-torch']) {
  await initBackend({ quiet: true });
  const base = await loadModel(model);
  const prof = { ...PROFILES.quick!, model, batchSize: triples, maxLen };
  const batches = [];
  for (let g = 0; g < warmup + steps; g++) {
    const b = (await trainerBatch(base.tokenizer, prof, seed, g)).tokens;
    batches.push({ batch: b.batch, seqLen: b.seqLen, ids: Array.from(b.ids), mask: Array.from(b.mask) });
  }
  disposeWeights(base.model.weights);
  const known = KNOWN_MODELS[model];
  const file = known?.format === 'gguf' ? { gguf: await dataFile(known.file) } : known?.format === 'llama2c' ? { checkpoint: await dataFile(known.checkpoint) } : undefined;
  if (!file) throw new Error(`bench: ${model} is not a known model`);
  const threadEnv = { OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), OMP_WAIT_POLICY: 'PASSIVE' };
  for (const d of designs) {
    for (const [config, k] of [['full', undefined], ...ks.map((k) => [`k${k}-warm`, k] as const)] as const) {
      const init = rows.find((r) => r.design === d && r.config === (k === undefined ? 'full' : `k${k}-cold`))!;
      const spec = { seed, ...file, batches, encode: null, profile: { lr: prof.lr, warmupSteps: prof.warmupSteps, weightDecay: prof.weightDecay, clipNorm: prof.clipNorm, scale: prof.scale, lora: prof.lora },
        designs: [{ name: d, pooling: init.pooling.name, poolingOptions: init.pooling.options, attention: init.attention, initialWeights: init.initialWeights }] };
      const specFile = join(work, `torch-${d}-${config}.json`);
      writeFileSync(specFile, JSON.stringify(spec));
      const r = spawnSync(join(root, '.venv', 'bin', 'python'), [join(here, 'torch_step.py'), specFile, String(threads), ...(k === undefined ? [] : ['--lora-layers', String(k)])],
        { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...threadEnv } });
      if (r.status !== 0) throw new Error(`torch_step.py (${d} ${config}) failed: ${r.stderr}`);
      const run = lastJson<{ designs: Omit<TorchRow, 'config' | 'peakRssMB' | 'medianStepSeconds' | 'medianStepCpuSeconds'>[]; peakRssMB: number }>(r.stdout);
      const t = run.designs[0]!;
      const row: TorchRow = { ...t, config, peakRssMB: run.peakRssMB, medianStepSeconds: median(t.stepSeconds.slice(warmup)), medianStepCpuSeconds: median(t.stepCpuSeconds.slice(warmup)) };
      torchRows.push(row);
      log(`torch ${d} ${config}: median step ${ms(row.medianStepSeconds)} ms (CPU ${ms(row.medianStepCpuSeconds)} ms), first loss ${t.losses[0]!.toFixed(6)} (tfjs ${init.losses[0]!.toFixed(6)})${t.prefixSeconds !== undefined ? `, prefixes of ${t.prefixTexts} texts ${t.prefixSeconds.toFixed(1)} s` : ''}`);
    }
  }
}

// ratios to the full step of the same design, measured in this run
const ratios = rows.filter((r) => r.config !== 'full').map((r) => {
  const full = rows.find((x) => x.design === r.design && x.config === 'full')!;
  return { design: r.design, config: r.config, speedup: full.medianStepSeconds / r.medianStepSeconds, cpuSpeedup: full.medianStepCpuSeconds / r.medianStepCpuSeconds };
});
const fullEncode = encode.find((e) => e.config === 'full')!;
const result = {
  date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', node: process.version }, label: args.options.label!,
  model, backend: 'tfjs-node', threads, tripleBatch: triples, maxLen, warmupSteps: warmup, measuredSteps: steps, seed,
  train: rows, ratios, torch: torchRows, encode, encodeRatios: encode.filter((e) => e !== fullEncode).map((e) => ({ config: e.config, coldSpeedup: e.coldTextsPerSecond / fullEncode.textsPerSecond, warmSpeedup: e.textsPerSecond / fullEncode.textsPerSecond })),
  benchSeconds: (Date.now() - started) / 1000, loadAverage: { start: loadStart, end: loadavg()[0]! },
};

const md = [
  `# Frozen-prefix cache, ${model} (tfjs-node, ${threads} threads)`, '',
  `${result.date} · ${result.machine.model} × ${result.machine.cpus} · ${triples} triples × ≤ ${maxLen} tokens per step, median of ${steps} steps after ${warmup} warm-up · load average ${loadStart.toFixed(1)} → ${result.loadAverage.end.toFixed(1)}${result.label ? ` · ${result.label}` : ''}`, '',
  '| design | configuration | median step (ms) | CPU (ms) | × full (wall) | × full (CPU) | peak RSS (MB) | prefixes computed / read | first loss |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => {
    const q = ratios.find((x) => x.design === r.design && x.config === r.config);
    return `| ${r.design} | ${r.config} | ${ms(r.medianStepSeconds)} | ${ms(r.medianStepCpuSeconds)} | ${q ? q.speedup.toFixed(2) : '1'} | ${q ? q.cpuSpeedup.toFixed(2) : '1'} | ${r.peakRssMB.toFixed(0)} | ${r.prefixCache ? `${r.prefixCache.computed} / ${r.prefixCache.loaded}` : '—'} | ${r.losses[0]!.toFixed(6)} |`;
  }),
  ...(torchRows.length ? ['', `PyTorch ${'(.venv torch, same threads)'} on the same batches and initial weights: the full step, and the cached-prefix step with every prefix already computed (warm).`, '',
    '| design | configuration | median step (ms) | CPU (ms) | × torch full (wall) | tfjs / torch (wall) | tfjs / torch (CPU) | first loss (tfjs − torch) | prefixes (s per text) |', '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...torchRows.map((t) => {
      const full = torchRows.find((x) => x.design === t.design && x.config === 'full')!;
      const tf = rows.find((x) => x.design === t.design && x.config === t.config)!;
      return `| ${t.design} | ${t.config} | ${ms(t.medianStepSeconds)} | ${ms(t.medianStepCpuSeconds)} | ${(full.medianStepSeconds / t.medianStepSeconds).toFixed(2)} | ${(tf.medianStepSeconds / t.medianStepSeconds).toFixed(2)} | ${(tf.medianStepCpuSeconds / t.medianStepCpuSeconds).toFixed(2)} | ${(tf.losses[0]! - t.losses[0]!).toExponential(1)} | ${t.prefixTexts ? (t.prefixSeconds! / t.prefixTexts).toFixed(3) : '—'} |`;
    })] : []),
  '', `Encoding ${encodeTexts} evaluation texts (m1, batch 32): first pass (cold: with the cache, every prefix computed), second pass (warm: read from the cache).`, '',
  '| configuration | first pass (texts/s) | second pass (texts/s) | × full, cold | × full, warm | peak RSS (MB) |', '|---|---:|---:|---:|---:|---:|',
  ...encode.map((e) => {
    const q = result.encodeRatios.find((x) => x.config === e.config);
    return `| ${e.config} | ${e.coldTextsPerSecond.toFixed(2)} | ${e.textsPerSecond.toFixed(2)} | ${q ? q.coldSpeedup.toFixed(2) : '1'} | ${q ? q.warmSpeedup.toFixed(2) : '1'} | ${e.peakRssMB.toFixed(0)} |`;
  }),
  '', `${(result.benchSeconds / 60).toFixed(1)} min in all.`, '',
].join('\n');
mkdirSync(args.options.out!, { recursive: true });
writeFileSync(join(args.options.out!, `${args.options.name}.json`), JSON.stringify(result, null, 2) + '\n');
writeFileSync(join(args.options.out!, `${args.options.name}.md`), md);
process.stdout.write(md);
if (!args.options.work) rmSync(work, { recursive: true, force: true });

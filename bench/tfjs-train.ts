// One design's training steps on tfjs, measured through the real trainer (src/training/trainer.ts):
// per-step wall and CPU times (taken when the trainer logs each step), the losses from its loss.jsonl,
// and this process's peak RSS. It
// also writes the design's initial LoRA and head weights (the trainer draws the same ones from the
// same seed) for the PyTorch peer to start from.
// Usage: node --import tsx bench/tfjs-train.ts DESIGN STEPS SEED OUTDIR [MODEL TRIPLES MAXLEN]   → one JSON line on stdout
// (default: stories260K with the quick profile's batch; the backend is PA_BACKEND's or the picker's,
// its threads TF_NUM_INTRAOP_THREADS'; CHECKPOINT_LAYERS=1: activation checkpointing; LORA_LAYERS=k: LoRA on
// the top k layers, the frozen prefix cached where PA_PREFIX_CACHE says, src/embedding/prefix-cache.ts)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/backend/index.ts';
import { loadModel } from '../src/model/load.ts';
import { designByName } from '../src/designs.ts';
import { PROFILES } from '../src/training/profiles.ts';
import { train } from '../src/training/trainer.ts';
import { createEmbeddingModel } from '../src/embedding/embedding-model.ts';
import { saveTensors } from '../src/io/tensors.ts';
import { benchTriples } from './batches.ts';

const [designName, stepsArg, seedArg, outDir, modelArg, triplesArg, maxLenArg] = process.argv.slice(2);
if (!designName || !stepsArg || !seedArg || !outDir) throw new Error('usage: tfjs-train.ts DESIGN STEPS SEED OUTDIR');
const backend = await initBackend({ quiet: true });
const model = modelArg ?? 'stories260K';
const base = await loadModel(model);
// the quick profile (batch and length as given), without checkpoints inside the measured steps
const quick = PROFILES.quick!;
const profile = { ...quick, model, batchSize: triplesArg ? Number(triplesArg) : quick.batchSize, maxLen: maxLenArg ? Number(maxLenArg) : quick.maxLen, checkpointEvery: 1_000_000, checkpointLayers: process.env.CHECKPOINT_LAYERS === '1', loraLayers: process.env.LORA_LAYERS ? Number(process.env.LORA_LAYERS) : undefined };
const design = designByName(designName);
const seed = Number(seedArg);
const steps = Number(stepsArg);

const init = createEmbeddingModel(base, design, profile, seed);
const initialWeights = join(outDir, `init-${design.name}.safetensors`);
const named = { ...Object.fromEntries(Object.entries(init.pooling.variables).map(([k, v]) => [`head.${k}`, v])), ...Object.fromEntries(Object.entries(init.lora!.variables).map(([k, v]) => [`lora.${k}`, v])) };
await saveTensors(initialWeights, named);

const triples = await benchTriples(profile);
const runDir = join(outDir, `run-${design.name}`);
if (Math.round(steps / 50) > 1) throw new Error('tfjs-train: the trainer logs every step only for runs under 75 steps');
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const marks = [{ wall: performance.now() / 1000, cpu: cpu() }];
const result = await train({ design, profile, seed, runDir, base, triples, steps, log: (l) => { if (/^\[train \S+\] step \d+\//.test(l)) marks.push({ wall: performance.now() / 1000, cpu: cpu() }); } });
const rows = readFileSync(join(runDir, design.name, 'loss.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { loss: number });
if (marks.length !== steps + 1) throw new Error(`tfjs-train: ${marks.length - 1} step logs for ${steps} steps`);
// step 1's interval also holds the trainer's set-up (building the model, tokenizing): a warm-up step
const stepSeconds = marks.slice(1).map((m, i) => m.wall - marks[i]!.wall);
const stepCpuSeconds = marks.slice(1).map((m, i) => m.cpu - marks[i]!.cpu);
console.log(JSON.stringify({
  design: design.name, model, backend, threads: process.env.TF_NUM_INTRAOP_THREADS ?? null, stepSeconds, stepCpuSeconds, losses: rows.map((r) => r.loss), initialWeights,
  pooling: { name: init.pooling.name, options: init.pooling.options }, attention: design.attention, checkpointLayers: profile.checkpointLayers,
  loraLayers: profile.loraLayers ?? null, prefixCache: result.model.prefix ? { ...result.model.prefix.cache.stats, use: result.model.prefix.use, frozen: result.model.prefix.cache.frozen } : null,
  peakRssMB: process.resourceUsage().maxRSS / 1024,
}));

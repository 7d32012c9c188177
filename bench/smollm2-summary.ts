// The SmolLM2-135M half of the benchmark: training step per design and encoding throughput for every
// installed backend at each thread count, beside PyTorch at 1 and 2 threads, on the same GGUF weights
// (PyTorch dequantises them with gguf-py), the same batches and the same initial LoRA/head weights.
// Pure functions of the measurements.
import { median } from '../src/stats/descriptive.ts';

/** One tfjs training process: a design on a backend at a thread count. */
export interface SmolTfjsTrain {
  design: string;
  backend: string;
  /** TF_NUM_INTRAOP_THREADS given to the process (wasm: always one thread) */
  threads: number;
  stepSeconds: number[];
  stepCpuSeconds: number[];
  losses: number[];
  peakRssMB: number;
}

export interface SmolTorchTrain { design: string; threads: number; torch: string; stepSeconds: number[]; stepCpuSeconds: number[]; losses: number[]; peakRssMB: number }

export interface SmolEncode { engine: string; backend: string; threads: number; texts: number; textsPerSecond: number; peakRssMB: number; maxAbsDiffVsTfjs?: number }

export interface SmolInput {
  model: string;
  tripleBatch: number;
  maxLen: number;
  warmupSteps: number;
  measuredSteps: number;
  encodeTexts: number;
  tfjs: SmolTfjsTrain[];
  torch: SmolTorchTrain[];
  encode: SmolEncode[];
  seconds: number;
}

export interface SmolDesignRow {
  design: string;
  /** `backend/threads` → median step ms (wall) and CPU ms */
  tfjs_step_ms: Record<string, number>;
  tfjs_step_cpu_ms: Record<string, number>;
  torch_step_ms: Record<string, number>;
  torch_step_cpu_ms: Record<string, number>;
  /** the fastest tfjs configuration of this design (wall) */
  best: string;
  ratio_vs_torch_2threads: number;
  ratio_vs_torch_2threads_cpu: number;
  loss_abs_diff: number;
}

export interface SmolResult extends SmolInput {
  designs: SmolDesignRow[];
  /** median over designs of (our best backend's step ÷ PyTorch's at 2 threads), wall time */
  train_step_ratio_vs_pytorch_2threads: number;
  train_step_ratio_vs_pytorch_2threads_cpu: number;
  /** PyTorch 2-thread texts/s ÷ our best texts/s (a time ratio, like the step's) */
  encode_ratio_vs_pytorch_2threads: number;
  /** largest |first-step loss tfjs − PyTorch| over designs, backends and thread counts */
  loss_agreement_max_abs: number;
  /** the backend (and threads) most often fastest over designs */
  backend: string;
  /** largest peak RSS of a tfjs SmolLM2 training process */
  train_peak_rss_mb: number;
}

const key = (backend: string, threads: number) => `${backend}/${threads}`;

export function summarizeSmol(input: SmolInput): SmolResult {
  const w = input.warmupSteps;
  const designs = [...new Set(input.tfjs.map((t) => t.design))].map((design): SmolDesignRow => {
    const rows = input.tfjs.filter((t) => t.design === design);
    const tor = input.torch.filter((t) => t.design === design);
    const two = tor.find((t) => t.threads === 2);
    if (!two) throw new Error(`bench smollm2: PyTorch at 2 threads has no result for ${design}`);
    const tfjsMs = Object.fromEntries(rows.map((r) => [key(r.backend, r.threads), median(r.stepSeconds.slice(w)) * 1000]));
    const tfjsCpu = Object.fromEntries(rows.map((r) => [key(r.backend, r.threads), median(r.stepCpuSeconds.slice(w)) * 1000]));
    const best = Object.entries(tfjsMs).sort((a, b) => a[1] - b[1])[0]![0];
    const torchMs = median(two.stepSeconds.slice(w)) * 1000, torchCpu = median(two.stepCpuSeconds.slice(w)) * 1000;
    return {
      design, tfjs_step_ms: tfjsMs, tfjs_step_cpu_ms: tfjsCpu,
      torch_step_ms: Object.fromEntries(tor.map((t) => [`${t.threads}`, median(t.stepSeconds.slice(w)) * 1000])),
      torch_step_cpu_ms: Object.fromEntries(tor.map((t) => [`${t.threads}`, median(t.stepCpuSeconds.slice(w)) * 1000])),
      best, ratio_vs_torch_2threads: tfjsMs[best]! / torchMs, ratio_vs_torch_2threads_cpu: tfjsCpu[best]! / torchCpu,
      loss_abs_diff: Math.max(...rows.flatMap((r) => tor.map((t) => Math.abs(r.losses[0]! - t.losses[0]!)))),
    };
  });
  const ours = input.encode.filter((e) => e.engine === 'tfjs');
  const torch2 = input.encode.find((e) => e.engine === 'pytorch' && e.threads === 2);
  if (!torch2 || ours.length === 0) throw new Error('bench smollm2: encoding needs tfjs and PyTorch at 2 threads');
  const counts = new Map<string, number>();
  designs.forEach((d) => counts.set(d.best, (counts.get(d.best) ?? 0) + 1));
  return {
    ...input, designs,
    train_step_ratio_vs_pytorch_2threads: median(designs.map((d) => d.ratio_vs_torch_2threads)),
    train_step_ratio_vs_pytorch_2threads_cpu: median(designs.map((d) => d.ratio_vs_torch_2threads_cpu)),
    encode_ratio_vs_pytorch_2threads: torch2.textsPerSecond / Math.max(...ours.map((e) => e.textsPerSecond)),
    loss_agreement_max_abs: Math.max(...designs.map((d) => d.loss_abs_diff)),
    backend: [...counts].sort((a, b) => b[1] - a[1])[0]![0],
    train_peak_rss_mb: Math.max(...input.tfjs.map((t) => t.peakRssMB)),
  };
}

const f = (x: number | undefined, digits = 0) => (x === undefined ? '–' : x.toFixed(digits));

export function smolMarkdown(r: SmolResult): string {
  const configs = [...new Set(r.tfjs.map((t) => key(t.backend, t.threads)))];
  const threads = [...new Set(r.torch.map((t) => t.threads))].sort();
  return [
    `## ${r.model}: ${r.tripleBatch} triples (${3 * r.tripleBatch} sequences) × ≤${r.maxLen} tokens, LoRA; median of ${r.measuredSteps} steps after ${r.warmupSteps} warm-up`,
    '',
    'Step wall ms (CPU ms) per backend/threads:',
    '',
    `| design | ${configs.map((c) => `tfjs ${c}`).join(' | ')} | ${threads.map((n) => `PyTorch ${n} thr`).join(' | ')} | best ÷ PyTorch 2 thr, wall (CPU) | first-loss \\|Δ\\| |`,
    `|---|${configs.map(() => '---:').join('|')}|${threads.map(() => '---:').join('|')}|---:|---:|`,
    ...r.designs.map((d) => `| ${d.design} | ${configs.map((c) => `${f(d.tfjs_step_ms[c])} (${f(d.tfjs_step_cpu_ms[c])})`).join(' | ')} | ${threads.map((n) => `${f(d.torch_step_ms[`${n}`])} (${f(d.torch_step_cpu_ms[`${n}`])})`).join(' | ')} | ${f(d.ratio_vs_torch_2threads, 2)} (${f(d.ratio_vs_torch_2threads_cpu, 2)}) | ${d.loss_abs_diff.toExponential(1)} |`),
    '',
    `Encoding (${r.encodeTexts} evaluation texts, ≤${r.maxLen} tokens, design m1, second pass):`,
    '',
    '| engine | texts/s | peak RSS (MB) | max \\|Δ\\| vs tfjs |',
    '|---|---:|---:|---:|',
    ...r.encode.map((e) => `| ${e.engine === 'tfjs' ? `tfjs ${e.backend}` : 'PyTorch'} ${e.threads} thr | ${f(e.textsPerSecond, 2)} | ${f(e.peakRssMB)} | ${e.maxAbsDiffVsTfjs === undefined ? '–' : e.maxAbsDiffVsTfjs.toExponential(1)} |`),
    '',
    `- **smollm2.train_step_ratio_vs_pytorch_2threads** (median over designs, best backend, wall): ${f(r.train_step_ratio_vs_pytorch_2threads, 2)}; CPU time: ${f(r.train_step_ratio_vs_pytorch_2threads_cpu, 2)}`,
    `- **smollm2.encode_ratio_vs_pytorch_2threads**: ${f(r.encode_ratio_vs_pytorch_2threads, 2)}`,
    `- **smollm2.loss_agreement_max_abs**: ${r.loss_agreement_max_abs.toExponential(2)}`,
    `- **smollm2.backend**: ${r.backend}; peak RSS of a tfjs training process: ${f(r.train_peak_rss_mb)} MB; PyTorch: ${f(Math.max(...r.torch.map((t) => t.peakRssMB)))} MB`,
    `- SmolLM2 part: ${f(r.seconds)} s`,
    '',
  ].join('\n');
}

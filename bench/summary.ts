// The benchmark's result: the raw measurements, the summary numbers the issue asks for, and the
// Markdown table. Pure functions of the measurements.
import { median } from '../src/stats/descriptive.ts';

export interface TfjsTrain {
  design: string;
  backend: string;
  /** wall seconds of each trainer step, warm-up steps included */
  stepSeconds: number[];
  /** CPU seconds of each step (this process; the step runs on one thread) */
  stepCpuSeconds: number[];
  losses: number[];
  initialWeights: string;
  pooling: { name: string; options: Record<string, unknown> };
  attention: string;
  peakRssMB: number;
}

export interface TorchRun {
  torch: string;
  threads: number;
  designs: { design: string; stepSeconds: number[]; stepCpuSeconds: number[]; losses: number[] }[];
  encode?: { texts: number; seconds: number; textsPerSecond: number; maxAbsDiffVsTfjs: number };
  peakRssMB: number;
}

export interface EncodeResult {
  tfjs: { backend: string; texts: number; seconds: number; textsPerSecond: number; coldTextsPerSecond: number; tokens: number; maxLen: number; batchSize: number; peakRssMB: number };
  torch: { threads: number; texts: number; seconds: number; textsPerSecond: number; maxAbsDiffVsTfjs: number }[];
}

export interface ParallelResult {
  designs: string;
  steps: number;
  /** means over the runs */
  jobs1Seconds: number;
  jobs2Seconds: number;
  speedup: number;
  /** wall seconds of each run, by --jobs */
  runs: Record<number, number[]>;
}

export interface DesignRow {
  design: string;
  tfjs_step_ms: number;
  /** keyed by thread count */
  torch_step_ms: Record<string, number>;
  /** tfjs ÷ PyTorch at 1 thread (wall time) */
  ratio_vs_torch_1thread: number;
  tfjs_step_cpu_ms: number;
  torch_1thread_step_cpu_ms: number;
  /** the same ratio in CPU time, which other processes on a shared machine disturb less */
  ratio_vs_torch_1thread_cpu: number;
  first_loss_tfjs: number;
  first_loss_torch: number;
  loss_abs_diff: number;
  tfjs_peak_rss_mb: number;
}

export interface BenchInput {
  date: string;
  machine: { cpus: number; model: string; node: string };
  profile: string;
  tripleBatch: number;
  maxLen: number;
  warmupSteps: number;
  measuredSteps: number;
  seed: number;
  tfjs: TfjsTrain[];
  torch: TorchRun[];
  encode: EncodeResult;
  parallel?: ParallelResult;
  benchSeconds: number;
  /** 1-minute load averages when the bench started and ended (other processes share the cores) */
  loadAverage: { start: number; end: number };
  /** free text: what code was measured (e.g. a git revision) */
  label: string;
}

export interface BenchResult extends BenchInput {
  designs: DesignRow[];
  /** median over designs of (tfjs step time ÷ PyTorch 1-thread step time), wall time */
  train_step_ratio_vs_pytorch_1thread: number;
  /** the same in CPU time */
  train_step_ratio_vs_pytorch_1thread_cpu: number;
  /** largest |first-step loss tfjs − first-step loss PyTorch (1 thread)| over designs */
  loss_agreement_max_abs: number;
  torch_peak_rss_mb: number;
}

export function summarize(input: BenchInput): BenchResult {
  const w = input.warmupSteps;
  const one = input.torch.find((t) => t.threads === 1);
  if (!one) throw new Error('bench: the PyTorch 1-thread run is missing (it is the reference of the ratio)');
  const designs: DesignRow[] = input.tfjs.map((t) => {
    const torchMs: Record<string, number> = {};
    for (const run of input.torch) {
      const d = run.designs.find((x) => x.design === t.design);
      if (!d) throw new Error(`bench: PyTorch (${run.threads} threads) has no result for ${t.design}`);
      torchMs[`${run.threads}`] = median(d.stepSeconds.slice(w)) * 1000;
    }
    const ref = one.designs.find((x) => x.design === t.design)!;
    const tfjsMs = median(t.stepSeconds.slice(w)) * 1000;
    const tfjsCpu = median(t.stepCpuSeconds.slice(w)) * 1000;
    const torchCpu = median(ref.stepCpuSeconds.slice(w)) * 1000;
    return {
      design: t.design, tfjs_step_ms: tfjsMs, torch_step_ms: torchMs, ratio_vs_torch_1thread: tfjsMs / torchMs['1']!,
      tfjs_step_cpu_ms: tfjsCpu, torch_1thread_step_cpu_ms: torchCpu, ratio_vs_torch_1thread_cpu: tfjsCpu / torchCpu,
      first_loss_tfjs: t.losses[0]!, first_loss_torch: ref.losses[0]!, loss_abs_diff: Math.abs(t.losses[0]! - ref.losses[0]!),
      tfjs_peak_rss_mb: t.peakRssMB,
    };
  });
  return {
    ...input, designs,
    train_step_ratio_vs_pytorch_1thread: median(designs.map((d) => d.ratio_vs_torch_1thread)),
    train_step_ratio_vs_pytorch_1thread_cpu: median(designs.map((d) => d.ratio_vs_torch_1thread_cpu)),
    loss_agreement_max_abs: Math.max(...designs.map((d) => d.loss_abs_diff)),
    torch_peak_rss_mb: Math.max(...input.torch.map((t) => t.peakRssMB)),
  };
}

const f = (x: number, digits = 0) => x.toFixed(digits);

export function markdownReport(r: BenchResult): string {
  const threads = r.torch.map((t) => t.threads);
  const lines = [
    `# Benchmark: training step, tfjs (${r.tfjs[0]?.backend ?? '?'}) vs PyTorch ${r.torch[0]?.torch ?? ''}${r.label ? ` — ${r.label}` : ''}`,
    '',
    `${r.date} · ${r.machine.cpus} × ${r.machine.model} · Node ${r.machine.node} · load average ${f(r.loadAverage.start, 1)} → ${f(r.loadAverage.end, 1)} · profile ${r.profile}: ${r.tripleBatch} triples (${3 * r.tripleBatch} sequences) × ≤${r.maxLen} tokens, LoRA · median of ${r.measuredSteps} steps after ${r.warmupSteps} warm-up`,
    '',
    `| design | tfjs step (ms) | ${threads.map((n) => `PyTorch ${n} thr (ms)`).join(' | ')} | tfjs ÷ PyTorch 1 thr | CPU ms tfjs / PyTorch 1 thr (ratio) | first loss tfjs | first loss PyTorch | \\|Δ\\| | tfjs peak RSS (MB) |`,
    `|---|---:|${threads.map(() => '---:').join('|')}|---:|---:|---:|---:|---:|---:|`,
    ...r.designs.map((d) => `| ${d.design} | ${f(d.tfjs_step_ms)} | ${threads.map((n) => f(d.torch_step_ms[`${n}`]!)).join(' | ')} | ${f(d.ratio_vs_torch_1thread, 2)} | ${f(d.tfjs_step_cpu_ms)} / ${f(d.torch_1thread_step_cpu_ms)} (${f(d.ratio_vs_torch_1thread_cpu, 2)}) | ${f(d.first_loss_tfjs, 6)} | ${f(d.first_loss_torch, 6)} | ${d.loss_abs_diff.toExponential(1)} | ${f(d.tfjs_peak_rss_mb)} |`),
    '',
    `- **train_step_ratio_vs_pytorch_1thread** (median over designs, wall time): ${f(r.train_step_ratio_vs_pytorch_1thread, 2)}; in CPU time: ${f(r.train_step_ratio_vs_pytorch_1thread_cpu, 2)}`,
    `- **loss_agreement_max_abs**: ${r.loss_agreement_max_abs.toExponential(2)}`,
    `- PyTorch peak RSS: ${f(r.torch_peak_rss_mb)} MB`,
    '',
    `Encoding (${r.encode.tfjs.texts} evaluation texts, ≤${r.encode.tfjs.maxLen} tokens, batches of ${r.encode.tfjs.batchSize}, design m1; second pass timed — tfjs's first pass ran at ${f(r.encode.tfjs.coldTextsPerSecond, 1)} texts/s):`,
    '',
    '| engine | texts/s | peak RSS (MB) | max \\|Δ\\| vs tfjs |',
    '|---|---:|---:|---:|',
    `| tfjs ${r.encode.tfjs.backend} (incl. tokenizing) | ${f(r.encode.tfjs.textsPerSecond, 1)} | ${f(r.encode.tfjs.peakRssMB)} | – |`,
    ...r.encode.torch.map((t) => `| PyTorch ${t.threads} thr | ${f(t.textsPerSecond, 1)} | ${f(r.torch.find((x) => x.threads === t.threads)!.peakRssMB)} | ${t.maxAbsDiffVsTfjs.toExponential(1)} |`),
    '',
  ];
  if (r.parallel) {
    const p = r.parallel;
    lines.push(`Both cores: \`train --design ${p.designs} --steps ${p.steps}\` took ${f(p.jobs1Seconds, 1)} s with --jobs 1 (runs: ${p.runs[1]!.map((x) => f(x, 1)).join(', ')}) and ${f(p.jobs2Seconds, 1)} s with --jobs 2 (${p.runs[2]!.map((x) => f(x, 1)).join(', ')}): speed-up ${f(p.speedup, 2)}×.`, '');
  }
  lines.push(`Whole bench: ${f(r.benchSeconds)} s.`, '');
  return lines.join('\n');
}

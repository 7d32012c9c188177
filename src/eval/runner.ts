// The evaluation runner: one design over a list of tasks, every text embedded through the
// embedding cache, results written (atomically, after each task) to DIR/results/<design>.json
// (its format: src/eval/results-file.ts).
// A rerun with the same encoder identity and limit keeps the tasks it does not recompute.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.ts';
import { cacheKey, EmbeddingCache, runIndependent, sharedCacheRoot } from './embedding-cache.ts';
import { runTask } from './run-task.ts';
import { trainingOverlap } from './tasks/decontamination.ts';
import { DEFAULT_INSTRUCTION_POLICY, type InstructionPolicy } from './instruction-policy.ts';
import { openEncoder, type OpenEncoderOptions, type SentenceEncoder } from './sentence-encoder.ts';
import { identityHash } from '../io/sha256.ts';
import { allTasks, builtinTasks, TASK_CATEGORIES, type Task, type TaskCategory } from './tasks/index.ts';
import { resultsDir, resultsFile, runEmbeddingCacheDir } from '../run-folder.ts';
import { resultsDifferences } from '../freshness.ts';
import { readRunSpec, recordUserTasks } from '../run-spec.ts';
import type { CacheStats, DesignResultsJson, TaskResultJson } from './results-file.ts';

/** Texts encoded per call (and per cache segment): bounds the work lost to an interruption. */
const ENCODE_CHUNK = 2048;
/** Seconds between progress lines while one task encodes. */
const PROGRESS_EVERY_S = 15;

/** `all`, or a comma-separated list of categories (any case: sts, classification, …) and dataset
 *  names (STSBenchmark, …); returned in registry order, each once. `all` and categories mean the
 *  paper's built-in tasks; a registered user task (src/eval/tasks/custom.ts) is named explicitly. */
export function resolveTasks(spec: string): Task[] {
  const wanted = new Set<Task>();
  const parts = spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new Error('--tasks is empty');
  for (const p of parts) {
    if (p.toLowerCase() === 'all') { builtinTasks.forEach((t) => wanted.add(t)); continue; }
    const cat = TASK_CATEGORIES.find((c) => c.toLowerCase() === p.toLowerCase());
    if (cat) { builtinTasks.filter((t) => t.category === cat).forEach((t) => wanted.add(t)); continue; }
    const t = allTasks.find((x) => x.name === p);
    if (!t) {
      throw new Error(`unknown task '${p}'; valid: all, categories ${TASK_CATEGORIES.map((c) => c.toLowerCase()).join(', ')}; datasets ${allTasks.map((x) => x.name).join(', ')}`);
    }
    wanted.add(t);
  }
  return allTasks.filter((t) => wanted.has(t));
}

/** Where a design's embeddings are cached: the shared folder for run-independent designs (zero-shot
 *  rows, outside encoders; see embedding-cache.ts), else DIR/cache/embeddings. */
export const cacheRoot = (runDir: string, design?: string) =>
  (design !== undefined && runIndependent(design) ? sharedCacheRoot() : runEmbeddingCacheDir(runDir));

const emptyStats = (): CacheStats => ({ texts: 0, unique: 0, hits: 0, encoded: 0, tokens: 0, encode_seconds: 0 });

function addStats(into: CacheStats, s: CacheStats): void {
  for (const k of Object.keys(into) as (keyof CacheStats)[]) into[k] += s[k];
}

export interface EvaluateDesignOptions extends OpenEncoderOptions {
  runDir: string;
  design: string;
  tasks: readonly Task[];
  /** items per task (see LoadOptions.limit); undefined = all */
  limit?: number;
  /** per category instead of `limit`: items, or null for the whole test set (profile evalLimitByCategory) */
  limitByCategory?: Partial<Record<TaskCategory, number | null>>;
  /** recorded in the results */
  profile?: string;
  /** instruction policy (default: the authors', src/eval/instruction-policy.ts) */
  instructionPolicy?: InstructionPolicy;
  /** an encoder already open for `design` (reused across calls in one process) */
  encoder?: SentenceEncoder;
  log?: (line: string) => void;
}

export interface DesignRun {
  file: string;
  results: DesignResultsJson;
  /** totals of this call only */
  cache: CacheStats;
}

const fmtRate = (n: number, s: number) => (s > 0 ? (n / s).toFixed(0) : '–');
const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(0)}%` : '–');

/** Evaluate one design on `tasks`; writes DIR/results/<design>.json after each task. */
export async function evaluateDesign(opts: EvaluateDesignOptions): Promise<DesignRun> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const tag = `[eval ${opts.design}]`;
  const t0 = performance.now();
  const encoder = opts.encoder ?? (await openEncoder(opts.design, opts));
  if (encoder.name !== opts.design) throw new Error(`evaluateDesign: encoder '${encoder.name}' given for design '${opts.design}'`);
  const idHash = identityHash(encoder.identity);
  const cache = new EmbeddingCache(cacheRoot(opts.runDir, opts.design), opts.design, encoder.identity);
  for (const c of cache.corrupt) log(`${tag} cache: ${c.file} is damaged (${c.reason}); deleted, its texts will be encoded again`);
  log(`${tag} ${encoder.backend}; cache ${cache.dir}: ${cache.size} vectors in ${cache.segments} segments; limit ${opts.limit ?? 'all'}; ${opts.tasks.length} tasks`);

  const file = resultsFile(opts.runDir, opts.design);
  mkdirSync(resultsDir(opts.runDir), { recursive: true });
  const limit = opts.limit ?? null;
  const byCategory = opts.limitByCategory && Object.keys(opts.limitByCategory).length ? opts.limitByCategory : undefined;
  const limitOf = (task: Task): number | undefined => {
    const c = byCategory?.[task.category];
    return c === undefined ? opts.limit : c ?? undefined;
  };
  const policy = opts.instructionPolicy ?? DEFAULT_INSTRUCTION_POLICY;
  const previous = readPrevious(file, idHash, limit, byCategory, encoder.usesInstructions, policy);
  if (previous === 'replaced') log(`${tag} ${file} was written for another encoder, limit or instruction setting: replacing it`);
  const results: DesignResultsJson = {
    design: opts.design, backend: encoder.backend, limit, ...(byCategory ? { limit_by_category: byCategory } : {}), profile: opts.profile ?? null,
    instructions: encoder.usesInstructions, instruction_policy: policy, encoder: encoder.identity, identity_sha256: idHash,
    created: new Date().toISOString(), seconds: 0,
    cache: { ...emptyStats(), segments_loaded: cache.segments, corrupt_segments: cache.corrupt },
    tasks: typeof previous === 'object' ? previous.tasks : {},
  };
  const total = emptyStats();

  for (const task of opts.tasks) {
    const ts = performance.now();
    const stats = emptyStats();
    let lastProgress = performance.now();
    const embed = async (texts: readonly string[], instruction: string): Promise<Float32Array[]> => {
      const instr = encoder.usesInstructions ? instruction : '';
      const keys = texts.map((t) => cacheKey(instr, t));
      const missing = new Map<string, string>(); // key → text
      const unique = new Set(keys);
      keys.forEach((k, i) => { if (!cache.get(k) && !missing.has(k)) missing.set(k, texts[i]!); });
      stats.texts += texts.length; stats.unique += unique.size; stats.hits += unique.size - missing.size;
      // Similar lengths in one chunk: the encoder sorts within a call, chunks keep that benefit.
      const todo = [...missing].sort((a, b) => a[1].length - b[1].length);
      const te = performance.now();
      for (let s = 0; s < todo.length; s += ENCODE_CHUNK) {
        const chunk = todo.slice(s, s + ENCODE_CHUNK);
        const r = await encoder.encode(chunk.map((c) => c[1]), instr, (done) => {
          if ((performance.now() - lastProgress) / 1000 >= PROGRESS_EVERY_S) {
            lastProgress = performance.now();
            log(`${tag} ${task.name} encoding ${s + done}/${todo.length} texts (${((performance.now() - te) / 1000).toFixed(0)} s)`);
          }
        });
        if (r.vectors.length !== chunk.length) throw new Error(`${opts.design}: encoder returned ${r.vectors.length} vectors for ${chunk.length} texts`);
        cache.add(chunk.map((c) => c[0]), r.vectors);
        stats.encoded += chunk.length; stats.tokens += r.tokens;
      }
      stats.encode_seconds += (performance.now() - te) / 1000;
      return keys.map((k) => cache.get(k)!);
    };
    let run;
    try {
      run = await runTask(task, embed, limitOf(task), policy.eval);
    } catch (e) {
      throw new Error(`${opts.design}, task ${task.name}: ${(e as Error).message}`, { cause: e });
    }
    // a user task's data must be what this run evaluated it on before (run.json records it)
    if (run.sha256 && !builtinTasks.includes(task) && readRunSpec(opts.runDir)) recordUserTasks(opts.runDir, { [task.name]: run.sha256 });
    const seconds = (performance.now() - ts) / 1000;
    const entry: TaskResultJson = {
      category: task.category, main_score: run.result.main_score, scores: run.result.scores, per_sample: run.result.per_sample,
      seconds, items: run.items, instruction: encoder.usesInstructions ? task.instruction : '', files: run.files, cache: stats,
      instructions: encoder.usesInstructions ? run.instructions : { query: '', document: '' }, chance: run.chance,
    };
    if (Object.keys(run.quirks).length) entry.quirks = run.quirks;
    if (run.sha256) entry.sha256 = run.sha256;
    if (!builtinTasks.includes(task)) entry.user_task = true;
    const overlap = await trainingOverlap(task, opts.runDir);
    if (overlap) {
      entry.training_overlap = overlap;
      if (overlap.overlapping > 0) log(`${tag} warning: ${task.name}: ${overlap.overlapping} of its ${overlap.texts} texts occur in this run's training triples (${overlap.triples_file}), e.g. ${JSON.stringify(overlap.examples[0])}: its scores are not out-of-sample`);
    }
    results.tasks[task.name] = entry;
    results.tasks = ordered(results.tasks);
    addStats(total, stats);
    results.cache = { ...total, segments_loaded: cache.segments, corrupt_segments: cache.corrupt };
    results.seconds = (performance.now() - t0) / 1000;
    writeFileAtomic(file, JSON.stringify(results) + '\n');
    log(`${tag} ${task.name} ${run.items} … ${task.mainScore} ${run.result.main_score.toFixed(4)} (${seconds.toFixed(1)} s; ${stats.unique} texts, cache ${pct(stats.hits, stats.unique)} hit, encoded ${stats.encoded}${stats.encoded ? ` at ${fmtRate(stats.encoded, stats.encode_seconds)} texts/s, ${fmtRate(stats.tokens, stats.encode_seconds)} tokens/s` : ''})`);
  }
  results.seconds = (performance.now() - t0) / 1000;
  writeFileAtomic(file, JSON.stringify(results) + '\n');
  log(`${tag} done: ${opts.tasks.length} tasks in ${results.seconds.toFixed(1)} s; cache ${pct(total.hits, total.unique)} hit of ${total.unique} texts, encoded ${total.encoded}${total.encoded ? ` in ${total.encode_seconds.toFixed(1)} s (${fmtRate(total.encoded, total.encode_seconds)} texts/s, ${fmtRate(total.tokens, total.encode_seconds)} tokens/s)` : ''} → ${file}`);
  encoder.dispose?.();
  return { file, results, cache: total };
}

/** Registry order, so files diff cleanly between runs. */
function ordered(tasks: Record<string, TaskResultJson>): Record<string, TaskResultJson> {
  const names = allTasks.map((t) => t.name).filter((n) => n in tasks);
  return Object.fromEntries(names.map((n) => [n, tasks[n]!]));
}

/** The previous results file when it was made for what this evaluation writes (src/freshness.ts),
 *  'replaced' when not, or undefined when there is none. */
function readPrevious(file: string, idHash: string, limit: number | null, limitByCategory: DesignResultsJson['limit_by_category'], instructions: boolean, policy: InstructionPolicy): DesignResultsJson | 'replaced' | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const prev = JSON.parse(readFileSync(file, 'utf8')) as DesignResultsJson;
    if (resultsDifferences(prev as unknown as Record<string, unknown>, { identity_sha256: idHash, limit, limit_by_category: limitByCategory ?? null, instruction_policy: policy }).length === 0
      && prev.instructions === instructions && prev.tasks && typeof prev.tasks === 'object') return prev;
  } catch { /* unreadable: replaced below */ }
  return 'replaced';
}

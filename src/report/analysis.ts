// The statistics behind `compare`: every design against the baseline (Model 1), per category
// (Wilcoxon over datasets, as the paper) and per dataset (paired bootstrap and permutation over
// samples, beyond the paper), with Holm and Benjamini–Hochberg adjustments, effect sizes and,
// when there are several training seeds, a paired test of each difference against seed-to-seed
// variation (seed s gives every design the same triple order and initialisation seed).
// The result is plain data, written as stats.json; the tables are rendered from it.
// A user's own tasks (results marked user_task) stay out of all of that: they get their own scores
// and per-dataset tests (stats.user_tasks), so adding one never moves a category mean or a p-value.
import { commonTaskSet, describeTaskSet, type TaskSet } from './task-set.ts';
import { wilcoxon, type WilcoxonResult } from '../stats/wilcoxon.ts';
import { padjust } from '../stats/padjust.ts';
import { mean } from '../stats/descriptive.ts';
import { matchedPairsRankBiserial, medianDifference } from '../stats/effect-size.ts';
import { pairedTTest, summarizeSeeds, type PairedTTestResult, type SeedSummary } from '../stats/seeds.ts';
import { comparePaired, type PairedData } from '../stats/paired-designs.ts';
import type { BootstrapResult } from '../stats/bootstrap.ts';
import type { PermutationResult } from '../stats/permutation.ts';
import { type PerSample, type SeedRun, type TaskChance } from './results.ts';
import type { TaskCategory } from '../eval/tasks/types.ts';
import { CATEGORY_ORDER } from '../eval/tasks/categories.ts';
import { chanceLevel, type ChanceLevel } from './chance-level.ts';
import { OUTSIDE_ENCODERS, REFERENCE_ROWS } from '../designs.ts';
import { annotateDetectability, sampleUnit, type SampleUnit } from './detectability.ts';
import type { DesignConvergence } from './convergence.ts';

/** Column order: the paper's four categories first (each category's reportOrder). */
export { CATEGORY_ORDER };

export interface AnalysisOptions {
  baseline?: string;
  references?: string[];
  /** bootstrap resamples (default 2000) */
  resamples?: number;
  /** permutation resamples (default 9999) */
  permutations?: number;
  confidence?: number;
  /** PRNG seed shared by every resampling test (common random numbers across comparisons) */
  seed?: number;
  alpha?: number;
  /** skip the per-sample tests (fast) */
  skipPerSample?: boolean;
}

export interface WilcoxonSummary {
  statistic: number | null;
  pvalue: number | null;
  method: string;
  n: number;
  warnings: string[];
  /** sha256 of every results file read, by path in the run folder (written by compare; src/freshness.ts) */
  inputs?: Record<string, string>;
}

export interface CategoryTest {
  design: string;
  baseline: string;
  category: TaskCategory;
  datasets: string[];
  /** category score difference design − baseline, over the datasets both have */
  difference: number;
  wilcoxon: WilcoxonSummary | null;
  /** why the Wilcoxon test could not be run */
  error?: string;
  p_holm: number | null;
  p_bh: number | null;
  rank_biserial: number | null;
  median_difference: BootstrapResult | null;
  /** paired t-test over seeds of the per-seed category scores (needs 2 seeds both designs have) */
  seed_test: PairedTTestResult | null;
  seed_p_holm: number | null;
}

export interface DatasetTest {
  design: string;
  baseline: string;
  dataset: string;
  category: TaskCategory;
  /** main-score difference, mean over seeds */
  difference: number;
  /** paired t-test over the seeds both designs have */
  seed_test: PairedTTestResult | null;
  per_sample: null | {
    kind: 'values' | 'sts';
    statistic: string;
    n_samples: number;
    seeds_paired: number;
    bootstrap: BootstrapResult;
    permutation: PermutationResult;
    p_holm: number | null;
    p_bh: number | null;
    median_difference?: BootstrapResult;
    rank_biserial?: number;
    /** what the samples are: items (queries, pairs, texts), or for Clustering the seeded k-means runs
     *  (the evaluator's per-sample data is one V-measure per k-means run, not per item) */
    unit?: SampleUnit;
    /** samples whose swap changes the statistic (a non-zero difference) */
    n_informative?: number;
    /** minimum detectable difference at 80% power, two-sided alpha: (z_{1-alpha/2} + z_0.8) x bootstrap.se */
    mdd_80?: number | null;
    /** smallest p the permutation test can give here (src/stats/power.ts) */
    min_p?: number;
    /** Holm's first threshold alpha / m over this family of m tests */
    holm_threshold?: number;
    /** min_p < holm_threshold: false = no data could make this test survive Holm */
    can_reach_holm?: boolean;
  };
  /** why the per-sample tests were skipped */
  per_sample_skipped?: string;
}

export interface Stats {
  baseline: string;
  designs: string[];
  tested: string[];
  references: string[];
  categories: TaskCategory[];
  seeds: (number | null)[];
  options: Required<Omit<AnalysisOptions, 'references' | 'baseline'>>;
  methods: Record<string, string>;
  /** the built-in tasks every design and reference row has: every score and test below is over these */
  task_set: TaskSet;
  /** per design, per category: score (mean over its datasets of the seed-mean main score) */
  category_scores: Record<string, Record<string, { score: number; datasets: string[]; seeds: SeedSummary | null }>>;
  /** per design, per dataset: seed summary of the main score */
  dataset_scores: Record<string, Record<string, { category: TaskCategory; seeds: SeedSummary }>>;
  category_tests: CategoryTest[];
  dataset_tests: DatasetTest[];
  /** the instruction policy the results record ({train, eval}); null when they record none or disagree */
  instruction_policy: { train: string; eval: string } | null;
  /** tasks where no decoder design beats a random scorer, and category means without them */
  chance_level: ChanceLevel;
  /** the user's own tasks, apart from everything above: scores and per-dataset tests against the
   *  baseline (Holm and BH over these tests only) */
  user_tasks: {
    datasets: Record<string, TaskCategory>;
    scores: Record<string, Record<string, SeedSummary>>;
    tests: DatasetTest[];
  };
  /** each trained design's loss curves judged by src/report/convergence.ts (written by compare from
   *  <seed dir>/<design>/loss.jsonl; absent in stats.json written before it) */
  convergence?: Record<string, DesignConvergence>;
  warnings: string[];
}

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

function summarizeWilcoxon(r: WilcoxonResult): WilcoxonSummary {
  return { statistic: num(r.statistic), pvalue: num(r.pvalue), method: r.method, n: r.n, warnings: r.warnings };
}

/** design → dataset → seed index → task main score / per-sample data */
interface Index {
  category: Map<string, TaskCategory>;
  scores: Map<string, Map<string, Map<number, number>>>;
  perSample: Map<string, Map<string, Map<number, PerSample>>>;
}

/** The paper's tasks (user = false) or the user's own (user = true) of every run, indexed. */
function indexRuns(runs: SeedRun[], user: boolean): Index {
  const idx: Index = { category: new Map(), scores: new Map(), perSample: new Map() };
  runs.forEach((run, s) => {
    for (const [design, res] of Object.entries(run.designs)) {
      for (const [dataset, task] of Object.entries(res.tasks)) {
        if (task.user_task !== user) continue;
        const known = idx.category.get(dataset);
        if (known && known !== task.category) throw new Error(`${res.file}: ${dataset} has category ${task.category}, elsewhere ${known}`);
        idx.category.set(dataset, task.category);
        const sc = idx.scores.get(design) ?? new Map<string, Map<number, number>>();
        idx.scores.set(design, sc);
        const m = sc.get(dataset) ?? new Map<number, number>();
        sc.set(dataset, m);
        m.set(s, task.main_score);
        if (task.per_sample) {
          const ps = idx.perSample.get(design) ?? new Map<string, Map<number, PerSample>>();
          idx.perSample.set(design, ps);
          const pm = ps.get(dataset) ?? new Map<number, PerSample>();
          ps.set(dataset, pm);
          pm.set(s, task.per_sample);
        }
      }
    }
  });
  return idx;
}

function seedMean(m: Map<number, number>): number {
  return mean([...m.values()]);
}

/** Align two designs' per-sample data over the seeds both have; a string says why it cannot be done. */
function alignPerSample(a: Map<number, PerSample> | undefined, b: Map<number, PerSample> | undefined): PairedData | string {
  if (!a || !b) return 'per-sample data missing for ' + (!a && !b ? 'both designs' : !a ? 'the design' : 'the baseline');
  const seeds = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
  if (seeds.length === 0) return 'no seed has per-sample data for both designs';
  const ref = b.get(seeds[0]!)!;
  const pos = new Map(ref.ids.map((id, i) => [id, i]));
  const reorder = (p: PerSample, what: string): number[][] | string => {
    if (p.ids.length !== ref.ids.length || p.ids.some((id) => !pos.has(id))) return `${what}: sample ids differ from the baseline's`;
    const perm = p.ids.map((id) => pos.get(id)!);
    const put = (v: number[]): number[] => { const o = new Array<number>(v.length); perm.forEach((j, i) => { o[j] = v[i]!; }); return o; };
    if (p.kind === 'values') return [put(p.values)];
    return [put(p.predicted), put(p.gold)];
  };
  const kinds = new Set(seeds.flatMap((s) => [a.get(s)!.kind, b.get(s)!.kind]));
  if (kinds.size !== 1) return 'per-sample kinds differ (values vs predicted/gold)';
  const av: number[][] = [], bv: number[][] = [];
  let gold: number[] | null = null;
  for (const s of seeds) {
    for (const [p, out, what] of [[a.get(s)!, av, 'design'], [b.get(s)!, bv, 'baseline']] as const) {
      const r = reorder(p, `${what}, seed index ${s}`);
      if (typeof r === 'string') return r;
      out.push(r[0]!);
      if (r[1]) {
        if (gold === null) gold = r[1];
        else if (r[1].some((g, i) => Math.abs(g - gold![i]!) > 1e-12)) return 'gold scores differ between designs or seeds';
      }
    }
  }
  return gold ? { kind: 'sts', a: av, b: bv, gold } : { kind: 'values', a: av, b: bv };
}

export function analyze(runs: SeedRun[], options: AnalysisOptions = {}): Stats {
  const baseline = options.baseline ?? 'm1';
  const references = options.references ?? REFERENCE_ROWS;
  const opts = {
    resamples: options.resamples ?? 2000,
    permutations: options.permutations ?? 9999,
    confidence: options.confidence ?? 0.95,
    seed: options.seed ?? 0,
    alpha: options.alpha ?? 0.05,
    skipPerSample: options.skipPerSample ?? false,
  };
  const warnings: string[] = [];
  const idx = indexRuns(runs, false);
  // one task set for every row: a dataset some design lacks leaves every design's means and tests
  const task_set = commonTaskSet(Object.fromEntries([...idx.scores].map(([d, m]) => [d, m.keys()])));
  if (Object.keys(task_set.left_out).length) {
    warnings.push(`compared over the ${describeTaskSet(task_set)}`);
    for (const m of [...idx.scores.values(), ...idx.perSample.values()]) for (const t of Object.keys(task_set.left_out)) m.delete(t);
    for (const t of Object.keys(task_set.left_out)) idx.category.delete(t);
  }
  const userIdx = indexRuns(runs, true);
  if (idx.scores.size === 0 && userIdx.scores.size === 0) warnings.push('no results found');
  // a design evaluated on the user's tasks only is a design of the run too (its rows stay empty above)
  const designs = [...new Set([...idx.scores.keys(), ...userIdx.scores.keys()])].sort(designOrder);
  if (!idx.scores.has(baseline)) {
    if (!userIdx.scores.has(baseline)) throw new Error(`baseline design '${baseline}' not found; designs present: ${designs.join(', ') || '(none)'}`);
    const builtin = [...idx.scores.keys()].sort(designOrder);
    if (builtin.length) {
      throw new Error(`baseline design '${baseline}' was evaluated on your own tasks only (${[...userIdx.scores.get(baseline)!.keys()].sort().join(', ')}), not on the paper's tasks that ${builtin.join(', ')} ${builtin.length > 1 ? 'were' : 'was'} evaluated on: `
        + `evaluate ${baseline} on them (eval --designs ${baseline}), or pick another --baseline`);
    }
    warnings.push(`no built-in task was evaluated: only your own tasks (${[...userIdx.category.keys()].sort().join(', ')}) are compared, in stats.user_tasks and the "Your own tasks" table`);
  }
  const tested = designs.filter((d) => d !== baseline && !references.includes(d));
  const categories = CATEGORY_ORDER.filter((c) => [...idx.category.values()].includes(c));
  const boot = { resamples: opts.resamples, confidence: opts.confidence, seed: opts.seed };

  const datasetsOf = (design: string, cat: TaskCategory): string[] =>
    [...(idx.scores.get(design)?.keys() ?? [])].filter((d) => idx.category.get(d) === cat).sort();

  // Scores
  const dataset_scores: Stats['dataset_scores'] = {};
  const category_scores: Stats['category_scores'] = {};
  for (const design of designs) {
    dataset_scores[design] = {};
    category_scores[design] = {};
    for (const [dataset, m] of idx.scores.get(design) ?? []) {
      dataset_scores[design]![dataset] = { category: idx.category.get(dataset)!, seeds: summarizeSeeds([...m.values()]) };
    }
    for (const cat of categories) {
      const ds = datasetsOf(design, cat);
      if (ds.length === 0) continue;
      const score = mean(ds.map((d) => seedMean(idx.scores.get(design)!.get(d)!)));
      category_scores[design]![cat] = { score, datasets: ds, seeds: perSeedCategory(idx, design, ds, runs.length) };
    }
  }

  // Category tests (the paper's analysis)
  const category_tests: CategoryTest[] = [];
  for (const design of tested) {
    for (const cat of categories) {
      const base = datasetsOf(baseline, cat);
      const mine = new Set(datasetsOf(design, cat));
      const common = base.filter((d) => mine.has(d));
      if (common.length === 0) continue;
      if (common.length !== base.length || common.length !== mine.size) warnings.push(`${design} vs ${baseline}, ${cat}: only the ${common.length} datasets both have are compared`);
      const x = common.map((d) => seedMean(idx.scores.get(design)!.get(d)!));
      const y = common.map((d) => seedMean(idx.scores.get(baseline)!.get(d)!));
      const t: CategoryTest = {
        design, baseline, category: cat, datasets: common,
        difference: mean(x.map((v, i) => v - y[i]!)),
        wilcoxon: null, p_holm: null, p_bh: null,
        rank_biserial: num(matchedPairsRankBiserial(x, y)),
        median_difference: medianDifference(x, y, boot),
        seed_test: null, seed_p_holm: null,
      };
      try { t.wilcoxon = summarizeWilcoxon(wilcoxon(x, y, { alternative: 'two-sided', zeroMethod: 'wilcox', method: 'auto' })); }
      catch (e) { t.error = (e as Error).message; }
      t.seed_test = seedPairedTest(perSeedCategoryBySeed(idx, design, common, runs.length), perSeedCategoryBySeed(idx, baseline, common, runs.length));
      category_tests.push(t);
    }
  }
  adjustInto(category_tests, (t) => t.wilcoxon?.pvalue ?? NaN, (t, h, b) => { t.p_holm = num(h); t.p_bh = num(b); });
  adjustInto(category_tests, (t) => t.seed_test?.pvalue ?? NaN, (t, h) => { t.seed_p_holm = num(h); });

  // Dataset tests (beyond the paper)
  const dataset_tests = datasetTests(idx, tested, baseline, opts, warnings);

  // The user's own tasks, apart
  const user_tasks: Stats['user_tasks'] = {
    datasets: Object.fromEntries([...userIdx.category].sort(([a], [b]) => a.localeCompare(b))),
    scores: Object.fromEntries([...userIdx.scores].sort(([a], [b]) => designOrder(a, b)).map(([design, m]) =>
      [design, Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([d, seeds]) => [d, summarizeSeeds([...seeds.values()])]))])),
    tests: userIdx.scores.has(baseline) ? datasetTests(userIdx, tested, baseline, opts, warnings) : [],
  };

  // Chance levels (recorded per task by eval) and the tasks no decoder design lifts above them
  const chance: Record<string, TaskChance> = {};
  const policies = new Set<string>();
  for (const run of runs) {
    for (const res of Object.values(run.designs)) {
      if (res.instruction_policy && !(OUTSIDE_ENCODERS as readonly string[]).includes(res.design)) policies.add(JSON.stringify(res.instruction_policy));
      for (const [dataset, task] of Object.entries(res.tasks)) {
        if (!task.chance) continue;
        const known = chance[dataset];
        if (!known) chance[dataset] = task.chance;
        else if (Math.abs(known.mean - task.chance.mean) > 1e-9) warnings.push(`${res.file}: ${dataset} chance level ${task.chance.mean} differs from ${known.mean} elsewhere (different items?)`);
      }
    }
  }
  if (policies.size > 1) warnings.push(`the results record different instruction policies: ${[...policies].join(' vs ')}`);
  const seedMeans = Object.fromEntries(designs.map((d) => [d, Object.fromEntries([...idx.scores.get(d) ?? []].map(([ds, m]) => [ds, seedMean(m)]))]));
  const decoderDesigns = designs.filter((d) => !(OUTSIDE_ENCODERS as readonly string[]).includes(d));
  const chance_level = chanceLevel(seedMeans, Object.fromEntries(idx.category), chance, decoderDesigns, categories);
  if (chance_level.unknown.length) warnings.push(`no chance level recorded for ${chance_level.unknown.join(', ')} (results written before eval recorded it)`);

  return {
    baseline, designs, tested, references: designs.filter((d) => references.includes(d)), categories,
    seeds: runs.map((r) => r.seed), options: opts, task_set,
    methods: {
      category_score: 'mean over the category\'s datasets of the main score (each averaged over seeds)',
      category_test: 'Wilcoxon signed-rank (scipy 1.10 semantics: two-sided, zero_method wilcox, method auto = exact for n <= 50) over the paired per-dataset scores, design vs baseline; p uncorrected as in the paper',
      p_holm: 'Holm adjustment over all design x category Wilcoxon tests of this run (and, for per-sample tests, over all design x dataset permutation tests)',
      p_bh: 'Benjamini-Hochberg adjustment over the same families',
      rank_biserial: 'matched-pairs rank-biserial correlation (R+ - R-)/(R+ + R-) over the non-zero differences',
      median_difference: 'median paired difference with a percentile bootstrap interval',
      seed_test: 'paired t-test (scipy.stats.ttest_rel) of the per-seed scores of the two designs, seeds paired by index: seed s gives every design the same triple order and initialisation seed (only with >= 2 seeds both have); seed_p_holm: Holm over all category seed tests',
      chance_level: 'see chance_level.rule',
      per_sample: 'values: mean per-sample difference, sign-flip permutation test; sts: difference of Spearman rho, pairs resampled (bootstrap) or design predictions swapped per pair (permutation); seeds paired by index and averaged. The samples are items (queries, pairs, texts), except Clustering (unit "k-means runs"): over k-means runs, not items: the evaluator keeps one V-measure per seeded k-means run (10, seeds 42..51, the same for both designs), so that test asks whether the k-means runs differ, not whether the items are clustered better',
      detectability: 'per_sample.mdd_80: minimum detectable difference at 80% power, two-sided alpha, = (z_{1-alpha/2} + z_0.80) x bootstrap.se (2.80 x se at alpha 0.05); per_sample.min_p: the smallest p the permutation test can give, 2^(1-n_informative) for an exact test (n_informative = samples with a non-zero difference), max(2/(resamples+1), 2^(1-n_informative)) for a Monte Carlo one; can_reach_holm: min_p < alpha/m (Holm\'s first threshold, m = per-sample tests in the family)',
    },
    category_scores, dataset_scores, category_tests, dataset_tests,
    instruction_policy: policies.size === 1 ? JSON.parse([...policies][0]!) : null,
    chance_level, user_tasks, warnings,
  };
}

/** Each tested design against the baseline on every dataset of idx both have: the seed-paired
 *  t-test and the per-sample bootstrap and permutation tests, Holm and BH over these tests. */
function datasetTests(idx: Index, tested: string[], baseline: string, opts: { resamples: number; permutations: number; confidence: number; seed: number; alpha: number; skipPerSample: boolean }, warnings: string[]): DatasetTest[] {
  const boot = { resamples: opts.resamples, confidence: opts.confidence, seed: opts.seed };
  const perm = { resamples: opts.permutations, seed: opts.seed };
  const dataset_tests: DatasetTest[] = [];
  for (const design of tested) {
    for (const dataset of [...(idx.scores.get(baseline)?.keys() ?? [])].sort()) {
      const a = idx.scores.get(design)?.get(dataset), b = idx.scores.get(baseline)!.get(dataset);
      if (!a || !b) continue;
      const common = [...a.keys()].filter((s) => b.has(s));
      const t: DatasetTest = {
        design, baseline, dataset, category: idx.category.get(dataset)!,
        difference: mean(common.map((s) => a.get(s)! - b.get(s)!)),
        seed_test: seedPairedTest(a, b),
        per_sample: null,
      };
      if (opts.skipPerSample) t.per_sample_skipped = 'per-sample tests switched off';
      else {
        const data = alignPerSample(idx.perSample.get(design)?.get(dataset), idx.perSample.get(baseline)?.get(dataset));
        if (typeof data === 'string') t.per_sample_skipped = data;
        else {
          try {
            const c = comparePaired(data, boot, perm);
            t.per_sample = {
              kind: c.kind, statistic: c.statistic, n_samples: c.nSamples, seeds_paired: c.nSeeds,
              bootstrap: c.bootstrap, permutation: c.permutation, p_holm: null, p_bh: null,
              ...(c.medianDifference ? { median_difference: c.medianDifference } : {}),
              ...(c.rankBiserial !== undefined ? { rank_biserial: c.rankBiserial } : {}),
              unit: sampleUnit(t.category), n_informative: c.nInformative,
            };
          } catch (e) { t.per_sample_skipped = (e as Error).message; }
        }
        if (t.per_sample_skipped) warnings.push(`${design} vs ${baseline}, ${dataset}: per-sample tests skipped: ${t.per_sample_skipped}`);
      }
      dataset_tests.push(t);
    }
  }
  adjustInto(dataset_tests, (t) => t.per_sample?.permutation.pvalue ?? NaN, (t, h, b) => { if (t.per_sample) { t.per_sample.p_holm = num(h); t.per_sample.p_bh = num(b); } });
  annotateDetectability(dataset_tests, opts.alpha);
  return dataset_tests;
}

/** Per-seed category scores over the given datasets, keyed by seed index (seeds lacking one are left out). */
function perSeedCategoryBySeed(idx: Index, design: string, datasets: string[], nSeeds: number): Map<number, number> {
  const out = new Map<number, number>();
  for (let s = 0; s < nSeeds; s++) {
    const m = datasets.map((d) => idx.scores.get(design)?.get(d)?.get(s));
    if (m.every((v) => v !== undefined)) out.set(s, mean(m as number[]));
  }
  return out;
}

/** Paired t-test over the seeds both have; null below two pairs. */
function seedPairedTest(a: Map<number, number>, b: Map<number, number>): PairedTTestResult | null {
  const seeds = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
  return seeds.length >= 2 ? pairedTTest(seeds.map((s) => a.get(s)!), seeds.map((s) => b.get(s)!)) : null;
}

/** Per-seed category scores over the given datasets; null when no seed has them all. */
function perSeedCategory(idx: Index, design: string, datasets: string[], nSeeds: number): SeedSummary | null {
  const vals: number[] = [];
  for (let s = 0; s < nSeeds; s++) {
    const m = datasets.map((d) => idx.scores.get(design)?.get(d)?.get(s));
    if (m.every((v) => v !== undefined)) vals.push(mean(m as number[]));
  }
  return vals.length ? summarizeSeeds(vals) : null;
}

function adjustInto<T>(items: T[], p: (t: T) => number, set: (t: T, holm: number, bh: number) => void): void {
  const ps = items.map(p);
  const holm = padjust(ps, 'holm'), bh = padjust(ps, 'bh');
  items.forEach((t, i) => set(t, holm[i]!, bh[i]!));
}

/** m1 … m9 by number, then everything else alphabetically. */
export function designOrder(a: string, b: string): number {
  const ma = /^m(\d+)$/.exec(a), mb = /^m(\d+)$/.exec(b);
  if (ma && mb) return Number(ma[1]) - Number(mb[1]);
  if (ma) return -1;
  if (mb) return 1;
  return a.localeCompare(b);
}


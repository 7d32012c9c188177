// The top of REPORT.md: the chance-level rule (flag iff the best decoder design stays below chance
// mean + 2 sd; category means without flagged tasks recomputed by hand), the sanity gate (passes iff
// m1's mean over categories beats both base rows), and the head rendered for the committed run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/data/files.ts';
import { chanceLevel, CHANCE_SDS } from '../src/report/chance-level.ts';
import { LEVEL_TOLERANCE, sanityGate, sanityGateMarkdown } from '../src/report/sanity-gate.ts';
import { reportHead } from '../src/report/report-head.ts';
import type { Stats } from '../src/report/analysis.ts';

test('chance-level: flagged iff every decoder design is below chance mean + 2 sd; means without them', () => {
  const scores = {
    m1: { A: 0.02, B: 0.5, C: 0.26, D: 0.9 },
    'base-mean': { A: 0.03, B: 0.4, C: 0.24, D: 0.8 },
    'use-lite': { A: 0.6, B: 0.7, C: 0.7, D: 0.9 }, // an outside encoder: not part of the rule
  };
  const categoryOf = { A: 'STS', B: 'STS', C: 'Classification', D: 'Classification' } as const;
  const chance = { A: { mean: 0, sd: 0.02, method: '' }, B: { mean: 0, sd: 0.02, method: '' }, C: { mean: 0.25, sd: 0.01, method: '' } };
  const cl = chanceLevel(scores, categoryOf, chance, ['m1', 'base-mean'], ['STS', 'Classification']);
  // A: best 0.03 < 0 + 2·0.02 → flagged; B: 0.5 → not; C: best 0.26 < 0.25 + 0.02 → flagged; D: unknown
  assert.equal(CHANCE_SDS, 2);
  assert.deepEqual(cl.datasets, ['A', 'C']);
  assert.deepEqual(cl.unknown, ['D']);
  assert.equal(cl.per_dataset.A!.best.design, 'base-mean');
  assert.equal(cl.category_scores_without.m1!.STS, 0.5);
  assert.equal(cl.category_scores_without.m1!.Classification, 0.9);
  assert.equal(cl.category_scores_without['use-lite']!.STS, 0.7);
  // a score exactly at the threshold is not below it
  const edge = chanceLevel({ m1: { A: 0.04 } }, { A: 'STS' }, { A: { mean: 0, sd: 0.02, method: '' } }, ['m1'], ['STS']);
  assert.deepEqual(edge.datasets, []);
});

function statsWith(m1: number[], base: number[], eos: number[]): Stats {
  const cats = ['STS', 'Classification', 'Retrieval'];
  const row = (v: number[]) => Object.fromEntries(cats.map((c, i) => [c, { score: v[i]!, datasets: [c], seeds: null }]));
  return { baseline: 'm1', categories: cats, category_scores: { m1: row(m1), 'base-mean': row(base), 'base-eos': row(eos) } } as unknown as Stats;
}

test('sanity gate: passes iff m1 beats both base rows on the mean over categories', () => {
  const fail = sanityGate(statsWith([0.3, 0.5, 0.1], [0.4, 0.5, 0.2], [0.1, 0.1, 0.1]));
  assert.equal(fail.passed, false);
  assert.deepEqual(fail.comparisons.map((c) => [c.base, c.beats, c.wins.length]), [['base-mean', false, 0], ['base-eos', true, 2]]);
  assert.match(sanityGateMarkdown(fail), /Sanity gate: failed.*not meaningful/);
  const pass = sanityGate(statsWith([0.5, 0.6, 0.3], [0.4, 0.5, 0.2], [0.1, 0.1, 0.1]));
  assert.equal(pass.passed, true);
  assert.match(sanityGateMarkdown(pass), /Sanity gate: passed/);
  // a category counts as won only by at least LEVEL_TOLERANCE (0.005): +0.000008 is level, not a win
  const tiny = sanityGate(statsWith([0.5, 0.500008, 0.3], [0.4, 0.5, 0.2], [0.1, 0.1, 0.1]));
  assert.equal(LEVEL_TOLERANCE, 0.005);
  assert.deepEqual(tiny.comparisons[0]!.wins, ['STS', 'Retrieval']);
  const missing = sanityGate({ ...statsWith([0.5, 0.6, 0.3], [0.4, 0.5, 0.2], [0.1, 0.1, 0.1]), category_scores: { m1: statsWith([0.5, 0.6, 0.3], [0, 0, 0], [0, 0, 0]).category_scores.m1! } } as Stats);
  assert.equal(missing.passed, null);
});

test('report heads of the committed runs: the gate, instruction policy and chance-level tasks agree with their stats.json', () => {
  for (const run of ['quick-3seeds', 'smollm2-135m']) {
    const dir = join(projectRoot, 'docs', 'results', run);
    const stats = JSON.parse(readFileSync(join(dir, 'stats.json'), 'utf8')) as Stats;
    const head = reportHead(stats, dir);
    // the gate recomputed from the per-dataset scores: m1's mean over category means above each base row's
    const overall = (design: string) => {
      const cats = stats.categories.map((c) => Object.values(stats.dataset_scores[design]!).filter((x) => x.category === c).map((x) => x.seeds.mean));
      return cats.reduce((a, xs) => a + xs.reduce((p, q) => p + q, 0) / xs.length, 0) / cats.length;
    };
    const passed = overall('m1') > overall('base-mean') && overall('m1') > overall('base-eos');
    assert.match(head.split('\n')[0]!, passed ? /^\*\*Sanity gate: passed\*\*/ : /^\*\*Sanity gate: failed\*\* — fine-tuned m1 does not beat/, run);
    assert.match(head, new RegExp(`\\*\\*Instructions\\*\\*: training queries: ${stats.instruction_policy!.train === 'none' ? 'no instruction' : '.*'}; evaluation: '${stats.instruction_policy!.eval}'`), run);
    assert.match(head, /\*\*Training sources\*\*: not recorded in this run folder \(no triples\.json\)/, run); // triples.json stays in runs/
    // the committed stats.json predate the convergence record: said, and no claim that the comparison is meaningful
    assert.equal(stats.convergence, undefined, run);
    assert.match(head, /\*\*Convergence\*\*: not recorded in this stats\.json/, run);
    assert.doesNotMatch(head, /meaningful at this budget/, run);
    assert.match(head, new RegExp(`${stats.chance_level.datasets.length} of \\d+ tasks are at chance level for every decoder design: ${stats.chance_level.datasets.join(', ')}\\.`), run);
  }
});

test('the set-up line names the budget, top-k LoRA, per-category limits and a head learning rate that departs from the authors', async () => {
  const { trainingSetupMarkdown } = await import('../src/report/report-head.ts');
  const { PROFILES } = await import('../src/training/profiles.ts');
  const spec = (name: string) => ({ format: 'pooling-and-attention/run@1' as const, profile: PROFILES[name]!, model_files: {}, user_tasks: {} });
  const study = trainingSetupMarkdown(spec('smollm2-study') as never);
  assert.match(study, /profile smollm2-study\): smollm2-135m, 600 steps × 8 triples, lr 0\.001 \(warm-up 60 steps/);
  assert.match(study, /LoRA r8\/α16 on the top 4 layers/);
  assert.match(study, /\*\*head lrScale 0\.1\*\*: the trainable heads' learning rate is 0\.1× the adapters' \(a departure from the authors/);
  assert.match(study, /evaluation on 500 items per task \(STS in full\)/);
  const quick = trainingSetupMarkdown(spec('quick') as never);
  assert.match(quick, /on every layer, the authors' head learning rate/);
  assert.doesNotMatch(quick, /departure/);
  assert.match(trainingSetupMarkdown(undefined), /not recorded in this run folder/);
});

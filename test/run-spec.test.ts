// The run as one value (src/run-spec.ts), the freshness verdicts (src/freshness.ts) and comparisons
// over one task set (src/report/task-set.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROFILES } from '../src/training/profiles.ts';
import { jsonDifferences, readRunSpec, recordUserTasks, resolveRunSpec, runSpecFile, RunSpecMismatch, settleRunSpec } from '../src/run-spec.ts';
import { compareInputs, compareVerdict } from '../src/freshness.ts';
import { categoryComparison, commonTaskSet, describeTaskSet } from '../src/report/task-set.ts';
import { analyze } from '../src/report/analysis.ts';
import { readRun } from '../src/report/results.ts';
import { seedDir, statsFile } from '../src/run-folder.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'pa-run-spec-'));

test('run.json: written once from the resolved profile; the same numbers keep it; other numbers are refused, naming the fields', async () => {
  const dir = tmp();
  try {
    const spec = await resolveRunSpec({ ...PROFILES.smoke!, model: 'smollm2-135m', steps: 2 });
    assert.deepEqual(Object.keys(spec.model_files), ['gguf'], 'the model files of the model as given, not the profile\'s default');
    assert.equal(settleRunSpec(dir, spec), spec);
    const onDisk = JSON.parse(readFileSync(runSpecFile(dir), 'utf8'));
    assert.equal(onDisk.profile.model, 'smollm2-135m');
    assert.equal(onDisk.profile.steps, 2);
    // an execution setting (no number depends on it) is updated, not refused
    settleRunSpec(dir, { ...spec, profile: { ...spec.profile, checkpointLayers: true, trainJobs: 1 } });
    assert.equal(readRunSpec(dir)!.profile.checkpointLayers, true);
    // another model or step count would silently mix runs: refused with each differing field
    const other = await resolveRunSpec({ ...PROFILES.smoke!, steps: 3 });
    assert.throws(() => settleRunSpec(dir, other), (e: Error) => {
      assert.ok(e instanceof RunSpecMismatch);
      assert.match(e.message, /profile\.model: "smollm2-135m" → "stories260K"/);
      assert.match(e.message, /profile\.steps: 2 → 3/);
      assert.match(e.message, /model_files\.gguf: "[0-9a-f]{64}" → \(unset\)/);
      return true;
    });
    // a notebook that asks to retrain what changed replaces it
    settleRunSpec(dir, other, { replace: true });
    assert.equal(readRunSpec(dir)!.profile.steps, 3);
    // a seed folder reads the run's run.json
    assert.equal(readRunSpec(seedDir(dir, 2))!.profile.steps, 3);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('run.json: a damaged or foreign file is an error naming it', () => {
  const dir = tmp();
  try {
    writeFileSync(runSpecFile(dir), '{"format": "pooling-and-attention/run@1", "prof');
    assert.throws(() => readRunSpec(dir), new RegExp(`${runSpecFile(dir)}: the run specification is truncated`));
    writeFileSync(runSpecFile(dir), '{"profile": {}}');
    assert.throws(() => readRunSpec(dir), /not a run specification of this project/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('user tasks: the data a run evaluated a task on is recorded; changed data is refused', async () => {
  const dir = tmp();
  try {
    settleRunSpec(dir, await resolveRunSpec(PROFILES.smoke!));
    recordUserTasks(dir, { Mine: { 'data.jsonl': 'a'.repeat(64) } });
    recordUserTasks(dir, { Mine: { 'data.jsonl': 'a'.repeat(64) } });
    assert.deepEqual(readRunSpec(dir)!.user_tasks, { Mine: { 'data.jsonl': 'a'.repeat(64) } });
    assert.throws(() => recordUserTasks(dir, { Mine: { 'data.jsonl': 'b'.repeat(64) } }), /user task 'Mine' was evaluated in this run on other data \(data\.jsonl:/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('jsonDifferences: dotted paths, both values, nothing for equal values', () => {
  assert.deepEqual(jsonDifferences({ a: 1, b: { c: [1, 2], d: 'x' } }, { a: 1, b: { c: [1, 3], e: true } }), ['b.c: [1,2] → [1,3]', 'b.d: "x" → (unset)', 'b.e: (unset) → true']);
  assert.deepEqual(jsonDifferences({ a: { b: null } }, { a: { b: null } }), []);
});

test('commonTaskSet: only the tasks every row has, and which rows lack the rest', () => {
  const ts = commonTaskSet({ m1: ['A', 'B', 'U'], m2: ['A', 'B', 'U'], m7: ['A', 'B'] });
  assert.deepEqual(ts, { tasks: ['A', 'B'], left_out: { U: ['m7'] } });
  assert.equal(describeTaskSet(ts), '2 tasks every row has; left out: U (m7 lacks it)');
});

/** A results file with the fields compare and the comparisons read. */
function results(dir: string, design: string, tasks: Record<string, { category: string; score: number; user?: boolean }>): void {
  mkdirSync(join(dir, 'results'), { recursive: true });
  const body = {
    design, limit: 40, instruction_policy: { train: 'none', eval: 'none' }, encoder: {},
    tasks: Object.fromEntries(Object.entries(tasks).map(([name, t]) => [name, { category: t.category, main_score: t.score, scores: {}, ...(t.user ? { user_task: true } : {}) }])),
  };
  writeFileSync(join(dir, 'results', `${design}.json`), JSON.stringify(body));
}

test('categoryComparison (notebook 07): every column over the same tasks; user tasks stay out', () => {
  const dir = tmp();
  try {
    // m1 and m2 were evaluated on a second retrieval dataset that m7 lacks, and on a user task
    const full = { Cranfield: { category: 'Retrieval', score: 0.2 }, Other: { category: 'Retrieval', score: 0.6 }, STSB: { category: 'STS', score: 0.5 }, Mine: { category: 'Retrieval', score: 0.9, user: true } };
    results(dir, 'm1', full);
    results(dir, 'm2', full);
    results(dir, 'm7', { Cranfield: { category: 'Retrieval', score: 0.1 }, STSB: { category: 'STS', score: 0.4 } });
    const c = categoryComparison(dir, ['m1', 'm2', 'm7']);
    assert.deepEqual(c.task_set, { tasks: ['Cranfield', 'STSB'], left_out: { Other: ['m7'] } });
    assert.equal(c.means.m1!.Retrieval!.score, 0.2, 'Cranfield alone, as for m7 (not the mean with Other or the user task)');
    assert.equal(c.means.m7!.Retrieval!.score, 0.1);
    assert.deepEqual(c.categories, ['STS', 'Retrieval']);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('compare: category means and tests over the tasks every row has, stated in stats.json', () => {
  const dir = tmp();
  try {
    results(dir, 'm1', { A: { category: 'STS', score: 0.5 }, B: { category: 'STS', score: 0.7 } });
    results(dir, 'm2', { A: { category: 'STS', score: 0.4 } });
    const stats = analyze(readRun(dir), { skipPerSample: true });
    assert.deepEqual(stats.task_set, { tasks: ['A'], left_out: { B: ['m2'] } });
    assert.equal(stats.category_scores.m1!.STS!.score, 0.5, 'm1 over A only, like m2');
    assert.ok(stats.warnings.some((w) => /left out: B \(m2 lacks it\)/.test(w)));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('compareVerdict: stats.json is stale once a results file changes, is added or removed', () => {
  const dir = tmp();
  try {
    results(dir, 'm1', { A: { category: 'STS', score: 0.5 } });
    const file = join(dir, 'results', 'm1.json');
    assert.equal(compareVerdict(dir).state, 'missing');
    writeFileSync(statsFile(dir), JSON.stringify({ inputs: compareInputs(dir, [file]) }));
    assert.equal(compareVerdict(dir).state, 'fresh');
    results(dir, 'm1', { A: { category: 'STS', score: 0.6 } });
    assert.deepEqual(compareVerdict(dir), { state: 'stale', reasons: ['results/m1.json: sha256 → sha256'] });
    writeFileSync(statsFile(dir), JSON.stringify({ inputs: compareInputs(dir, [file]) }));
    results(dir, 'm2', { A: { category: 'STS', score: 0.6 } });
    assert.deepEqual(compareVerdict(dir).reasons, ['results/m2.json: (unset) → sha256']);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

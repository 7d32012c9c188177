// Issue 25, a hostile-input run: bad input gets a clear error naming the file, line or argument, never
// silently wrong numbers. One test per defect (25.1 … 25.8). Modules added for the issue are imported
// inside their tests, so every other test still runs on a checkout without them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { customTask, registerCustomTask } from '../src/eval/tasks/custom.ts';
import { allTasks, taskByName } from '../src/eval/tasks/index.ts';
import { limitReranking } from '../src/eval/tasks/reranking.ts';
import { limitRetrieval } from '../src/eval/tasks/retrieval.ts';
import type { PairClassificationData, RerankingData, RetrievalData, StsData, SummarizationData } from '../src/eval/tasks/types.ts';
import type { Stats } from '../src/report/analysis.ts';

const root = join(import.meta.dirname, '..');
// os.tmpdir(): no package.json with "type": "module" above it
const tmp = mkdtempSync(join(tmpdir(), 'hostile-input-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
process.env.PA_EMBEDDING_CACHE = join(tmp, 'shared-embeddings'); // the CLI children inherit it

let fileNo = 0;
/** Writes rows as a JSON Lines file in tmp; returns its path. */
function jsonl(rows: unknown[]): string {
  const f = join(tmp, `f${fileNo++}.jsonl`);
  writeFileSync(f, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return f;
}

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { encoding: 'utf8', cwd: root, env: { ...process.env, ...env }, timeout: 300_000 });

test('issue 25.1: a .ts task module outside the project (CommonJS scope) registers its tasks in the one task list', async () => {
  const { importTaskModules } = await import('../src/eval/tasks/task-modules.ts');
  const { resolveTasks } = await import('../src/eval/runner.ts');
  const dir = mkdtempSync(join(tmp, 'module-'));
  const data = jsonl([{ s1: 'a cat sat', s2: 'a cat sits', score: 4 }, { s1: 'rain', s2: 'a bank loan', score: 0 }, { s1: 'big dog', s2: 'large dog', score: 5 }]);
  const custom = JSON.stringify(join(root, 'src/eval/tasks/custom.ts'));
  // the module and a helper beside it that it imports, both .ts where no package.json says "type": "module"
  writeFileSync(join(dir, 'helper.ts'), `import { registerCustomTask } from ${custom};\nexport const add = (name: string): void => { registerCustomTask({ name, category: 'STS', files: { data: ${JSON.stringify(data)} } }); };\n`);
  const module = join(dir, 'tasks.ts');
  writeFileSync(module, `import { registerCustomTask } from ${custom};\nimport { add } from './helper.ts';\n`
    + `registerCustomTask({ name: 'OutsideSts', category: 'STS', files: { data: ${JSON.stringify(data)} } });\nadd('OutsideHelperSts');\n`);
  await importTaskModules([module]);
  assert.deepEqual(resolveTasks('OutsideSts,OutsideHelperSts').map((t) => t.name), ['OutsideSts', 'OutsideHelperSts']);
  assert.equal((await taskByName('OutsideSts').load() as StsData).pairs.length, 3);
  await importTaskModules([module]); // imported once per process

  // what cannot work is refused, saying why
  const none = join(dir, 'none.ts');
  writeFileSync(none, 'export const nothing = 1;\n');
  await assert.rejects(importTaskModules([none]), new RegExp(`--task-module ${none}: registered no task in this process's task list`));
  const cts = join(dir, 'tasks.cts');
  writeFileSync(cts, `const { registerCustomTask } = require(${custom});\n`);
  await assert.rejects(importTaskModules([cts], 'PA_TASK_MODULES'), new RegExp(`PA_TASK_MODULES ${cts}: a CommonJS file \\(\\.cts/\\.cjs\\) would register its tasks in a second copy of the task list`));
  await assert.rejects(importTaskModules([join(dir, 'missing.ts')]), /--task-module .*missing\.ts: no such file/);

  // the eval command, end to end: its task is found and evaluated
  const run = join(tmp, 'run-25-1');
  const r = cli(['eval', '--run', run, '--designs', 'base-mean', '--tasks', 'OutsideSts', '--task-module', module, '--limit', '3', '--profile', 'smoke']);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(readFileSync(join(run, 'results', 'base-mean.json'), 'utf8')) as { tasks: Record<string, { user_task?: boolean }> };
  assert.equal(res.tasks.OutsideSts?.user_task, true);
});

test('issue 25.2: --limit on user tasks keeps the 2 × N texts budget of the built-in ones; unscoreable reranking queries are dropped', async () => {
  // reranking: 7 texts per query; limit 4 → at most 8 texts → one whole query, the same sample as WikiQA's rule
  const queries = Array.from({ length: 10 }, (_, i) => ({ query: `q${i}`, positives: [`p${i}a`, `p${i}b`], negatives: [`n${i}a`, `n${i}b`, `n${i}c`, `n${i}d`] }));
  const rr = jsonl([...queries.slice(0, 5), { query: 'no negative', positives: ['x'], negatives: [] }, { query: 'no positive', positives: [], negatives: ['y'] }, ...queries.slice(5)]);
  const rerank = customTask({ name: 'LimitedReranking', category: 'Reranking', files: { data: rr } });
  const full = await rerank.load() as RerankingData;
  assert.equal(full.queries.length, 10, 'the two unscoreable queries are dropped, as WikiQA drops them');
  assert.ok(full.queries.every((q) => q.positives.length > 0 && q.negatives.length > 0));
  assert.deepEqual(full.quirks, { unscoreableQueries: 2 });
  const part = await rerank.load({ limit: 4 }) as RerankingData;
  const texts = (qs: RerankingData['queries']) => qs.reduce((n, q) => n + 1 + q.positives.length + q.negatives.length, 0);
  assert.ok(texts(part.queries) <= 8, `${texts(part.queries)} texts at limit 4`);
  assert.deepEqual(part.queries, limitReranking(full.queries, 4));
  const bad = jsonl([{ query: 'a', positives: ['b'], negatives: [] }, { query: 'c', positives: [], negatives: ['d'] }]);
  await assert.rejects(customTask({ name: 'R', category: 'Reranking', files: { data: bad } }).load(), new RegExp(`${bad}: nothing to score: all 2 queries .*without a positive or without a negative.*lines 1, 2`));

  // retrieval: 10 queries with 2 relevant documents each, 10 other documents; limit 6 → at most 12 texts
  const corpus = jsonl([...Array.from({ length: 20 }, (_, i) => ({ id: `d${i}`, text: `relevant ${i}` })), ...Array.from({ length: 10 }, (_, i) => ({ id: `o${i}`, text: `other ${i}` }))]);
  const qs = jsonl(Array.from({ length: 10 }, (_, i) => ({ id: `q${i}`, text: `query ${i}` })));
  const qrels = jsonl(Array.from({ length: 20 }, (_, i) => ({ query: `q${Math.floor(i / 2)}`, doc: `d${i}`, score: 1 })));
  const retrieval = customTask({ name: 'LimitedRetrieval', category: 'Retrieval', files: { corpus, queries: qs, qrels } });
  const all = await retrieval.load() as RetrievalData;
  const cut = await retrieval.load({ limit: 6 }) as RetrievalData;
  assert.ok(cut.queries.length + cut.corpus.length <= 12, `${cut.queries.length} queries + ${cut.corpus.length} documents at limit 6`);
  const builtIn = limitRetrieval(all.corpus, all.queries, all.qrels, 6);
  assert.deepEqual([cut.queries, cut.corpus, [...cut.qrels.keys()]], [builtIn.queries, builtIn.corpus, [...builtIn.qrels.keys()]]);
  for (const q of cut.queries) for (const d of cut.qrels.get(q.id)!.keys()) assert.ok(cut.corpus.some((x) => x.id === d), d);
});

/** A run folder with results/<design>.json holding the user task MyTask (STS), and STSBenchmark for the designs in builtIn. */
function userOnlyRun(name: string, files: Record<string, Record<string, string>>, builtIn: string[] = []): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'results'), { recursive: true });
  const ids = ['0', '1', '2', '3', '4', '5'], gold = [1, 2, 3, 4, 5, 0];
  for (const [k, design] of ['m1', 'm2', 'base-mean'].entries()) {
    const predicted = gold.map((g, i) => g + ((i * (k + 2)) % 5) * 0.7);
    const tasks: Record<string, unknown> = {
      MyTask: { category: 'STS', main_score: 0.5 + k / 10, scores: {}, user_task: true, per_sample: { ids, predicted, gold }, ...(files[design] ? { sha256: files[design] } : {}) },
    };
    if (builtIn.includes(design)) tasks.STSBenchmark = { category: 'STS', main_score: 0.3 + k / 10, scores: {}, per_sample: { ids, predicted, gold } };
    writeFileSync(join(dir, 'results', `${design}.json`), JSON.stringify({ design, tasks }));
  }
  return dir;
}

test('issue 25.3: compare on a run evaluated on user tasks only compares them (the user-tasks table), or says what is missing', async () => {
  const { run } = await import('../src/cli/compare.ts');
  const dir = userOnlyRun('user-only', {});
  assert.equal(await run(['--run', dir, '--resamples', '50', '--permutations', '99']), 0);
  const stats = JSON.parse(readFileSync(join(dir, 'stats.json'), 'utf8')) as Stats;
  assert.deepEqual(stats.user_tasks.datasets, { MyTask: 'STS' });
  assert.deepEqual(Object.keys(stats.user_tasks.scores).sort(), ['base-mean', 'm1', 'm2']);
  assert.deepEqual(stats.user_tasks.tests.map((t) => [t.design, t.dataset]), [['m2', 'MyTask']]);
  assert.ok(stats.warnings.some((w) => /no built-in task was evaluated: only your own tasks \(MyTask\)/.test(w)), stats.warnings.join('\n'));
  const md = readFileSync(join(dir, 'table.md'), 'utf8');
  assert.match(md, /\| MyTask \| STS \| m1 \| 0\.5000 \|/);
  assert.match(md, /\| MyTask \| STS \| m2 \| \+0\.1000 \|/);
  // the baseline evaluated on user tasks only while others have the paper's tasks: that is what the message says
  const mixed = userOnlyRun('user-only-baseline', {}, ['m2', 'base-mean']);
  await assert.rejects(run(['--run', mixed, '--no-per-sample']), /baseline design 'm1' was evaluated on your own tasks only \(MyTask\), not on the paper's tasks that m2, base-mean were evaluated on: evaluate m1 on them/);
  await assert.rejects(run(['--run', dir, '--baseline', 'm5', '--no-per-sample']), /baseline design 'm5' not found; designs present: m1, m2, base-mean/);
});

test('issue 25.4: duplicate and out-of-range seeds are refused, naming the argument', async () => {
  const { parseSeeds, parseSeed } = await import('../src/cli/args.ts');
  assert.deepEqual(parseSeeds('1,2, 3', 'reproduce'), [1, 2, 3]);
  assert.equal(parseSeed('4294967295', '--seed', 'train'), 4294967295);
  assert.throws(() => parseSeeds('1,1', 'reproduce'), /reproduce: --seeds '1,1' lists seed 1 twice/);
  assert.throws(() => parseSeeds('99999999999999999999', 'reproduce'), /reproduce: --seeds '99999999999999999999': seed '99999999999999999999' 99999999999999999999 is out of range: seeds go from 0 to 4294967295/);
  assert.throws(() => parseSeeds('1,x', 'reproduce'), /seed 'x' must be an integer from 0 to 4294967295, got 'x'/);
  assert.throws(() => parseSeeds('1,-2', 'reproduce'), /must be an integer/);
  assert.throws(() => parseSeed('4294967296', '--seed', 'train'), /train: --seed 4294967296 is out of range/);
  // the commands, before any work
  const t = cli(['train', '--design', 'm1', '--seed', '99999999999999999999', '--out', join(tmp, 'seed-run'), '--steps', '0']);
  assert.equal(t.status, 2, t.stderr);
  assert.match(t.stderr, /train: --seed 99999999999999999999 is out of range/);
  const r = cli(['reproduce', '--seeds', '1,1', '--out', join(tmp, 'seed-reproduce')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /reproduce: --seeds '1,1' lists seed 1 twice/);
});

test('issue 25.5: train --resume leaves a finished design untouched', () => {
  const out = join(tmp, 'resume-finished');
  const first = cli(['train', '--design', 'm1', '--profile', 'smoke', '--seed', '1', '--out', out]);
  assert.equal(first.status, 0, first.stderr);
  const final = join(out, 'm1', 'final');
  const files = readdirSync(final).sort();
  assert.ok(files.includes('config.json'));
  const before = files.map((f) => [f, statSync(join(final, f)).mtimeMs, sha256(join(final, f))]);
  const loss = readFileSync(join(out, 'm1', 'loss.jsonl'), 'utf8');
  const again = cli(['train', '--design', 'm1', '--profile', 'smoke', '--seed', '1', '--out', out, '--resume']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /\[train m1\] already finished.*kept/);
  assert.doesNotMatch(again.stderr, /done: \d+ steps/);
  assert.deepEqual(files.map((f) => [f, statSync(join(final, f)).mtimeMs, sha256(join(final, f))]), before);
  assert.equal(readFileSync(join(out, 'm1', 'loss.jsonl'), 'utf8'), loss);
});

const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

test('issue 25.6: a negative qrel score is an error naming file:line; two definitions of one task name are an error naming it', async () => {
  const q = jsonl([{ id: 'q1', text: 'a' }, { id: 'q2', text: 'b' }]), d = jsonl([{ id: 'd1', text: 'c' }, { id: 'd2', text: 'e' }]);
  const j = jsonl([{ query: 'q1', doc: 'd1', score: 1 }, { query: 'q2', doc: 'd2', score: -1 }]);
  await assert.rejects(customTask({ name: 'T', category: 'Retrieval', files: { corpus: d, queries: q, qrels: j } }).load(),
    new RegExp(`${j}:2: field 'score' must be >= 0 \\(a relevance gain; 0: judged not relevant\\), got -1`));
  // 0 stays allowed: judged, not relevant
  const j0 = jsonl([{ query: 'q1', doc: 'd1', score: 1 }, { query: 'q2', doc: 'd2', score: 0 }]);
  assert.deepEqual([...(await customTask({ name: 'T', category: 'Retrieval', files: { corpus: d, queries: q, qrels: j0 } }).load() as RetrievalData).qrels.keys()], ['q1']);

  const a = jsonl([{ s1: 'a', s2: 'b', score: 1 }, { s1: 'c', s2: 'd', score: 2 }]), b = jsonl([{ s1: 'e', s2: 'f', score: 1 }, { s1: 'g', s2: 'h', score: 3 }]);
  const first = registerCustomTask({ name: 'DupTask', category: 'STS', files: { data: a } });
  const n = allTasks.length;
  // the same definition again (a notebook cell run twice) is allowed
  const again = registerCustomTask({ name: 'DupTask', category: 'STS', baseDir: tmp, files: { data: a.slice(tmp.length + 1) } });
  assert.equal(allTasks.length, n);
  assert.equal(taskByName('DupTask'), again);
  assert.notEqual(first, again);
  // another definition under that name, from another module or cell, is not
  assert.throws(() => registerCustomTask({ name: 'DupTask', category: 'STS', files: { data: b } }),
    new RegExp(`task 'DupTask' is already registered with another definition .*${a}.*now .*${b}.*give one of them another name`));
  assert.throws(() => registerCustomTask({ name: 'DupTask', category: 'STS', instruction: 'Retrieve', files: { data: a } }), /task 'DupTask' is already registered with another definition/);
  assert.equal(taskByName('DupTask'), again);
});

test('issue 25.7: data a metric cannot score is refused at load time (STS, pair classification) or skipped as MTEB does (summarization documents)', async () => {
  const sts = jsonl([{ s1: 'a', s2: 'b', score: 2 }, { s1: 'c', s2: 'd', score: 2 }, { s1: 'e', s2: 'f', score: 2 }]);
  await assert.rejects(customTask({ name: 'S', category: 'STS', files: { data: sts } }).load(), new RegExp(`${sts}: all 3 gold scores are equal to 2: Spearman is undefined`));
  // equal only in the sample --limit keeps: said so
  const sts2 = jsonl([{ s1: 'a', s2: 'b', score: 2 }, { s1: 'c', s2: 'd', score: 5 }, { s1: 'e', s2: 'f', score: 2 }, { s1: 'g', s2: 'h', score: 5 }]);
  await assert.rejects(customTask({ name: 'S', category: 'STS', files: { data: sts2 } }).load({ limit: 2 }), /all 2 gold scores \(the 2 of 4 that --limit keeps\) are equal to 2/);
  assert.equal((await customTask({ name: 'S', category: 'STS', files: { data: sts2 } }).load() as StsData).pairs.length, 4);

  const pc = jsonl([{ s1: 'a', s2: 'b', label: 1 }, { s1: 'c', s2: 'd', label: 1 }]);
  await assert.rejects(customTask({ name: 'P', category: 'PairClassification', files: { data: pc } }).load(), new RegExp(`${pc}: all 2 pairs have label 1: average precision needs pairs of both labels, 0 and 1`));
  const pc2 = jsonl([{ s1: 'a', s2: 'b', label: 1 }, { s1: 'c', s2: 'd', label: 0 }]);
  assert.equal((await customTask({ name: 'P', category: 'PairClassification', files: { data: pc2 } }).load() as PairClassificationData).pairs.length, 2);

  const doc = (scores: number[]) => ({ reference: 'r', summaries: scores.map((score, i) => ({ text: `s${i}`, score })) });
  const summ = jsonl([doc([1, 2, 3]), doc([4, 4]), doc([0, 1])]);
  const loaded = await customTask({ name: 'U', category: 'Summarization', files: { data: summ } }).load() as SummarizationData;
  assert.deepEqual(loaded.documents.map((x) => x.docId), ['0', '2']);
  assert.deepEqual(loaded.quirks, { constantScoreDocuments: 1 });
  const flat = jsonl([doc([4, 4]), doc([1, 1, 1])]);
  await assert.rejects(customTask({ name: 'U', category: 'Summarization', files: { data: flat } }).load(), new RegExp(`${flat}: nothing to score: all 2 documents are documents whose summary scores are all equal`));
});

test('issue 25.8: compare refuses results of a user task computed from different data, naming the task, the designs and what to evaluate again', async () => {
  const { run } = await import('../src/cli/compare.ts');
  const data = join(tmp, 'my-task.jsonl');
  writeFileSync(data, '{"s1":"a","s2":"b","score":1}\n{"s1":"c","s2":"d","score":2}\n');
  const now = sha256(data), old = createHash('sha256').update('an older version').digest('hex');
  const everyone = ['m1', 'm2', 'base-mean']; // the paper's STSBenchmark too: only the user task's data differ
  const dir = userOnlyRun('changed-data', { m1: { [data]: now }, m2: { [data]: old }, 'base-mean': { [data]: now } }, everyone);
  await assert.rejects(run(['--run', dir, '--no-per-sample']), (e: Error) => {
    assert.match(e.message, /user task 'MyTask' was evaluated on different data: base-mean, m1 read .*my-task\.jsonl \(sha256 [0-9a-f]{12}…\); m2 read .*my-task\.jsonl \(sha256 [0-9a-f]{12}…\) \(the first is what the files hold now\)/);
    assert.match(e.message, new RegExp(`evaluate m2 again on it: eval --run ${dir} --designs m2 --tasks MyTask`));
    return true;
  });
  // the same data everywhere: compared
  const same = userOnlyRun('same-data', { m1: { [data]: now }, m2: { [data]: now }, 'base-mean': { [data]: now } }, everyone);
  assert.equal(await run(['--run', same, '--no-per-sample']), 0);
});

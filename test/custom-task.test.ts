// Issue 19, "a dataset as a plug-in": user tasks from local JSON Lines files (src/eval/tasks/custom.ts),
// registered like designs, evaluated by the real runner (and the CLI's worker processes through
// --task-module), with each file's sha256 and any overlap with the run's training triples recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { python } from './helpers.ts';
import { householdReranking, householdRetrieval } from '../docs/examples/custom-task.ts';
import { cacheRoot, evaluateDesign, resolveTasks } from '../src/eval/runner.ts';
import type { DesignResultsJson } from '../src/eval/results-file.ts';
import type { Stats } from '../src/report/analysis.ts';
import { openEncoder } from '../src/eval/sentence-encoder.ts';
import { cacheKey, EmbeddingCache } from '../src/eval/embedding-cache.ts';
import { allTasks, builtinTasks, registerTask, taskByName } from '../src/eval/tasks/index.ts';
import { customTask, registerCustomTask, type CustomTaskSpec } from '../src/eval/tasks/custom.ts';
import { evaluationTexts } from '../src/eval/tasks/decontamination.ts';
import type { RetrievalData } from '../src/eval/tasks/types.ts';

const root = join(import.meta.dirname, '..');
const dataDir = join(root, 'docs', 'examples', 'custom-task-data');
const tmp = mkdtempSync(join(tmpdir(), 'custom-task-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
process.env.PA_EMBEDDING_CACHE = join(tmp, 'shared-embeddings');

/** sha256sum's answer: an implementation other than node:crypto's. */
const sha256sum = (f: string) => spawnSync('sha256sum', [f], { encoding: 'utf8' }).stdout.split(' ')[0]!;

test('registered tasks are found by name; `all` and categories stay the paper\'s 21; built-in names are reserved', () => {
  assert.equal(taskByName('HouseholdRetrieval'), householdRetrieval);
  assert.deepEqual(resolveTasks('HouseholdRetrieval,STSBenchmark').map((t) => t.name), ['STSBenchmark', 'HouseholdRetrieval']);
  assert.equal(resolveTasks('all').length, builtinTasks.length);
  assert.ok(!resolveTasks('retrieval').includes(householdRetrieval));
  assert.ok(allTasks.includes(householdReranking));
  assert.throws(() => registerTask({ ...householdRetrieval, name: 'STSBenchmark' }), /task 'STSBenchmark' is built in/);
  assert.throws(() => registerTask({ ...householdRetrieval, name: '../x' }), /not usable/);
  const n = allTasks.length;
  // a cell run again: the same definition replaces the task; another one under its name is an error (issue 25)
  registerCustomTask({ name: 'HouseholdReranking', category: 'Reranking', baseDir: dataDir, files: { data: 'reranking.jsonl' },
    description: householdReranking.description, instruction: householdReranking.instruction, license: householdReranking.license });
  assert.equal(allTasks.length, n);
  assert.throws(() => registerCustomTask({ name: 'HouseholdReranking', category: 'Reranking', baseDir: dataDir, files: { data: 'reranking.jsonl' } }),
    /task 'HouseholdReranking' is already registered with another definition/);
});

/** Writes `lines` to a temp .jsonl and returns its path. */
let fileNo = 0;
function jsonl(lines: string[]): string {
  const f = join(tmp, `f${fileNo++}.jsonl`);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

test('each category\'s format loads; bad rows are errors naming file:line and field', async () => {
  const sts = customTask({ name: 'S', category: 'STS', files: { data: jsonl(['{"s1":"a","s2":"b","score":4.5}', '', '{"s1":"c","s2":"d","score":1}']) } });
  assert.deepEqual((await sts.load()).pairs as unknown, [{ id: '0', s1: 'a', s2: 'b', score: 4.5 }, { id: '1', s1: 'c', s2: 'd', score: 1 }]);
  const cls = customTask({ name: 'C', category: 'Classification', files: { train: jsonl(['{"text":"x","label":"p"}', '{"text":"y","label":7}']), test: jsonl(['{"text":"z","label":"7"}']) } });
  const c = await cls.load();
  assert.deepEqual([c.labels, c.test], [['7', 'p'], [{ text: 'z', label: '7' }]]);
  const pc = customTask({ name: 'P', category: 'PairClassification', files: { data: jsonl(['{"s1":"a","s2":"b","label":1}', '{"s1":"c","s2":"d","label":0}']) } });
  assert.equal((await pc.load()).pairs[0]!.label, 1);
  const cl = customTask({ name: 'K', category: 'Clustering', files: { data: jsonl(['{"text":"a","label":"x"}', '{"text":"b","label":"y"}']) } });
  assert.deepEqual((await cl.load()).labels, ['x', 'y']);

  const bad = async (spec: CustomTaskSpec, re: RegExp) => assert.rejects(customTask(spec).load(), re);
  const f1 = jsonl(['{"s1":"a","s2":"b","score":1}', '{"s1":"a","s2":"b","score":"high"}']);
  await bad({ name: 'S', category: 'STS', files: { data: f1 } }, new RegExp(`${f1}:2: field 'score' must be a finite number, got "high"`));
  const f2 = jsonl(['{"s1":"a","s2":"b","label":2}']);
  await bad({ name: 'P', category: 'PairClassification', files: { data: f2 } }, new RegExp(`${f2}:1: field 'label' must be 0 or 1`));
  const f3 = jsonl(['{"query":"q","positives":"p","negatives":[]}']);
  await bad({ name: 'R', category: 'Reranking', files: { data: f3 } }, new RegExp(`${f3}:1: field 'positives' must be an array of strings`));
  const f4 = jsonl(['{"text":"a"', '']);
  await bad({ name: 'K', category: 'Clustering', files: { data: f4 } }, new RegExp(`${f4}:1: not JSON`));
  await bad({ name: 'K', category: 'Clustering', files: { data: join(tmp, 'missing.jsonl') } }, /missing\.jsonl \(K data\): no such file/);
  await bad({ name: 'K', category: 'Clustering', files: { data: tmp } }, /is a directory, expected a JSON Lines file/);
  const q = jsonl(['{"id":"q1","text":"a"}']), d = jsonl(['{"id":"d1","text":"b"}']);
  const j = jsonl(['{"query":"q1","doc":"d9","score":1}']);
  await bad({ name: 'T', category: 'Retrieval', files: { corpus: d, queries: q, qrels: j } }, new RegExp(`${j}:1: document 'd9' is not in ${d}`));
  assert.throws(() => customTask({ name: 'T', category: 'Retrieval', files: { corpus: d, queries: q } } as never), /files\.qrels must be a path/);
  assert.throws(() => customTask({ name: 'T', category: 'Nonsense', files: { data: d } } as never), /category "Nonsense" is not one of/);
  const f5 = jsonl(['{"reference":"r","summaries":[{"text":"a","score":1},{"text":"b","score":2}]}', '{"reference":"r","summaries":[{"text":"a","score":1}]}']);
  await bad({ name: 'U', category: 'Summarization', files: { data: f5 } }, new RegExp(`${f5}:2: field 'summaries' must be an array of at least two`));
  const f6 = jsonl(['{"reference":"r","summaries":[{"text":"a","score":1},{"text":"b","score":"x"}]}']);
  await bad({ name: 'U', category: 'Summarization', files: { data: f6 } }, new RegExp(`${f6}:1: field 'score' must be a finite number, got "x"`));
});

test('a user summarization task: loaded, evaluated by the runner, its score recomputed by scipy from the cached vectors', async () => {
  const runDir = join(tmp, 'run-summ');
  mkdirSync(runDir, { recursive: true });
  const docs = [
    { reference: 'The council approved a new park by the river after a long debate.', summaries: [
      { text: 'A riverside park was approved by the council.', score: 0.9 }, { text: 'The council debated for a long time.', score: 0.4 }, { text: 'Prices of apples rose in May.', score: 0.0 }] },
    { reference: 'Heavy snow closed schools across the region on Monday.', summaries: [
      { text: 'Schools shut because of snow on Monday.', score: 1.0 }, { text: 'It was Monday.', score: 0.2 }, { text: 'A region saw weather.', score: 0.3 }, { text: 'Snow closed the schools.', score: 0.8 }] },
  ];
  const task = registerCustomTask({ name: 'UserSumm', category: 'Summarization', files: { data: jsonl(docs.map((x) => JSON.stringify(x))) } });
  const loaded = await task.load();
  assert.deepEqual(loaded.documents.map((x) => [x.reference, x.summaries.map((y) => [y.text, y.human])]), docs.map((x) => [x.reference, x.summaries.map((y) => [y.text, y.score])]));
  const encoder = await openEncoder('base-mean', { maxLen: 48, batchSize: 16 });
  const r = await evaluateDesign({ runDir, design: 'base-mean', tasks: [task], encoder, log: () => {} });
  const res = (JSON.parse(readFileSync(r.file, 'utf8')) as DesignResultsJson).tasks.UserSumm!;
  const cache = new EmbeddingCache(cacheRoot(runDir, 'base-mean'), 'base-mean', encoder.identity);
  const v = (t: string) => Array.from(cache.get(cacheKey('', t))!);
  const ref = python<number>(`
import json, sys, numpy as np
from scipy.stats import spearmanr
cos = lambda a, b: float(np.dot(a, b) / np.linalg.norm(a) / np.linalg.norm(b))
rhos = [spearmanr([cos(s, d['reference']) for s in d['summaries']], d['human']).statistic for d in json.load(sys.stdin)]
print(json.dumps(float(np.mean(rhos))))`, docs.map((x) => ({ reference: v(x.reference), summaries: x.summaries.map((y) => v(y.text)), human: x.summaries.map((y) => y.score) })));
  assert.ok(Math.abs(ref - res.main_score) < 1e-6, `${ref} vs ${res.main_score}`);
});

test('a limited retrieval task keeps the judged documents of its queries plus a few others', async () => {
  const full = await householdRetrieval.load() as RetrievalData;
  const part = await householdRetrieval.load({ limit: 2 }) as RetrievalData;
  assert.equal(full.corpus.length, 8);
  assert.ok(part.queries.length >= 1);
  assert.ok(part.queries.length + part.corpus.length <= 4, 'at most 2 × limit texts, as the built-in tasks (issue 25)');
  for (const qq of part.queries) for (const doc of part.qrels.get(qq.id)!.keys()) assert.ok(part.corpus.some((x) => x.id === doc), doc);
  assert.ok(part.corpus.length < full.corpus.length);
});

test('the real runner: sha256 of each file, scores recomputed by sklearn, overlap with the run\'s training triples reported', async () => {
  const runDir = join(tmp, 'run');
  mkdirSync(runDir, { recursive: true });
  // a run whose training triples happen to contain one corpus text of the user task
  const shared = JSON.parse(readFileSync(join(dataDir, 'corpus.jsonl'), 'utf8').split('\n')[3]!).text as string;
  writeFileSync(join(runDir, 'triples.json'), JSON.stringify({
    key: {}, decontamination: { tasks: builtinTasks.map((t) => t.name) },
    triples: [{ query: 'How do I let air out of a radiator?', positive: shared.toUpperCase(), negative: 'Basil likes sun.', source: 'wikiqa' }],
  }));
  const encoder = await openEncoder('base-mean', { maxLen: 48, batchSize: 16 });
  const lines: string[] = [];
  const r = await evaluateDesign({ runDir, design: 'base-mean', tasks: resolveTasks('HouseholdRetrieval,HouseholdReranking'), encoder, log: (s) => lines.push(s) });
  const res = JSON.parse(readFileSync(r.file, 'utf8')) as DesignResultsJson;
  assert.deepEqual(Object.keys(res.tasks), ['HouseholdRetrieval', 'HouseholdReranking']);
  const ret = res.tasks.HouseholdRetrieval!;
  assert.deepEqual(ret.sha256, Object.fromEntries(['corpus', 'queries', 'qrels'].map((f) => join(dataDir, `${f}.jsonl`)).map((f) => [f, sha256sum(f)])));
  assert.deepEqual(res.tasks.HouseholdReranking!.sha256, { [join(dataDir, 'reranking.jsonl')]: sha256sum(join(dataDir, 'reranking.jsonl')) });
  // overlap: the radiator note is in the triples (by overlapKey, case-insensitive); nothing of the reranking task is
  assert.equal(ret.training_overlap!.overlapping, 1);
  assert.equal(ret.training_overlap!.texts, 12);
  assert.deepEqual(ret.training_overlap!.decontaminated_against, builtinTasks.map((t) => t.name));
  assert.equal(res.tasks.HouseholdReranking!.training_overlap!.overlapping, 0);
  assert.equal(lines.filter((l) => /warning: HouseholdRetrieval: 1 of its 12 texts occur in this run's training triples/.test(l)).length, 1, lines.join('\n'));
  assert.ok(!lines.some((l) => /warning: HouseholdReranking/.test(l)));

  // nDCG@10 from the cached vectors, by sklearn
  const data = await householdRetrieval.load() as RetrievalData;
  const cache = new EmbeddingCache(cacheRoot(runDir, 'base-mean'), 'base-mean', encoder.identity);
  const v = (instr: string, t: string) => Array.from(cache.get(cacheKey(instr, t))!);
  const ref = python<{ ndcg: number }>(`
import json, sys, numpy as np
from sklearn.metrics import ndcg_score
d = json.load(sys.stdin); C = np.array(d['docs']); out = []
for q, gains in zip(d['queries'], d['gains']):
    out.append(ndcg_score([gains], [C @ np.array(q)], k=10))
print(json.dumps({'ndcg': float(np.mean(out))}))`, {
    docs: data.corpus.map((x) => v(ret.instructions.document, x.text)),
    queries: data.queries.map((x) => v(ret.instructions.query, x.text)),
    gains: data.queries.map((x) => data.corpus.map((c) => data.qrels.get(x.id)?.get(c.id) ?? 0)),
  });
  assert.ok(Math.abs(ref.ndcg - ret.main_score) < 1e-6, `${ref.ndcg} vs ${ret.main_score}`);
  assert.ok(ret.instructions.query.startsWith('Given a household question'));
  encoder.dispose?.();
});

test('registering a task changes no training data: the decontamination set is the built-in tasks', async () => {
  const texts = new Set(await evaluationTexts());
  assert.ok(!texts.has('how do I make bread rise without shop yeast'));
  assert.equal(texts.size, new Set(await evaluationTexts(builtinTasks)).size);
});

test('CLI: --task-module registers the tasks in every worker process', () => {
  const dir = join(tmp, 'cli');
  const r = spawnSync('npm', ['run', '-s', 'cli', '--', 'eval', '--run', dir, '--designs', 'base-mean,base-eos', '--tasks', 'HouseholdReranking,WikiQA',
    '--task-module', 'docs/examples/custom-task.ts', '--limit', '3'], { encoding: 'utf8', cwd: root });
  assert.equal(r.status, 0, r.stderr);
  for (const d of ['base-mean', 'base-eos']) {
    const res = JSON.parse(readFileSync(join(dir, 'results', `${d}.json`), 'utf8')) as DesignResultsJson;
    assert.deepEqual(Object.keys(res.tasks), ['WikiQA', 'HouseholdReranking']);
    assert.equal(res.tasks.HouseholdReranking!.sha256![join(dataDir, 'reranking.jsonl')], sha256sum(join(dataDir, 'reranking.jsonl')));
    assert.equal(res.tasks.HouseholdReranking!.user_task, true);
    assert.equal(res.tasks.WikiQA!.user_task, undefined);
  }
  // compare keeps the user's reranking task out of the Reranking mean and lists it apart
  const c = spawnSync('npm', ['run', '-s', 'cli', '--', 'compare', '--run', dir, '--baseline', 'base-mean', '--no-per-sample'], { encoding: 'utf8', cwd: root });
  assert.equal(c.status, 0, c.stderr);
  const stats = JSON.parse(readFileSync(join(dir, 'stats.json'), 'utf8')) as Stats;
  assert.deepEqual(stats.category_scores['base-mean']!.Reranking!.datasets, ['WikiQA']);
  assert.deepEqual(stats.user_tasks.datasets, { HouseholdReranking: 'Reranking' });
  const base = JSON.parse(readFileSync(join(dir, 'results', 'base-mean.json'), 'utf8')) as DesignResultsJson;
  assert.equal(stats.user_tasks.scores['base-mean']!.HouseholdReranking!.mean, base.tasks.HouseholdReranking!.main_score);
  assert.match(readFileSync(join(dir, 'table.md'), 'utf8'), /\| HouseholdReranking \| Reranking \| base-mean \| 0\.\d{4} \|/);
  // the same list from the environment, as a notebook cell sets it before nb.ensureEvaluated
  const viaEnv = spawnSync('npm', ['run', '-s', 'cli', '--', 'eval', '--run', join(tmp, 'cli-env'), '--designs', 'base-eos', '--tasks', 'HouseholdRetrieval', '--limit', '2'],
    { encoding: 'utf8', cwd: root, env: { ...process.env, PA_TASK_MODULES: 'docs/examples/custom-task.ts' } });
  assert.equal(viaEnv.status, 0, viaEnv.stderr);
  assert.match(viaEnv.stderr, /\[eval base-eos\] HouseholdRetrieval \d+ queries, \d+ documents … ndcg_at_10/);
  const missing = spawnSync('npm', ['run', '-s', 'cli', '--', 'eval', '--run', dir, '--task-module', 'nope.ts'], { encoding: 'utf8', cwd: root });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--task-module nope\.ts: no such file/);
});

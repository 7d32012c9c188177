// The evaluation runner end to end on real tasks with the zero-shot base model: result files, main
// scores recomputed from the cached vectors by scipy/sklearn, the cache (reuse, damage), the
// instruction rule, bad input, and the CLI contract (in-process and with child processes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { python } from './helpers.ts';
import { backendName } from '../src/backend/index.ts';
import { cacheRoot, evaluateDesign, resolveTasks } from '../src/eval/runner.ts';
import type { DesignResultsJson } from '../src/eval/results-file.ts';
import { openEncoder, type SentenceEncoder } from '../src/eval/sentence-encoder.ts';
import { resolveDesigns } from '../src/designs.ts';
import { cacheKey, EmbeddingCache, readSegment } from '../src/eval/embedding-cache.ts';
import { identityHash } from '../src/io/sha256.ts';
import { taskByName } from '../src/eval/tasks/index.ts';
import { parseDesignResult } from '../src/report/results.ts';

const LIMIT = 20;
const TASKS = 'STSBenchmark,MRPC,WikiQA';
const tmp = mkdtempSync(join(tmpdir(), 'eval-runner-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
// base-mean's vectors go to the cache shared by all runs: a fresh one here, so the first run encodes
process.env.PA_EMBEDDING_CACHE = join(tmp, 'shared-embeddings');

let encoder: SentenceEncoder | undefined;
async function baseMean(): Promise<SentenceEncoder> {
  encoder ??= await openEncoder('base-mean', { maxLen: 48, batchSize: 32 });
  return encoder;
}

async function run(runDir: string) {
  const lines: string[] = [];
  const r = await evaluateDesign({ runDir, design: 'base-mean', tasks: resolveTasks(TASKS), limit: LIMIT, encoder: await baseMean(), log: (s) => lines.push(s) });
  return { ...r, lines };
}

/** A cached vector as a plain array; fails the test when it is not cached. */
function vec(cache: EmbeddingCache, instruction: string, text: string): number[] {
  const v = cache.get(cacheKey(instruction, text));
  assert.ok(v, `no cached vector for ${JSON.stringify(instruction.slice(0, 20))} + ${JSON.stringify(text.slice(0, 40))}`);
  return Array.from(v);
}

const runA = join(tmp, 'a');
let first: Awaited<ReturnType<typeof run>>;

test('results file: structure, and it reads back through the statistics reader', async () => {
  first = await run(runA);
  const text = readFileSync(join(runA, 'results', 'base-mean.json'), 'utf8');
  const r = JSON.parse(text) as DesignResultsJson;
  assert.equal(r.design, 'base-mean');
  assert.equal(r.limit, LIMIT);
  assert.equal(r.backend, backendName()); // the picked one: tfjs-node once set up, else wasm
  assert.deepEqual(Object.keys(r.tasks), ['STSBenchmark', 'MRPC', 'WikiQA']);
  for (const [name, t] of Object.entries(r.tasks)) {
    assert.equal(t.category, taskByName(name).category);
    assert.ok(Number.isFinite(t.main_score), name);
    assert.equal(t.main_score, t.scores[taskByName(name).mainScore], `${name}: main_score is the task's main score`);
    assert.ok(t.seconds >= 0 && typeof t.per_sample === 'object', name);
  }
  assert.equal((r.tasks.STSBenchmark!.per_sample.predicted as number[]).length, LIMIT);
  assert.equal(r.tasks.STSBenchmark!.quirks?.extraColumns !== undefined, true, 'quirks are kept');
  const parsed = parseDesignResult(text, 'base-mean.json');
  assert.equal(parsed.tasks.WikiQA!.per_sample?.kind, 'values');
  assert.equal(parsed.tasks.STSBenchmark!.per_sample?.kind, 'sts');
  // the run's instruction policy and each task's chance level are recorded and read back
  assert.deepEqual(r.instruction_policy, { train: 'none', eval: 'authors' });
  assert.deepEqual(parsed.instruction_policy, r.instruction_policy);
  assert.equal(r.tasks.STSBenchmark!.chance.mean, 0);
  assert.ok(Math.abs(r.tasks.STSBenchmark!.chance.sd - 1 / Math.sqrt(LIMIT - 1)) < 1e-12);
  assert.equal(parsed.tasks.MRPC!.chance?.mean, r.tasks.MRPC!.chance.mean);
  assert.equal(r.tasks.WikiQA!.instructions.document, taskByName('WikiQA').instruction);
  assert.ok(first.lines.some((l) => /^\[eval base-mean\] STSBenchmark 20 pairs … cos_sim\.spearman -?\d\.\d{4} \(/.test(l)), first.lines.join('\n'));
});

test('main scores equal scipy/sklearn recomputed from the cached vectors; reranking candidates carry the instruction (the authors policy)', async () => {
  const em = await baseMean();
  const cache = new EmbeddingCache(cacheRoot(runA, 'base-mean'), 'base-mean', em.identity);
  const r = first.results;

  const sts = taskByName('STSBenchmark');
  if (sts.category !== 'STS') throw new Error('category');
  const stsData = await sts.load({ limit: LIMIT });
  const stsRef = python<{ rho: number }>(`
import json, sys, numpy as np
from scipy.stats import spearmanr
d = json.load(sys.stdin); a = np.array(d['a']); b = np.array(d['b'])
cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
print(json.dumps({'rho': float(spearmanr(d['gold'], cos).correlation)}))`, {
    a: stsData.pairs.map((p) => vec(cache, sts.instruction, p.s1)), b: stsData.pairs.map((p) => vec(cache, sts.instruction, p.s2)), gold: stsData.pairs.map((p) => p.score),
  });
  assert.ok(Math.abs(stsRef.rho - r.tasks.STSBenchmark!.main_score) < 1e-9, `${stsRef.rho} vs ${r.tasks.STSBenchmark!.main_score}`);

  const mrpc = taskByName('MRPC');
  if (mrpc.category !== 'PairClassification') throw new Error('category');
  const mrpcData = await mrpc.load({ limit: LIMIT });
  const mrpcRef = python<{ ap: number }>(`
import json, sys, numpy as np
from sklearn.metrics import average_precision_score as ap
d = json.load(sys.stdin); a = np.array(d['a']); b = np.array(d['b']); y = d['y']
cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
scores = [cos, (a * b).sum(1), -np.linalg.norm(a - b, axis=1), -np.abs(a - b).sum(1)]
print(json.dumps({'ap': max(float(ap(y, s)) for s in scores)}))`, {
    a: mrpcData.pairs.map((p) => vec(cache, mrpc.instruction, p.s1)), b: mrpcData.pairs.map((p) => vec(cache, mrpc.instruction, p.s2)), y: mrpcData.pairs.map((p) => p.label),
  });
  assert.ok(Math.abs(mrpcRef.ap - r.tasks.MRPC!.main_score) < 1e-9, `${mrpcRef.ap} vs ${r.tasks.MRPC!.main_score}`);

  // WikiQA under the default (authors') policy: queries and candidates both carry the instruction,
  // as the authors' run_mteb.py + vendored RerankingEvaluator did; no candidate is encoded bare.
  const wiki = taskByName('WikiQA');
  if (wiki.category !== 'Reranking') throw new Error('category');
  const wikiData = await wiki.load({ limit: LIMIT });
  const queryTexts = new Set(wikiData.queries.map((q) => q.query));
  for (const q of wikiData.queries) {
    for (const c of [...q.positives, ...q.negatives]) {
      if (!queryTexts.has(c)) assert.equal(cache.get(cacheKey('', c)), undefined, 'a candidate was embedded without the instruction');
    }
  }
  const wikiRef = python<{ map: number }>(`
import json, sys, numpy as np
from sklearn.metrics import average_precision_score as ap
aps = []
for q in json.load(sys.stdin):
    if not q['pos'] or not q['neg']: continue
    c = np.array(q['pos'] + q['neg']); v = np.array(q['q'])
    cos = c @ v / np.linalg.norm(c, axis=1) / np.linalg.norm(v)
    aps.append(ap([1] * len(q['pos']) + [0] * len(q['neg']), cos))
print(json.dumps({'map': float(np.mean(aps))}))`, wikiData.queries.map((q) => ({
    q: vec(cache, wiki.instruction, q.query), pos: q.positives.map((t) => vec(cache, wiki.instruction, t)), neg: q.negatives.map((t) => vec(cache, wiki.instruction, t)),
  })));
  assert.ok(Math.abs(wikiRef.map - r.tasks.WikiQA!.main_score) < 1e-9, `${wikiRef.map} vs ${r.tasks.WikiQA!.main_score}`);
});

test('a rerun encodes nothing: every text comes from the cache', async () => {
  assert.ok(first.cache.encoded > 0 && first.cache.encoded === first.cache.unique - first.cache.hits);
  const second = await run(runA);
  assert.equal(second.cache.encoded, 0);
  assert.equal(second.cache.hits, second.cache.unique);
  assert.ok(second.lines.some((l) => /STSBenchmark .* cache 100% hit, encoded 0\)/.test(l)), second.lines.join('\n'));
  for (const [name, t] of Object.entries(second.results.tasks)) assert.equal(t.main_score, first.results.tasks[name]!.main_score, name);
});

test('damaged cache segments are detected, deleted and their texts encoded again', async () => {
  const em = await baseMean();
  const dir = join(cacheRoot(runA, 'base-mean'), 'base-mean', identityHash(em.identity).slice(0, 16));
  const segs = readdirSync(dir).filter((f) => f.endsWith('.seg')).sort().map((f) => join(dir, f));
  assert.ok(segs.length >= 2);
  const before = segs.slice(0, 2).map((f) => readSegment(readFileSync(f), identityHash(em.identity)));
  const bytes = readFileSync(segs[0]!);
  bytes[bytes.length - 3]! ^= 0x40; // one bit in the last vector
  writeFileSync(segs[0]!, bytes);
  truncateSync(segs[1]!, 100); // a half-written file
  const third = await run(runA);
  assert.equal(third.results.cache.corrupt_segments.length, 2);
  assert.equal(third.lines.filter((l) => /is damaged \(/.test(l)).length, 2, third.lines.join('\n'));
  assert.equal(third.cache.encoded, before[0]!.header.count + before[1]!.header.count);
  // The rebuilt vectors are the lost ones again (other batches: equal up to float rounding).
  const rebuilt = new EmbeddingCache(cacheRoot(runA, 'base-mean'), 'base-mean', em.identity);
  assert.equal(rebuilt.corrupt.length, 0);
  for (const { header, vectors } of before) {
    header.keys.forEach((k, i) => {
      const v = rebuilt.get(k);
      assert.ok(v, 'a lost vector was not rebuilt');
      for (let j = 0; j < header.dim; j++) assert.ok(Math.abs(v[j]! - vectors[i * header.dim + j]!) < 1e-5);
    });
  }
});

test('cache: many segments are merged into one on open, vectors unchanged', () => {
  const root = join(tmp, 'compact');
  const identity = { kind: 'test', n: 1 };
  const c = new EmbeddingCache(root, 'x', identity);
  const want = new Map<string, Float32Array>();
  for (let i = 0; i < 70; i++) {
    const k = cacheKey('', `text ${i}`), v = Float32Array.from([i, -i, i / 7]);
    c.add([k], [v]); want.set(k, v);
  }
  assert.equal(readdirSync(c.dir).filter((f) => f.endsWith('.seg')).length, 70);
  const reopened = new EmbeddingCache(root, 'x', identity);
  assert.equal(readdirSync(c.dir).filter((f) => f.endsWith('.seg')).length, 1);
  const again = new EmbeddingCache(root, 'x', identity);
  assert.equal(again.segments, 1);
  for (const cache of [reopened, again]) {
    assert.equal(cache.size, 70);
    for (const [k, v] of want) assert.deepEqual(cache.get(k), v);
  }
  // another identity never sees these vectors
  assert.equal(new EmbeddingCache(root, 'x', { kind: 'test', n: 2 }).size, 0);
});

test('an instruction longer than max_len does not crowd out the text', async () => {
  const small = await openEncoder('base-mean', { maxLen: 8 });
  const instruction = taskByName('MR').instruction; // about 55 tokens of the 512-piece vocabulary
  const r = await small.encode(['a good film', 'a terrible film'], instruction);
  let diff = 0;
  for (let j = 0; j < r.vectors[0]!.length; j++) diff = Math.max(diff, Math.abs(r.vectors[0]![j]! - r.vectors[1]![j]!));
  assert.ok(diff > 1e-4, `two different texts embed the same (max difference ${diff})`);
  assert.ok(r.tokens > 2 * 8, `${r.tokens} tokens: the instruction was cut to the text budget`);
});

test('unknown tasks and designs are errors that list the valid names', () => {
  assert.throws(() => resolveTasks('sts,NoSuchTask'), /unknown task 'NoSuchTask'.*categories sts, classification.*datasets STSBenchmark, SICK-R/);
  assert.deepEqual(resolveTasks('sts').map((t) => t.name), ['STSBenchmark', 'SICK-R', 'STS12', 'STS13', 'STS14', 'STS15', 'STS16', 'BIOSSES']);
  assert.deepEqual(resolveTasks('Retrieval,WikiQA').map((t) => t.name), ['WikiQA', 'Cranfield']);
  assert.throws(() => resolveDesigns('m1,m9'), /unknown design 'm9'; valid: all, m1, .*base-mean, base-eos, use-lite/);
  assert.deepEqual(resolveDesigns('all'), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
});

test('a design without a checkpoint is an error naming the design and the file', async () => {
  const dir = join(tmp, 'untrained');
  await assert.rejects(
    evaluateDesign({ runDir: dir, design: 'm1', tasks: resolveTasks('STSBenchmark'), limit: 5, log: () => {} }),
    (e: Error) => e.message.includes(join(dir, 'm1', 'final', 'config.json')) && e.message.includes("design 'm1'"),
  );
});

const cli = (args: string[]) => spawnSync('npm', ['run', '-s', 'cli', '--', ...args], { encoding: 'utf8', cwd: join(import.meta.dirname, '..') });

test('CLI contract: eval --run DIR --designs base-eos --tasks STSBenchmark --limit 20', () => {
  const dir = join(tmp, 'cli');
  const r = cli(['eval', '--run', dir, '--designs', 'base-eos', '--tasks', 'STSBenchmark', '--limit', '20']);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(readFileSync(join(dir, 'results', 'base-eos.json'), 'utf8')) as DesignResultsJson;
  assert.equal(res.design, 'base-eos');
  assert.deepEqual(Object.keys(res.tasks), ['STSBenchmark']);
  const t = res.tasks.STSBenchmark!;
  assert.equal(t.category, 'STS');
  const ref = python<{ rho: number }>(`
import json, sys
from scipy.stats import spearmanr
d = json.load(sys.stdin); print(json.dumps({'rho': float(spearmanr(d['gold'], d['predicted']).correlation)}))`, t.per_sample);
  assert.ok(Math.abs(ref.rho - t.main_score) < 1e-9);
  assert.match(r.stderr, /\[eval base-eos\] STSBenchmark 20 pairs … cos_sim\.spearman/);
});

test('CLI: several designs run in child processes; use-lite embeds without instructions', () => {
  const dir = join(tmp, 'cli2');
  const r = cli(['eval', '--run', dir, '--designs', 'base-mean,use-lite', '--tasks', 'STSBenchmark', '--limit', '10']);
  assert.equal(r.status, 0, r.stderr);
  for (const d of ['base-mean', 'use-lite']) {
    const res = JSON.parse(readFileSync(join(dir, 'results', `${d}.json`), 'utf8')) as DesignResultsJson;
    assert.equal(res.design, d);
    assert.equal(res.instructions, d !== 'use-lite');
    assert.equal(res.tasks.STSBenchmark!.instruction === '', d === 'use-lite');
    assert.equal((res.tasks.STSBenchmark!.per_sample.predicted as number[]).length, 10);
  }
  const bad = cli(['eval', '--run', dir, '--designs', 'base-mean,m1,m3', '--tasks', 'STSBenchmark', '--limit', '10']);
  assert.equal(bad.status, 1);
  for (const d of ['m1', 'm3']) assert.ok(bad.stderr.includes(`design '${d}' has no final checkpoint: ${join(dir, d, 'final', 'config.json')}`), bad.stderr);
  const unknown = cli(['eval', '--run', dir, '--tasks', 'sts,Nope']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown task 'Nope'; valid: all, categories sts/);
});

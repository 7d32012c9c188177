// Training triples: every triple is a real (anchor, positive, negative) of its source as read by an
// independent Python reader, none shares a text with an evaluation task, no repeats, seeded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '../src/data/files.ts';
import {
  DISJOINT_SOURCES, formatTripleCounts, loadTrainingTriples, SOURCE_SHARES, TRAINING_INSTRUCTIONS,
  triplesFromGroups, TRIPLE_SOURCES, type TrainingTriples,
} from '../src/training/triples.ts';
import { evaluationTexts, overlapKey } from '../src/eval/tasks/decontamination.ts';
import { allTasks } from '../src/eval/tasks/index.ts';
import { PROFILES } from '../src/training/profiles.ts';
import { python } from './helpers.ts';

const MIRROR = resolve(projectRoot, '..', 'shared');
const skip = existsSync(join(MIRROR, 'data', 'MANIFEST.tsv')) ? false : `no data mirror at ${MIRROR}`;


/** The brief's normalisation: case and whitespace only (weaker than overlapKey). */
const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

// Python reads every training source into (anchor, partner, kind) relations, counts the candidate
// triples of the grouping rule (positives of anchors that have both kinds), and reads Banking77 labels.
const REFERENCE = `
import json, sys, csv, collections
root = json.load(sys.stdin) + '/data/'
def lines(p): return open(root + p, encoding='utf-8-sig').read().split('\\n')[:-1]
rel = collections.defaultdict(list)   # source -> [anchor, partner, kind]
for split in ['dev', 'test']:
    for a, b, l in zip(lines(f'training/esnli/s1.{split}'), lines(f'training/esnli/s2.{split}'), lines(f'training/esnli/labels.{split}')):
        if l in ('entailment', 'contradiction'): rel['esnli'].append([a.strip(), b.strip(), 'pos' if l == 'entailment' else 'neg'])
d = 'pair_classification/twitter_url/train/'
for a, b, s in zip(lines(d + 'a.toks'), lines(d + 'b.toks'), lines(d + 'sim.txt')):
    rel['twitterurl'].append([a.strip(), b.strip(), 'pos' if s == '1' else 'neg'])
d = 'reranking/wikiqa/train/'
for a, b, s in zip(lines(d + 'a.toks'), lines(d + 'b.toks'), lines(d + 'sim.txt')):
    rel['wikiqa'].append([a.strip(), b.strip(), 'pos' if s == '1' else 'neg'])
for line in lines('sts/stsbenchmark/sts-train.csv'):
    f = line.split('\\t'); sc = float(f[4])
    if sc >= 4 or sc <= 1:
        k = 'pos' if sc >= 4 else 'neg'
        rel['stsb'] += [[f[5].strip(), f[6].strip(), k], [f[6].strip(), f[5].strip(), k]]
for line in lines('sts/sick/SICK_train.txt')[1:]:
    f = line.split('\\t')
    if f[4] in ('ENTAILMENT', 'CONTRADICTION'): rel['sick'].append([f[1], f[2], 'pos' if f[4] == 'ENTAILMENT' else 'neg'])
for f in list(csv.reader(open(root + 'pair_classification/mrpc/msr-para-train.tsv', encoding='utf-8-sig'), delimiter='\\t', quoting=csv.QUOTE_NONE))[1:]:
    k = 'pos' if f[0] == '1' else 'neg'
    rel['mrpc'] += [[f[3].strip(), f[4].strip(), k], [f[4].strip(), f[3].strip(), k]]
cand = {}
for src, rows in rel.items():
    g = collections.defaultdict(lambda: [0, 0])
    for a, b, k in rows: g[a][0 if k == 'pos' else 1] += 1
    cand[src] = sum(p for p, n in g.values() if p and n)
b77 = {}
for r in list(csv.reader(open(root + 'classification/banking77/train.csv', encoding='utf-8', newline='')))[1:]:
    b77.setdefault(' '.join(r[0].split()), []).append(r[1])
print(json.dumps({'rel': rel, 'cand': cand, 'b77': b77}))
`;

interface Reference { rel: Record<string, [string, string, string][]>; cand: Record<string, number>; b77: Record<string, string[]> }

let shared: Promise<{ full: TrainingTriples; evalTexts: string[]; ref: Reference }> | undefined;
function fixture() {
  shared ??= (async () => {
    const evalTexts = await evaluationTexts();
    const full = await loadTrainingTriples({ seed: 1, evaluationTexts: evalTexts, sources: TRIPLE_SOURCES });
    const ref = python<Reference>(REFERENCE, MIRROR);
    return { full, evalTexts, ref };
  })();
  return shared;
}

test('triple counts per source: candidates match Python, every source but STS-B keeps some', { skip }, async () => {
  const { full, ref } = await fixture();
  process.stdout.write(`# ${formatTripleCounts(full.counts).split('\n').join('\n# ')}\n`);
  for (const s of TRIPLE_SOURCES) {
    const c = full.counts[s];
    assert.equal(c.candidates, s === 'banking77' ? 10003 : ref.cand[s], s);
    assert.equal(c.candidates, c.degenerate + c.overlapDropped + c.duplicates + c.clean, s);
    assert.equal(c.kept, c.clean, s);
    assert.equal(full.triples.filter((t) => t.source === s).length, c.kept, s);
    if (s !== 'stsb') assert.ok(c.kept > 0, `${s}: no triples kept`);
  }
  // STS-B's train split is largely built from STS12–16 test pairs: every same-anchor triple shares
  // a text with an evaluation task. Check that with the weaker case/whitespace normalisation.
  assert.ok(full.counts.stsb.candidates > 0);
  assert.equal(full.counts.stsb.overlapDropped, full.counts.stsb.candidates);
});

test('every triple is a true (anchor, positive, negative) of its source', { skip }, async () => {
  const { full, ref } = await fixture();
  const rel = new Map<string, Set<string>>();
  for (const [s, rows] of Object.entries(ref.rel)) rel.set(s, new Set(rows.map(([a, b, k]) => `${a}\t${b}\t${k}`)));
  for (const t of full.triples) {
    if (t.source === 'banking77') {
      const [q, p, n] = [t.query, t.positive, t.negative].map((x) => new Set(ref.b77[x.replace(/\s+/g, ' ').trim()] ?? []));
      const shared = [...q!].filter((l) => p!.has(l));
      assert.ok(shared.length > 0 && [...n!].some((l) => !shared.includes(l)), JSON.stringify(t));
      continue;
    }
    const r = rel.get(t.source)!;
    assert.ok(r.has(`${t.query}\t${t.positive}\tpos`), `${t.source}: not a positive: ${JSON.stringify(t)}`);
    assert.ok(r.has(`${t.query}\t${t.negative}\tneg`), `${t.source}: not a negative: ${JSON.stringify(t)}`);
  }
});

test('no triple text equals an evaluation text (case/whitespace-normalised); no repeated triple', { skip }, async () => {
  const { full } = await fixture();
  // Independent collection: every string each task's loader returns, except the training pools
  // of classification tasks (only their test texts are scored).
  const evalSet = new Set<string>();
  const collect = (v: unknown): void => {
    if (typeof v === 'string') evalSet.add(norm(v));
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v instanceof Map) [...v.values()].forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  for (const t of allTasks) {
    const d = await t.load() as unknown as Record<string, unknown>;
    if (t.category === 'Classification') collect(d.test);
    else if (t.category === 'Retrieval') { collect(d.corpus); collect(d.queries); }
    else collect(Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'quirks' && k !== 'files' && k !== 'labels')));
  }
  assert.ok(evalSet.size > 50000, `only ${evalSet.size} evaluation texts collected`);
  const seen = new Set<string>();
  for (const t of full.triples) {
    for (const x of [t.query, t.positive, t.negative]) assert.ok(!evalSet.has(norm(x)), `${t.source} triple text is an evaluation text: ${x}`);
    const key = [t.query, t.positive, t.negative].map(overlapKey).join('\u0000');
    assert.ok(!seen.has(key), `repeated triple ${JSON.stringify(t)}`);
    seen.add(key);
  }
  // The filter is not vacuous: dropped triples did collide with evaluation texts.
  const dropped = TRIPLE_SOURCES.reduce((a, s) => a + full.counts[s].overlapDropped, 0);
  assert.ok(dropped > 0);
});

test('seeded and limited: same seed same output, another seed another order, limit caps each source', { skip }, async () => {
  const { full, evalTexts } = await fixture();
  const again = await loadTrainingTriples({ seed: 1, evaluationTexts: evalTexts, sources: ['wikiqa', 'banking77'] });
  const sub = full.triples.filter((t) => t.source === 'wikiqa' || t.source === 'banking77');
  assert.deepEqual(new Set(again.triples.map((t) => JSON.stringify(t))), new Set(sub.map((t) => JSON.stringify(t))));
  assert.equal(again.counts.esnli.kept, 0);
  const other = await loadTrainingTriples({ seed: 2, evaluationTexts: evalTexts, sources: ['wikiqa'] });
  const wiki1 = full.triples.filter((t) => t.source === 'wikiqa');
  assert.deepEqual(new Set(other.triples.map((t) => JSON.stringify(t))), new Set(wiki1.map((t) => JSON.stringify(t))));
  assert.notDeepEqual(other.triples, wiki1);
  const lim = await loadTrainingTriples({ seed: 1, evaluationTexts: evalTexts, limit: 50, sources: ['esnli', 'mrpc'] });
  assert.equal(lim.counts.esnli.kept, 50);
  assert.equal(lim.counts.mrpc.kept, Math.min(50, full.counts.mrpc.clean));
  const fullSet = new Set(full.triples.map((t) => JSON.stringify(t)));
  for (const t of lim.triples) assert.ok(fullSet.has(JSON.stringify(t)));
  await assert.rejects(loadTrainingTriples({ evaluationTexts: [], limit: 0 }), /positive integer/);
});

test('triplesFromGroups pairs positive i with negative i mod N and skips one-sided groups', () => {
  const t = triplesFromGroups([
    { anchor: 'a', positives: ['p1', 'p2', 'p3'], negatives: ['n1', 'n2'] },
    { anchor: 'b', positives: ['p'], negatives: [] },
  ], 'sick');
  assert.deepEqual(t.map((x) => [x.query, x.positive, x.negative]), [['a', 'p1', 'n1'], ['a', 'p2', 'n2'], ['a', 'p3', 'n1']]);
  assert.equal(overlapKey("It's  a Test."), overlapKey("it ' s a test"));
});

test('the default sources share no corpus with any evaluation task; every shared task exists', async () => {
  const names = new Set(allTasks.map((t) => t.name));
  for (const s of TRIPLE_SOURCES) for (const n of SOURCE_SHARES[s]) assert.ok(names.has(n), `${s} names unknown task ${n}`);
  assert.deepEqual([...DISJOINT_SOURCES], ['esnli']);
  for (const s of DISJOINT_SOURCES) assert.deepEqual(SOURCE_SHARES[s], []);
  // every in-domain source is named for the tasks it was taken beside (its split of the same corpus)
  assert.ok(SOURCE_SHARES.banking77.includes('Banking77Clustering') && SOURCE_SHARES.wikiqa.includes('WikiQA') && SOURCE_SHARES.twitterurl.includes('TwitterURLCorpus'));
  for (const p of Object.values(PROFILES)) assert.ok(p.trainingSources.every((s) => DISJOINT_SOURCES.includes(s)), `profile ${p.name} trains on an in-domain source`);
});

test('instructQueries gives each query (only) its source instruction; the default gives none', { skip }, async () => {
  const bare = await loadTrainingTriples({ seed: 1, evaluationTexts: [], limit: 20, sources: ['esnli', 'wikiqa'] });
  const inst = await loadTrainingTriples({ seed: 1, evaluationTexts: [], limit: 20, sources: ['esnli', 'wikiqa'], instructQueries: true });
  assert.ok(bare.triples.every((t) => !t.instruction));
  assert.equal(inst.triples.length, bare.triples.length);
  inst.triples.forEach((t, i) => {
    assert.equal(t.instruction, TRAINING_INSTRUCTIONS[t.source]);
    assert.deepEqual({ ...t, instruction: undefined }, { ...bare.triples[i]!, instruction: undefined });
  });
  const dflt = await loadTrainingTriples({ seed: 1, evaluationTexts: [], limit: 5 });
  assert.ok(dflt.triples.every((t) => t.source === 'esnli'));
});

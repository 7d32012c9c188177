// Evaluation task loaders: row counts and quirk counts against the mirror's README, parsed content
// against independent Python readers of the raw files, and malformed rows that must fail with the
// file and line named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { projectRoot } from '../src/data/files.ts';
import { parseCsv } from '../src/data/csv.ts';
import { DataFormatError, decodeCp1252, decodeUtf8, splitLines } from '../src/data/text.ts';
import { allTasks, taskByName, tasksByCategory, type DataByCategory, type TaskCategory } from '../src/eval/tasks/index.ts';
import { parseAgNewsCased, parseBanking77, parseMrFile } from '../src/data/datasets/classification.ts';
import { parseNewsgroupPost } from '../src/data/datasets/clustering.ts';
import { parseMrpc, parseTwitterUrlCorpus } from '../src/data/datasets/pair-classification.ts';
import { parseWikiQa } from '../src/data/datasets/reranking.ts';
import { parseCranfieldDocs, parseCranfieldQrels } from '../src/data/datasets/retrieval.ts';
import { parseBiosses, parseStsBenchmark, parseStsInputWithGold } from '../src/data/datasets/sts.ts';
import { parseRealSummScores } from '../src/data/datasets/summarization.ts';
import { spread, stratifiedSplit } from '../src/eval/tasks/sampling.ts';
import { python } from './helpers.ts';

const MIRROR = resolve(projectRoot, '..', 'shared');
const skip = existsSync(join(MIRROR, 'data', 'MANIFEST.tsv')) ? false : `no data mirror at ${MIRROR}`;


async function load<C extends TaskCategory>(name: string, category: C, limit?: number): Promise<DataByCategory[C]> {
  const t = taskByName(name);
  assert.equal(t.category, category);
  return (await t.load(limit === undefined ? undefined : { limit })) as DataByCategory[C];
}

const raw = (rel: string) => readFile(join(MIRROR, rel));

/** Writes `text` to a temporary copy and parses it back with `parse`; returns the error thrown. */
async function malformed(name: string, text: string | Buffer, parse: (b: Buffer, file: string) => unknown): Promise<Error> {
  const dir = await mkdtemp(join(tmpdir(), 'pa-tasks-'));
  try {
    const file = join(dir, name);
    await writeFile(file, text);
    try { parse(await readFile(file), file); } catch (e) { return e as Error; }
    throw new Error('parser accepted a malformed file');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function assertFileLine(err: Error, fileSuffix: string, line: number, detail: RegExp): void {
  assert.ok(err instanceof DataFormatError, `expected DataFormatError, got ${err}`);
  assert.ok(err.message.includes(`${fileSuffix}:${line}:`), err.message);
  assert.match(err.message, detail);
}

test('registry: the exact task names, one category each, metadata filled in', () => {
  assert.deepEqual(allTasks.map((t) => t.name), [
    'STSBenchmark', 'SICK-R', 'STS12', 'STS13', 'STS14', 'STS15', 'STS16', 'BIOSSES',
    'Banking77', 'AGNews', 'SMSSpam', 'MR',
    'MiniNewsgroups', 'Banking77Clustering', 'AGNewsClustering',
    'TwitterURLCorpus', 'MRPC', 'SICK-E', 'WikiQA', 'Cranfield', 'REALSumm',
  ]);
  const sizes = Object.fromEntries((['STS', 'Classification', 'Clustering', 'PairClassification', 'Reranking', 'Retrieval', 'Summarization'] as const)
    .map((c) => [c, tasksByCategory(c).length]));
  assert.deepEqual(sizes, { STS: 8, Classification: 4, Clustering: 3, PairClassification: 3, Reranking: 1, Retrieval: 1, Summarization: 1 });
  for (const t of allTasks) {
    assert.ok(t.instruction.length > 10 && !t.instruction.includes('\n'), t.name);
    assert.equal(t.instructed, t.category === 'Retrieval' || t.category === 'Reranking' ? 'queries' : 'all', t.name);
    assert.ok(t.mainScore.length > 0 && t.description.length > 0 && t.license.length > 0, t.name);
    assert.equal(taskByName(t.name), t);
  }
  assert.throws(() => taskByName('STS17'), (e: Error) => /unknown task 'STS17'/.test(e.message) && e.message.includes('STSBenchmark, SICK-R'));
});

test('STS: pair counts and quirks match the data README', { skip }, async () => {
  const expected: Record<string, number> = {
    STSBenchmark: 1379, 'SICK-R': 4927, STS12: 3108, STS13: 2250, STS14: 3750, STS15: 3000, STS16: 1186, BIOSSES: 100,
  };
  for (const [name, n] of Object.entries(expected)) {
    const d = await load(name, 'STS');
    assert.equal(d.pairs.length, n, name);
    assert.equal(new Set(d.pairs.map((p) => p.id)).size, n, `${name}: ids unique`);
    for (const p of d.pairs) {
      assert.ok(p.s1 !== '' && p.s2 !== '' && p.s1 === p.s1.trim(), `${name} ${p.id}`);
      assert.ok(p.score >= 0 && p.score <= 5, `${name} ${p.id}`);
    }
  }
  assert.deepEqual((await load('STSBenchmark', 'STS')).quirks, { extraColumns: 284 });
  // Unscored = input lines − scored pairs: STS15 8,500 − 3,000; STS16 9,183 − 1,186.
  assert.equal((await load('STS15', 'STS')).quirks.unscoredPairs, 5500);
  assert.deepEqual((await load('STS16', 'STS')).quirks, { unscoredPairs: 7997, sourceColumnsIgnored: 9183 });
  assert.equal((await load('STS12', 'STS')).quirks.unscoredPairs, 0);
  assert.equal((await load('SICK-R', 'STS')).quirks.crlfLines, 4928);
});

test('STS12–16 and BIOSSES agree with an independent Python reader of the raw files', { skip }, async () => {
  const ours: Record<string, [string, string, number][]> = {};
  for (const name of ['STS12', 'STS13', 'STS14', 'STS15', 'STS16', 'BIOSSES']) {
    ours[name] = (await load(name, 'STS')).pairs.map((p) => [p.s1, p.s2, p.score]);
  }
  const ref = python<Record<string, [string, string, number][]>>(`
import json, sys
root = json.load(sys.stdin)
sets = {12: ['MSRpar','MSRvid','SMTeuroparl','surprise.OnWN','surprise.SMTnews'], 13: ['FNWN','OnWN','SMT','headlines'],
        14: ['OnWN','deft-forum','deft-news','headlines','images','tweet-news'],
        15: ['answers-forums','answers-students','belief','headlines','images'],
        16: ['answer-answer','headlines','plagiarism','postediting','question-question']}
out = {}
for y, names in sets.items():
    rows = []
    for s in names:
        d = f'{root}/data/sts/sts{y}'
        inp = f'{d}/STS.input.SMT.txt' if (y, s) == (13, 'SMT') else (f'{d}/original/STS2016.input.{s}.txt' if y == 16 else f'{d}/original/STS.input.{s}.txt')
        ins = open(inp, encoding='utf-8').read().split('\\n')[:-1]
        gs = open(f'{d}/STS.gs.{s}.txt', encoding='utf-8').read().split('\\n')[:-1]
        assert len(ins) == len(gs)
        for a, g in zip(ins, gs):
            if g.strip():
                f = a.split('\\t')
                rows.append([f[0].strip(), f[1].strip(), float(g)])
    out[f'STS{y}'] = rows
import csv
rows = list(csv.reader(open(f'{root}/data/sts/biosses/biosses.tsv', encoding='utf-8'), delimiter='\\t'))[1:]
out['BIOSSES'] = [[r[1].strip(), r[2].strip(), sum(int(x) for x in r[3:]) / 5] for r in rows]
print(json.dumps(out))
`, MIRROR);
  for (const name of Object.keys(ref)) {
    assert.equal(ours[name]!.length, ref[name]!.length, name);
    ours[name]!.forEach((p, i) => {
      const r = ref[name]![i]!;
      assert.equal(p[0], r[0], `${name} #${i}`);
      assert.equal(p[1], r[1], `${name} #${i}`);
      assert.ok(Math.abs(p[2] - r[2]) < 1e-12, `${name} #${i}`);
    });
  }
});

test('Classification: Banking77 upstream split, seeded stratified splits of AG News, SMS Spam and MR', { skip }, async () => {
  const b = await load('Banking77', 'Classification');
  assert.equal(b.train.length, 10003);
  assert.equal(b.test.length, 3080);
  assert.equal(b.labels.length, 77);
  assert.equal(new Set(b.test.map((x) => x.label)).size, 77);
  assert.equal(b.quirks.multilineTexts, 1);
  for (const x of [...b.train, ...b.test]) assert.ok(!/[\r\n]/.test(x.text) && x.text === x.text.trim());

  const sizes: Record<string, [number, Record<string, number>]> = {
    AGNews: [1900, { World: 1900, Sports: 1900, Business: 1900, 'Sci/Tech': 1900 }],
    SMSSpam: [1394, { ham: 4827, spam: 747 }],
    MR: [2666, { pos: 5331, neg: 5331 }],
  };
  for (const [name, [nTrain, perClass]] of Object.entries(sizes)) {
    const d = await load(name, 'Classification');
    assert.equal(d.train.length, nTrain, name);
    const all = [...d.train, ...d.test];
    const count: Record<string, number> = {};
    for (const x of all) count[x.label] = (count[x.label] ?? 0) + 1;
    assert.deepEqual(count, perClass, name);
    // Per class, the train share is round(n / 4).
    for (const [label, n] of Object.entries(perClass)) {
      assert.equal(d.train.filter((x) => x.label === label).length, Math.round(n * 0.25), `${name} ${label}`);
    }
    assert.deepEqual(d.labels, Object.keys(perClass).sort());
    // Deterministic: a second load gives the same split.
    assert.deepEqual((await load(name, 'Classification')).train, d.train);
  }
  const mr = await load('MR', 'Classification');
  assert.deepEqual(mr.quirks, { cp1252Files: 2, nonAsciiLines: 202 });
  assert.equal((await load('AGNews', 'Classification')).quirks.backslashBreaks, 808);
});

test('CSV and cp1252 readers agree with Python (csv module, cp1252 codec) on Banking77, AG News and MR', { skip }, async () => {
  const ref = python<{ b77: string[][]; ag: string[][]; mr: string[] }>(`
import csv, json, sys, re
root = json.load(sys.stdin)
b77 = [r for r in csv.reader(open(f'{root}/data/classification/banking77/train.csv', encoding='utf-8', newline=''))][1:]
ag = [r for r in csv.reader(open(f'{root}/data/classification/ag_news/cased/test.csv', encoding='utf-8', newline=''))][1:]
mr = open(f'{root}/data/classification/mr/rt-polarity.neg', 'rb').read().decode('cp1252').split('\\n')[:-1]
print(json.dumps({'b77': b77, 'ag': ag, 'mr': mr}))
`, MIRROR);
  const b77File = 'data/classification/banking77/train.csv';
  const recs = parseCsv(decodeUtf8(await raw(b77File), b77File).text, b77File).slice(1).map((r) => r.fields);
  assert.deepEqual(recs, ref.b77);
  const agFile = 'data/classification/ag_news/cased/test.csv';
  assert.deepEqual(parseCsv(decodeUtf8(await raw(agFile), agFile).text, agFile).slice(1).map((r) => r.fields), ref.ag);
  const ag = parseAgNewsCased(await raw(agFile), agFile).rows;
  const names = ['World', 'Sports', 'Business', 'Sci/Tech'];
  ag.forEach((x, i) => {
    const [label, title, desc] = ref.ag[i]!;
    assert.equal(x.label, names[Number(label) - 1]);
    assert.equal(x.text, `${title!.trim()} ${desc!.trim()}`.replace(/\\+/g, ' ').replace(/\s+/g, ' ').trim());
  });
  const mrFile = 'data/classification/mr/rt-polarity.neg';
  assert.deepEqual(parseMrFile(await raw(mrFile), mrFile, 'neg').rows.map((x) => x.text), ref.mr.map((s) => s.trim()));
  const b = parseBanking77(await raw(b77File), b77File, JSON.parse((await raw('data/classification/banking77/categories.json')).toString()));
  assert.deepEqual(b.rows.map((x) => [x.text, x.label]), ref.b77.map(([t, l]) => [t!.split(/\r?\n/).map((x) => x.trim()).filter((x) => x !== '').join(' ').trim(), l]));
});

test('decodeCp1252 matches Python for every byte cp1252 defines', () => {
  const bytes = Array.from({ length: 256 }, (_, i) => i);
  const ref = python<(string | null)[]>(`
import json, sys
out = []
for b in json.load(sys.stdin):
    try: out.append(bytes([b]).decode('cp1252'))
    except UnicodeDecodeError: out.append(None)
print(json.dumps(out))
`, bytes);
  bytes.forEach((b, i) => { if (ref[i] !== null) assert.equal(decodeCp1252(Uint8Array.of(b)), ref[i], `byte ${b}`); });
  assert.equal(ref.filter((x) => x === null).length, 5);
});

test('parseCsv: quoted commas, doubled quotes, embedded CRLF/LF, BOM, missing final newline', () => {
  const text = '\ufeffa,b\r\n"x, y","say ""hi"""\r\n"line1\nline2\r\nline3",z\r\n,\nlast,row';
  const recs = parseCsv(text, 't.csv');
  assert.deepEqual(recs.map((r) => r.fields), [['a', 'b'], ['x, y', 'say "hi"'], ['line1\nline2\r\nline3', 'z'], ['', ''], ['last', 'row']]);
  assert.deepEqual(recs.map((r) => r.line), [1, 2, 3, 6, 7]);
  const ref = python<string[][]>('import csv, io, json, sys; print(json.dumps(list(csv.reader(io.StringIO(json.load(sys.stdin)[1:], newline="")))))', text);
  assert.deepEqual(recs.map((r) => r.fields), ref);
  assert.throws(() => parseCsv('a,b\n"open,x\n', 'u.csv'), /u\.csv:2: unterminated quoted field/);
  assert.throws(() => parseCsv('a,b\nx"y,z\n', 'q.csv'), /q\.csv:2: quote inside an unquoted field/);
  assert.throws(() => parseCsv('a,b\n"x"y,z\n', 'c.csv'), /c\.csv:2: unexpected character/);
  assert.deepEqual(splitLines('a\r\nb\n\nc'), ['a', 'b', '', 'c']);
});

test('Clustering: MiniNewsgroups Subject lines, Banking77 test, AG News', { skip }, async () => {
  const mn = await load('MiniNewsgroups', 'Clustering');
  assert.equal(mn.texts.length, 2000);
  const perGroup: Record<string, number> = {};
  for (const l of mn.labels) perGroup[l] = (perGroup[l] ?? 0) + 1;
  assert.equal(Object.keys(perGroup).length, 20);
  assert.ok(Object.values(perGroup).every((n) => n === 100));
  assert.equal(mn.quirks.cp1252Files, 6);
  assert.ok(mn.texts.every((t) => t !== '' && !/^re\s*:/i.test(t)));
  // Independent reader: Python's email parser on the raw files, same Re: rule.
  const ref = python<{ subjects: string[]; re: number }>(`
import json, sys, os, re, email
root = json.load(sys.stdin) + '/data/clustering/mini_newsgroups'
subs, n_re = [], 0
def key(p): return [int(x) if x.isdigit() else x for x in re.split(r'(\\d+)', p)]
paths = sorted((g + '/' + f for g in os.listdir(root) for f in os.listdir(root + '/' + g)), key=lambda p: key(p.lower()))
for p in paths:
    b = open(root + '/' + p, 'rb').read()
    try: t = b.decode('utf-8')
    except UnicodeDecodeError: t = b.decode('cp1252', errors='replace')
    s = ' '.join(email.message_from_string(t)['Subject'].split())
    s2 = re.sub(r'^(?:re\\s*:\\s*)+', '', s, flags=re.I).strip()
    n_re += s2 != s
    subs.append(s2)
print(json.dumps({'subjects': subs, 're': n_re}))
`, MIRROR);
  assert.equal(mn.quirks.rePrefixStripped, ref.re);
  assert.deepEqual([...mn.texts].sort(), [...ref.subjects].map((s) => s.replace(/\s+/g, ' ')).sort());

  const bc = await load('Banking77Clustering', 'Clustering');
  assert.equal(bc.texts.length, 3080);
  assert.equal(new Set(bc.labels).size, 77);
  const ag = await load('AGNewsClustering', 'Clustering');
  assert.equal(ag.texts.length, 7600);
  assert.equal(new Set(ag.labels).size, 4);
});

test('PairClassification: TwitterURL raw test file, MRPC test, SICK-E', { skip }, async () => {
  const tw = await load('TwitterURLCorpus', 'PairClassification');
  assert.equal(tw.pairs.length, 9334);
  assert.deepEqual(tw.quirks, { blankLines: 250, extraEmptyField: 10, droppedN3: 786 });
  const ref = python<{ n: number; pos: number }>(`
import json, sys, re
root = json.load(sys.stdin)
n = pos = 0
for line in open(root + '/data/pair_classification/twitter_url/Twitter_URL_Corpus_test.txt', encoding='utf-8'):
    m = re.search(r'\\t\\((\\d),6\\)\\t', line)
    if not m: continue
    k = int(m.group(1))
    if k == 3: continue
    n += 1; pos += k >= 4
print(json.dumps({'n': n, 'pos': pos}))
`, MIRROR);
  assert.equal(tw.pairs.length, ref.n);
  assert.equal(tw.pairs.filter((p) => p.label === 1).length, ref.pos);

  const mrpc = await load('MRPC', 'PairClassification');
  assert.equal(mrpc.pairs.length, 1725);
  assert.equal(mrpc.pairs.filter((p) => p.label === 1).length, 1147);
  assert.deepEqual(mrpc.quirks, { bom: 1, crlfLines: 1726 });
  assert.ok(!mrpc.pairs[0]!.id.startsWith('\ufeff'));
  const trainFile = 'data/pair_classification/mrpc/msr-para-train.tsv';
  const tr = parseMrpc(await raw(trainFile), trainFile);
  assert.equal(tr.rows.length, 3576);
  assert.equal(tr.rows.filter((r) => r.label === 1).length, 2407);

  const sick = await load('SICK-E', 'PairClassification');
  assert.equal(sick.pairs.length, 4927);
  const sickRef = python<number>(`
import json, sys
root = json.load(sys.stdin)
rows = open(root + '/data/sts/sick/SICK_test_annotated.txt', encoding='utf-8').read().splitlines()[1:]
print(sum(r.split('\\t')[4] == 'ENTAILMENT' for r in rows))
`, MIRROR);
  assert.equal(sick.pairs.filter((p) => p.label === 1).length, sickRef);
});

test('Reranking: WikiQA test keeps the 237 questions with both kinds of candidate', { skip }, async () => {
  const w = await load('WikiQA', 'Reranking');
  assert.equal(w.queries.length, 237);
  assert.deepEqual(w.quirks, { allPositive: 6, noPositive: 0 });
  assert.ok(w.queries.every((q) => q.positives.length > 0 && q.negatives.length > 0));
  const cands = w.queries.reduce((a, q) => a + q.positives.length + q.negatives.length, 0);
  const ref = python<number>(`
import json, sys, collections
root = json.load(sys.stdin) + '/data/reranking/wikiqa/test/'
ids = open(root + 'id.txt').read().split()
sims = open(root + 'sim.txt').read().split()
g = collections.defaultdict(list)
for i, s in zip(ids, sims): g[i].append(s)
print(sum(len(v) for v in g.values() if '0' in v and '1' in v))
`, MIRROR);
  assert.equal(cands, ref);
  for (const [split, total, both] of [['train', 873, 857], ['dev', 126, 122]] as const) {
    const paths = (['id.txt', 'a.toks', 'b.toks', 'sim.txt'] as const).map((f) => `data/reranking/wikiqa/${split}/${f}`);
    const b = await Promise.all(paths.map(async (p) => ({ fileName: p, bytes: await raw(p) })));
    const r = parseWikiQa({ 'id.txt': b[0]!, 'a.toks': b[1]!, 'b.toks': b[2]!, 'sim.txt': b[3]! });
    assert.equal(r.queries.length, total, split);
    assert.equal(r.queries.filter((q) => q.positives.length && q.negatives.length).length, both, split);
  }
});

test('Retrieval: Cranfield 1,400 docs, 225 queries numbered 1–225, graded qrels', { skip }, async () => {
  const c = await load('Cranfield', 'Retrieval');
  assert.equal(c.corpus.length, 1400);
  assert.equal(c.queries.length, 225);
  assert.deepEqual(c.queries.map((q) => q.id), Array.from({ length: 225 }, (_, i) => String(i + 1)));
  // The README lists 993 too, but its .W holds text; only 471 and 995 are empty (no title either).
  assert.deepEqual(c.quirks, { multipleW: 2, tagsInsideAbstract: 2, emptyW: 2, emptyDocs: 2, crlfLines: 918, codeMinus1Dropped: 225 });
  assert.deepEqual(c.corpus.filter((d) => d.text === '').map((d) => d.id), ['471', '995']);
  const ref = python<{ gains: Record<string, Record<string, number>>; d576: string }>(`
import json, sys
root = json.load(sys.stdin) + '/data/retrieval/cranfield/'
gains = {}
for line in open(root + 'cranqrel').read().split('\\n'):
    if not line.strip(): continue
    q, d, c = line.split()
    if int(c) > 0: gains.setdefault(q, {})[d] = 5 - int(c)
txt = open(root + 'cran.all.1400').read()
doc = txt.split('.I 576\\n')[1].split('\\n.I 577\\n')[0]
w = ' '.join(' '.join(part.split('\\n.')[0].split()) for part in doc.split('.W\\n')[1:])
print(json.dumps({'gains': gains, 'd576': w}))
`, MIRROR);
  const ours = Object.fromEntries([...c.qrels].map(([q, m]) => [q, Object.fromEntries(m)]));
  assert.deepEqual(ours, ref.gains);
  assert.equal(c.corpus[575]!.text, ref.d576);
  assert.ok(c.corpus[239]!.text.includes('application to turbulent separations') && c.corpus[239]!.text.includes('unity in low-speed flow'));
  // A query's first words, to show the sequential-number rule picks the right text.
  assert.match(c.queries[2]!.text, /^what problems of heat conduction in composite slabs/);
});

test('Summarization: REALSumm 100 documents × 24 systems, markers stripped, bart_out kept once', { skip }, async () => {
  const r = await load('REALSumm', 'Summarization');
  assert.equal(r.documents.length, 100);
  assert.deepEqual(r.documents.map((d) => Number(d.docId)), Array.from({ length: 100 }, (_, i) => i));
  for (const d of r.documents) {
    assert.equal(d.summaries.length, 24);
    assert.equal(new Set(d.summaries.map((s) => s.system)).size, 24);
    for (const s of [d.reference, ...d.summaries.map((x) => x.text)]) assert.ok(!/<\/?t>/.test(s) && s === s.trim() && s !== '');
  }
  assert.equal(r.quirks.duplicateSystems, 100);
  const ref = python<Record<string, Record<string, number>>>(`
import json, sys
root = json.load(sys.stdin) + '/data/summarization/realsumm/'
out = {}
for f in ['abs.json', 'ext.json']:
    for k, d in json.load(open(root + f)).items():
        for s, v in d['system_summaries'].items():
            out.setdefault(k, {})[s[:-4]] = v['scores']['litepyramid_recall']
print(json.dumps(out))
`, MIRROR);
  for (const d of r.documents) assert.deepEqual(Object.fromEntries(d.summaries.map((s) => [s.system, s.human])), ref[d.docId]);
});

test('limit: evenly spaced, deterministic, capped; stratified split keeps class sizes', { skip }, async () => {
  const a = await load('STS12', 'STS', 50);
  const b = await load('STS12', 'STS', 50);
  assert.equal(a.pairs.length, 50);
  assert.deepEqual(a, b);
  assert.equal(new Set(a.pairs.map((p) => p.id.split(':')[0])).size, 5, 'every STS12 set is represented');
  // a limited retrieval task keeps whole queries (every document they judge) within 2 × limit texts,
  // and at least one query even when its judged documents alone exceed that (Cranfield's first does)
  const c = await load('Cranfield', 'Retrieval', 10);
  assert.ok(c.queries.length === 1 || c.queries.length + c.corpus.length <= 20, `${c.queries.length} queries, ${c.corpus.length} documents`);
  const c40 = await load('Cranfield', 'Retrieval', 40);
  assert.ok(c40.queries.length > 1 && c40.queries.length + c40.corpus.length <= 80, `${c40.queries.length} queries, ${c40.corpus.length} documents`);
  const ids = new Set(c.corpus.map((d) => d.id));
  for (const m of c.qrels.values()) for (const d of m.keys()) assert.ok(ids.has(d));
  const mr = await load('MR', 'Classification', 20);
  assert.deepEqual(new Set(mr.test.map((x) => x.label)), new Set(['pos', 'neg']));
  assert.deepEqual(spread([1, 2, 3, 4], 2), [1, 3]);
  assert.throws(() => spread([1, 2, 3], 0), /positive integer/);
  const s = stratifiedSplit(Array.from({ length: 10 }, (_, i) => i), (i) => (i < 8 ? 'a' : 'b'), 0.25, 1);
  assert.equal(s.train.length, 2 + 1);
});

test('malformed rows fail with the file and line named', async () => {
  const stsb = 'main\tMSRvid\t2012\t1\t2.5\tA man.\tA woman.\nmain\tMSRvid\t2012\t2\t2.5\tonly one sentence\n';
  assertFileLine(await malformed('sts-test.csv', stsb, parseStsBenchmark), 'sts-test.csv', 2, /6 tab-separated fields, expected 7 or 9/);
  assertFileLine(await malformed('sts-test.csv', stsb.replace('2.5\tA man', '7.5\tA man'), parseStsBenchmark), 'sts-test.csv', 1, /not a number in \[0, 5\]/);

  const input = Buffer.from('a\tb\nc\td\ne\tf\n');
  const gsErr = await malformed('STS.gs.x.txt', '1.0\n\nfive\n', (g, f) => parseStsInputWithGold(input, 'STS.input.x.txt', g, f, 'x', 2));
  assertFileLine(gsErr, 'STS.gs.x.txt', 3, /score "five"/);
  const shortGs = await malformed('STS.gs.x.txt', '1.0\n2.0\n', (g, f) => parseStsInputWithGold(input, 'STS.input.x.txt', g, f, 'x', 2));
  assert.match(shortGs.message, /STS\.gs\.x\.txt:3: 2 gold lines but 3 lines/);

  const tw = 'a \tb \t(4,6)\turl\n\nc \td \t(x,6)\turl\n';
  assertFileLine(await malformed('Twitter_URL_Corpus_test.txt', tw, parseTwitterUrlCorpus), 'Twitter_URL_Corpus_test.txt', 3, /vote field/);

  const cats = ['card_arrival'];
  const csv = 'text,category\r\nfine,card_arrival\r\n"multi\nline",card_arrival\r\nbad,no_such_intent\r\n';
  assertFileLine(await malformed('train.csv', csv, (b, f) => parseBanking77(b, f, cats)), 'train.csv', 5, /unknown category "no_such_intent"/);
  assertFileLine(await malformed('train.csv', 'text,category\r\nok,card_arrival\r\n"never closed,card_arrival\r\n', (b, f) => parseBanking77(b, f, cats)),
    'train.csv', 3, /unterminated quoted field/);

  const mrpc = '\ufeffQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\r\n1\t1\t2\tA.\tB.\r\n2\t3\t4\tC.\tD.\r\n';
  assertFileLine(await malformed('msr-para-test.tsv', mrpc, parseMrpc), 'msr-para-test.tsv', 3, /Quality "2"/);

  const qrels = '1 184 2 \n1 29 2 \n2 1401 1 ';
  assertFileLine(await malformed('cranqrel', qrels, (b, f) => parseCranfieldQrels(b, f, 225, 1400)), 'cranqrel', 3, /document 1401 outside/);
  assertFileLine(await malformed('cran.all.1400', '.I 1\n.T\ntitle\n.W\ntext\n.I 3\n.W\nx\n', parseCranfieldDocs), 'cran.all.1400', 6, /\.I 3, expected 2/);

  assertFileLine(await malformed('51121', 'From: x\nSubject: a\nSubject: b\n\nbody\n', parseNewsgroupPost), '51121', 3, /2 Subject: headers/);
  const bio = 'id\tsentence1\tsentence2\tannotator_a\tannotator_b\tannotator_c\tannotator_d\tannotator_e\n1\ta\tb\t4\t4\t4\t4\t5\n';
  assertFileLine(await malformed('biosses.tsv', bio, parseBiosses), 'biosses.tsv', 2, /not a number in \[0, 4\]/);
  const badUtf8 = Buffer.concat([Buffer.from('main\tMSRvid\t2012\t1\t2.5\tA.\tB.\n'), Buffer.from([0xff, 0x0a])]);
  assertFileLine(await malformed('sts-dev.csv', badUtf8, parseStsBenchmark), 'sts-dev.csv', 2, /invalid UTF-8/);
  const rs = await malformed('abs.json', JSON.stringify({ 7: { doc_id: 7, ref_summ: '<t> r </t>', system_summaries: { 'x.txt': { system_summary: 's', scores: { litepyramid_recall: 2 } } } } }), parseRealSummScores);
  assert.match(rs.message, /abs\.json \(doc 7 \/ system x\.txt\): litepyramid_recall 2/);
});

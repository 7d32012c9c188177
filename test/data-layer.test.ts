// The verified data layer: manifest parsing, mirror → cache → download lookup, and its errors.
// Nothing here reaches the internet: downloads go to an HTTP server started on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseManifest, loadManifest, type Manifest, type ManifestEntry } from '../src/data/manifest.ts';
import { createDataStore, DataFileError, manifestFile, projectRoot, rewriteUpstream, storeOptionsFromEnv } from '../src/data/files.ts';

const MIRROR = resolve(projectRoot, '..', 'shared');
const haveMirror = existsSync(join(MIRROR, 'data', 'MANIFEST.tsv'));
const noMirror = haveMirror ? false : `no mirror at ${MIRROR}`;

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const SMALL = ['models/stories260K/tok512.bin', 'data/retrieval/cranfield/cranqrel.readme'];

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pa-data-test-'));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out = await readdir(dir, { recursive: true, withFileTypes: true });
  return out.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));
}

/** A server on 127.0.0.1 that answers GET <pathname> with routes[pathname], else 404. */
async function serve(t: { after(fn: () => Promise<void>): void }, routes: Map<string, Buffer>): Promise<{ base: string; hits: string[] }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    hits.push(path);
    const body = routes.get(path);
    if (!body) { res.writeHead(404); res.end('not found'); return; }
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const addr = server.address() as { port: number };
  return { base: `http://127.0.0.1:${addr.port}`, hits };
}

/** Pathname the rewritten URL of `e` asks the test server for. */
const routeOf = (e: ManifestEntry, base: string) => decodeURIComponent(new URL(rewriteUpstream(e.url!, base)).pathname);

const realManifest = () => loadManifest(manifestFile);

test('data/manifest.tsv agrees with the mirror MANIFEST.tsv, row for row', { skip: noMirror }, async () => {
  const m = await realManifest();
  const src = readFileSync(join(MIRROR, 'data', 'MANIFEST.tsv'), 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split('\t'));
  const upstream = src.filter((f) => f[0] !== 'README.md');
  // files inside PyPI packages are not in the mirror (test/data-pypi.test.ts covers them)
  assert.equal(m.entries.filter((e) => !e.url?.startsWith('pypi:')).length, upstream.length);
  for (const f of upstream) {
    const e = m.byPath.get(f[0]!);
    assert.ok(e, `${f[0]} missing from data/manifest.tsv`);
    assert.equal(e.bytes, Number(f[1]));
    assert.equal(e.sha256, f[2]);
    const converted = f[5]!.startsWith('(') || /\((converted|extracted)/.test(f[7]!);
    assert.equal(e.url === null, converted, `${e.path}: mirror-only iff converted`);
    if (e.url && f[5] !== 'DaveBben/esp32-llm') {
      assert.ok(e.url.startsWith(`https://raw.githubusercontent.com/${f[5]}/${f[6]}/`), e.url);
      assert.equal(decodeURIComponent(e.url.split(`/${f[6]}/`)[1]!), f[7]);
    }
  }
  assert.deepEqual(m.entries.filter((e) => e.url === null).map((e) => e.path).sort(), [
    'data/sts/biosses/Annotation-Pairs.docx', 'data/sts/biosses/Annotator-Scores.docx', 'data/sts/biosses/biosses.tsv',
    'data/summarization/realsumm/abs.json', 'data/summarization/realsumm/ext.json',
  ]);
  assert.match(m.byPath.get('models/stories260K/stories260K.bin')!.url!, /^https:\/\/huggingface\.co\/karpathy\/tinyllamas\/resolve\/[0-9a-f]{40}\/stories260K\/stories260K\.bin$/);
});

test('a few files resolve to the mirror, with the bytes sha256sum reports', { skip: noMirror }, async () => {
  const store = createDataStore({ mirror: MIRROR, cacheDir: '/nonexistent-cache', upstream: null });
  for (const rel of ['data/sts/sick/SICK_test_annotated.txt', 'models/stories260K/stories260K.bin', ...SMALL]) {
    const file = await store.dataFile(rel);
    assert.equal(file, join(MIRROR, rel));
    // An independent hash: coreutils' sha256sum against the mirror's own MANIFEST.tsv row.
    const sum = spawnSync('sha256sum', [file], { encoding: 'utf8' }).stdout.split(' ')[0];
    const row = readFileSync(join(MIRROR, 'data', 'MANIFEST.tsv'), 'utf8').split('\n').find((l) => l.startsWith(rel + '\t'))!;
    assert.equal(sum, row.split('\t')[2]);
    assert.equal(sha256(await store.readDataFile(rel)), sum);
  }
});

test('the whole manifest verifies against the real mirror', { skip: noMirror }, async () => {
  const store = createDataStore({ mirror: MIRROR, cacheDir: '/nonexistent-cache', upstream: null });
  const inMirror = (await realManifest()).entries.filter((e) => !e.url?.startsWith('pypi:')).map((e) => e.path);
  const results = await store.verifyAll({ download: false, paths: inMirror });
  const bad = results.filter((r) => r.status !== 'ok');
  assert.deepEqual(bad, []);
  assert.ok(results.every((r) => r.source === 'mirror'));
  assert.equal(results.length, inMirror.length);
});

test('`data verify` CLI: summary line and exit code 0 on the real mirror', { skip: noMirror }, () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'data', 'verify', '--no-download'], {
    cwd: projectRoot, encoding: 'utf8', env: { ...process.env, PA_DATA_MIRROR: MIRROR },
  });
  assert.equal(r.status, 0, r.stderr);
  // files inside PyPI packages come from the project's virtual environment (the set-up installs them)
  assert.match(r.stdout, /^data verify: \d+ files ok \(mirror .*shared(: \d+, installed PyPI packages: \d+)?\), 0 missing, 0 mismatched\n$/);
});

test('a corrupted mirror copy is an error naming the file, both hashes and the fix; memoized per store', { skip: noMirror }, async (t) => {
  const dir = await tempDir(t);
  const rel = SMALL[1]!;
  const good = await readFile(join(MIRROR, rel));
  await mkdir(join(dir, 'mirror', 'data', 'retrieval', 'cranfield'), { recursive: true });
  const copy = join(dir, 'mirror', rel);
  await writeFile(copy, good);
  const opts = { mirror: join(dir, 'mirror'), cacheDir: join(dir, 'cache'), upstream: null };
  const store = createDataStore(opts);
  assert.equal(await store.dataFile(rel), copy);

  const bad = Buffer.from(good);
  bad[10] ^= 1;
  await writeFile(copy, bad);
  // The first store hashed the file once and trusts its verdict for the rest of the process.
  assert.equal(await store.dataFile(rel), copy);
  const fresh = createDataStore(opts);
  await assert.rejects(fresh.dataFile(rel), (err: Error) => {
    assert.ok(err instanceof DataFileError && err.kind === 'mismatch');
    assert.ok(err.message.includes(rel), err.message);
    assert.ok(err.message.includes(sha256(good)), 'expected sha256');
    assert.ok(err.message.includes(sha256(bad)), 'actual sha256');
    assert.match(err.message, /fix: .*mirror/);
    return true;
  });
  const r = await fresh.verifyAll({ download: false, paths: [rel] });
  assert.equal(r[0]!.status, 'mismatch');

  // The same check for a corrupted cached copy (no mirror): the fix is to delete it.
  await mkdir(join(dir, 'cache2', 'data', 'retrieval', 'cranfield'), { recursive: true });
  await writeFile(join(dir, 'cache2', rel), bad);
  await assert.rejects(createDataStore({ mirror: null, cacheDir: join(dir, 'cache2'), upstream: null }).dataFile(rel),
    (err: Error) => err.message.includes(sha256(bad)) && err.message.includes(sha256(good)) && /delete the cached copy/.test(err.message));
});

test('download: real bytes served on 127.0.0.1 land verified in the cache; then the cache serves them', { skip: noMirror }, async (t) => {
  const m = await realManifest();
  const dir = await tempDir(t);
  const routes = new Map<string, Buffer>();
  const { base, hits } = await serve(t, routes);
  for (const rel of SMALL) routes.set(routeOf(m.byPath.get(rel)!, base), await readFile(join(MIRROR, rel)));

  // Configure through the environment, as a user would.
  const opts = storeOptionsFromEnv({ PA_DATA_MIRROR: '', PA_CACHE_DIR: join(dir, 'cache'), PA_DATA_UPSTREAM: base });
  assert.deepEqual(opts, { mirror: null, cacheDir: join(dir, 'cache'), upstream: base, venv: join(projectRoot, '.venv'), pipArgs: [] });
  const store = createDataStore({ ...opts, manifest: m });
  const results = await store.verifyAll({ paths: SMALL });
  assert.deepEqual(results.map((r) => [r.status, r.source]), [['ok', 'download'], ['ok', 'download']]);
  for (const rel of SMALL) {
    const file = await store.dataFile(rel);
    assert.equal(file, join(dir, 'cache', rel));
    assert.equal(sha256(await readFile(file)), sha256(await readFile(join(MIRROR, rel))));
  }
  assert.equal(hits.length, 2);
  assert.ok(hits.some((h) => h.startsWith('/huggingface.co/karpathy/tinyllamas/resolve/')), hits.join());
  assert.ok(hits.some((h) => h.startsWith('/raw.githubusercontent.com/')), hits.join());
  assert.deepEqual((await listFiles(join(dir, 'cache'))).sort(), SMALL.map((r) => join(dir, 'cache', r)).sort(), 'no temp files left');

  // A new process-like store finds them in the cache, without asking the server.
  const again = await createDataStore({ ...opts, manifest: m }).verifyAll({ paths: SMALL, download: false });
  assert.deepEqual(again.map((r) => r.source), ['cache', 'cache']);
  assert.equal(hits.length, 2);
});

test('`data verify` CLI downloads through PA_DATA_UPSTREAM', { skip: noMirror }, async (t) => {
  const m = await realManifest();
  const dir = await tempDir(t);
  const routes = new Map<string, Buffer>();
  const { base } = await serve(t, routes);
  for (const rel of SMALL) routes.set(routeOf(m.byPath.get(rel)!, base), await readFile(join(MIRROR, rel)));
  // execFile, not spawnSync: the server lives in this process's event loop.
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'data', 'verify', ...SMALL], {
      cwd: projectRoot, env: { ...process.env, PA_DATA_MIRROR: '', PA_CACHE_DIR: join(dir, 'cache'), PA_DATA_UPSTREAM: base },
    }, (err, stdout, stderr) => res({ code: err ? (err.code as number) : 0, stdout, stderr }));
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `data verify: 2 files ok (downloaded into cache ${join(dir, 'cache')}), 0 missing, 0 mismatched\n`);
});

test('download of wrong bytes: a clear mismatch error and nothing left in the cache', { skip: noMirror }, async (t) => {
  const m = await realManifest();
  const dir = await tempDir(t);
  const routes = new Map<string, Buffer>();
  const { base } = await serve(t, routes);
  const [tok, readme] = SMALL as [string, string];
  const wrong = Buffer.from(await readFile(join(MIRROR, tok)));
  wrong[100] ^= 0xff; // same size, different bytes
  routes.set(routeOf(m.byPath.get(tok)!, base), wrong);
  routes.set(routeOf(m.byPath.get(readme)!, base), Buffer.alloc(m.byPath.get(readme)!.bytes * 3, 'x')); // too long
  const cache = join(dir, 'cache');
  const store = createDataStore({ mirror: null, cacheDir: cache, upstream: base, manifest: m });

  await assert.rejects(store.dataFile(tok), (err: Error) => {
    assert.ok(err instanceof DataFileError && err.kind === 'mismatch');
    assert.ok(err.message.includes(tok));
    assert.ok(err.message.includes(m.byPath.get(tok)!.sha256), 'expected sha256');
    assert.ok(err.message.includes(sha256(wrong)), 'actual sha256');
    assert.match(err.message, /nothing was written to the cache/);
    return true;
  });
  await assert.rejects(store.dataFile(readme), /do not match data\/manifest\.tsv: more than the expected 1449 bytes/);
  assert.deepEqual(await listFiles(cache), []);

  // A 404 is reported as missing, naming the URL and status.
  const r = await store.verifyAll({ paths: ['data/sts/sick/readme.txt'] });
  assert.equal(r[0]!.status, 'missing');
  assert.match(r[0]!.message!, /data\/sts\/sick\/readme\.txt.*HTTP 404/);
  assert.deepEqual(await listFiles(cache), []);
});

test('a mirror-only (converted) file without a mirror: error names it, says converted, and where the mirror goes', async (t) => {
  const dir = await tempDir(t);
  const store = createDataStore({ mirror: null, cacheDir: join(dir, 'cache'), upstream: 'http://127.0.0.1:9' });
  await assert.rejects(store.dataFile('data/summarization/realsumm/abs.json'), (err: Error) => {
    assert.ok(err instanceof DataFileError && err.kind === 'mirror-only');
    assert.match(err.message, /data\/summarization\/realsumm\/abs\.json/);
    assert.match(err.message, /converted file/);
    assert.match(err.message, /PA_DATA_MIRROR/);
    assert.ok(err.message.includes(resolve(projectRoot, '..', 'shared')));
    return true;
  });
});

test('unknown paths and paths that try to escape are rejected', async (t) => {
  const dir = await tempDir(t);
  const store = createDataStore({ mirror: null, cacheDir: join(dir, 'cache'), upstream: 'http://127.0.0.1:9' });
  for (const rel of ['data/nope.txt', '../shared/README.md', '/etc/passwd']) {
    await assert.rejects(store.dataFile(rel), /is not in data\/manifest\.tsv/);
  }
  const header = 'path\tbytes\tsha256\turl\tlicense\tnote\n';
  const row = (p: string) => `${p}\t1\t${'a'.repeat(64)}\thttps://example.org/x\tMIT\t\n`;
  for (const p of ['../etc/passwd', 'data/../../x', '/etc/passwd', 'C:/x', 'data\\x', 'data//x', './x', 'x/']) {
    assert.throws(() => parseManifest(header + row('ok/file') + row(p)), (err: Error) => err.message.startsWith('data/manifest.tsv:3: unsafe path'), p);
  }
  // A manifest built in code skips the parser; the resolver still refuses to leave its folders.
  const evil: ManifestEntry = { path: '../escaped', bytes: 1, sha256: 'a'.repeat(64), url: 'https://example.org/x', license: '', note: '' };
  const m: Manifest = { source: 'test', entries: [evil], byPath: new Map([[evil.path, evil]]) };
  await assert.rejects(createDataStore({ mirror: null, cacheDir: join(dir, 'cache'), upstream: 'http://127.0.0.1:9', manifest: m }).dataFile('../escaped'), /refusing path/);
  assert.equal(existsSync(join(dir, 'escaped')), false);
});

test('manifest parse errors name the line', () => {
  const h = 'path\tbytes\tsha256\turl\tlicense\tnote\n';
  const sha = 'b'.repeat(64);
  const cases: [string, RegExp][] = [
    ['path\tbytes\n', /:1: header must be/],
    [h + `a\t1\t${sha}\thttps://x.org/a\tL\t\n` + `b\t1\t${sha}\n`, /:3: expected 6 tab-separated fields, got 3/],
    [h + `a\tone\t${sha}\thttps://x.org/a\tL\t\n`, /:2: bytes must be/],
    [h + `a\t1\t${'B'.repeat(64)}\thttps://x.org/a\tL\t\n`, /:2: sha256 must be 64 lower-case hex/],
    [h + `a\t1\t${sha}\tftp://x.org/a\tL\t\n`, /:2: url must be http\(s\)/],
    [h + `a\t1\t${sha}\t\tL\tconverted\n`, /:2: empty url: the note must start with 'mirror-only:'/],
    [h + `a\t1\t${sha}\thttps://x.org/a\tL\t\n` + `a\t1\t${sha}\thttps://x.org/a\tL\t\n`, /:3: duplicate path 'a'/],
    [h + `a\t1\t${sha}\thttps://x.org/a\tL\t\r\n`, /:2: CR line ending/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseManifest(text, 'm.tsv'), re);
  const ok = parseManifest(h + `a/b\t3\t${sha}\t\tL\tmirror-only: converted\n`, 'm.tsv');
  assert.equal(ok.byPath.get('a/b')!.url, null);
});

test('PA_DATA_UPSTREAM rewrites https://host/rest to <base>/host/rest; bad env values are errors', () => {
  assert.equal(rewriteUpstream('https://raw.githubusercontent.com/o/r/c/a%20b.txt', 'http://127.0.0.1:8/up/'),
    'http://127.0.0.1:8/up/raw.githubusercontent.com/o/r/c/a%20b.txt');
  assert.equal(rewriteUpstream('https://h/x', null), 'https://h/x');
  assert.throws(() => storeOptionsFromEnv({ PA_DATA_UPSTREAM: 'localhost:8' }), /PA_DATA_UPSTREAM must be an http\(s\) URL/);
  assert.throws(() => storeOptionsFromEnv({ PA_DATA_MIRROR: '/nonexistent/mirror' }), /PA_DATA_MIRROR=\/nonexistent\/mirror: .* is not a directory/);
  const d = storeOptionsFromEnv({}, '/some/root');
  assert.equal(d.cacheDir, '/some/root/.cache/data');
  assert.equal(d.upstream, null);
});

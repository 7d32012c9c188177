// Issue 19: a run folder shared by several commands over time. Each test reproduces one reported
// failure (locks, stale or mixed results, silent deletion, unnamed JSON errors, a partial loss
// record, text decoding, late validation) with real files and, for locks, real child processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, LockError } from '../src/io/lock.ts';
import { readJsonFile } from '../src/io/json-file.ts';
import { lossLogUpTo, readCheckpointState } from '../src/training/checkpoint.ts';
import { settlePreviousResults } from '../src/eval/previous-results.ts';
import { inputLines } from '../src/cli/embed.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'pa-run-folder-'));
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 });

/** A child process that takes `file` and holds it until killed; resolves once it holds it. */
function holder(file: string): Promise<ReturnType<typeof spawn>> {
  const code = `import { acquireLock } from ${JSON.stringify(new URL('../src/io/lock.ts', import.meta.url).pathname)}; acquireLock(${JSON.stringify(file)}, 'a test'); console.log('held'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('held')) resolve(child); });
    child.on('exit', (c) => reject(new Error(`holder exited ${c}`)));
  });
}

test('defect 2: a second writer is refused, naming the holder; a killed holder\'s lock is taken over', async () => {
  const dir = tmp();
  const file = join(dir, 'results', 'm1.json.lock');
  const child = await holder(file);
  try {
    assert.throws(() => acquireLock(file, 'evaluation of m1'), (e: unknown) => e instanceof LockError && e.message.includes(`pid ${child.pid}`) && /started 20\d\d-/.test(e.message));
    // the CLI refuses before any work: an eval of m1 while m1's results file is locked
    for (const d of ['m1', 'm2']) { mkdirSync(join(dir, d, 'final'), { recursive: true }); writeFileSync(join(dir, d, 'final', 'config.json'), '{"model": "stories260K"}'); }
    const r = cli(['eval', '--run', dir, '--designs', 'm1,m2', '--tasks', 'sts', '--profile', 'smoke']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`already evaluating in .*m1 \\(pid ${child.pid}`));
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
  }
  const release = acquireLock(file, 'evaluation of m1'); // stale: its process is gone
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, process.pid);
  release();
  assert.equal(existsSync(file), false);
});

test('defect 2: two train processes into one design: the second refuses before building triples', async () => {
  const dir = tmp();
  const child = await holder(join(dir, 'm1', 'train.lock'));
  try {
    const r = cli(['train', '--design', 'm1', '--profile', 'smoke', '--out', dir]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`pid ${child.pid}`));
    assert.equal(existsSync(join(dir, 'triples.json')), false);
  } finally { child.kill('SIGKILL'); }
});

test('defect 3: train refuses to overwrite a finished design without --force', () => {
  const dir = tmp();
  mkdirSync(join(dir, 'm1', 'final'), { recursive: true });
  writeFileSync(join(dir, 'm1', 'final', 'config.json'), '{}');
  const r = cli(['train', '--design', 'm1', '--profile', 'smoke', '--out', dir]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /m1 already has final weights .*--force.*--resume/);
});

/** A results file as the runner writes it (the fields compare reads). */
function results(design: string, limit: number | null, checkpoint: string | null, tasks = ['STSBenchmark']) {
  return JSON.stringify({
    design, limit, instructions: true, identity_sha256: 'x', encoder: { kind: 'decoder', checkpoint },
    tasks: Object.fromEntries(tasks.map((t) => [t, { category: 'STS', main_score: 0.5, scores: {}, per_sample: { ids: ['a', 'b', 'c'], predicted: [1, 2, 3], gold: [1, 3, 2] } }])),
  });
}

test('defects 3 and 4: compare refuses results of old weights and results on different item limits', () => {
  const dir = tmp();
  mkdirSync(join(dir, 'results'), { recursive: true });
  for (const d of ['m1', 'm2']) { mkdirSync(join(dir, d, 'final'), { recursive: true }); writeFileSync(join(dir, d, 'final', 'config.json'), `{"design":"${d}"}`); }
  const sha = (d: string) => createHash('sha256').update(readFileSync(join(dir, d, 'final', 'config.json'))).digest('hex');
  writeFileSync(join(dir, 'results', 'm1.json'), results('m1', 40, sha('m1')));
  writeFileSync(join(dir, 'results', 'm2.json'), results('m2', 40, 'f'.repeat(64)));
  let r = cli(['compare', '--run', dir, '--no-per-sample']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /m2\.json: computed from other weights than m2\/final.*rerun: eval --run .* --designs m2/);
  writeFileSync(join(dir, 'results', 'm2.json'), results('m2', 20, sha('m2')));
  r = cli(['compare', '--run', dir, '--no-per-sample']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /different items.*m1: limit 40.*m2: limit 20/s);
  assert.equal(existsSync(join(dir, 'table.md')), false);
});

test('defect 5: eval keeps what is valid and moves the rest aside with the precise reason', () => {
  const dir = tmp();
  const file = join(dir, 'm1.json');
  const expected = { identity_sha256: 'x', limit: 40, instructions: true };
  const registered = new Set(['STSBenchmark', 'SICK-R']);
  const lines: string[] = [];
  // truncated: moved aside as invalid, said to be truncated (not "another encoder")
  const full = results('m1', 40, null);
  writeFileSync(file, full.slice(0, full.length - 20));
  settlePreviousResults(file, expected, registered, (s) => lines.push(s));
  assert.match(lines.at(-1)!, /is truncated .*moved to .*m1\.json\.invalid-/);
  assert.equal(existsSync(file), false);
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('m1.json.invalid-')).length, 1);
  // another limit: the whole file is kept aside, the reason names both limits
  writeFileSync(file, results('m1', 40, null));
  settlePreviousResults(file, { ...expected, limit: 20 }, registered, (s) => lines.push(s));
  assert.match(lines.at(-1)!, /limit 40 \(this run: 20\).*moved to .*m1\.json\.stale-/);
  // a task this checkout does not register: set aside, the registered ones kept in place
  writeFileSync(file, results('m1', 40, null, ['STSBenchmark', 'MyTask']));
  settlePreviousResults(file, expected, registered, (s) => lines.push(s));
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, 'utf8')).tasks), ['STSBenchmark']);
  const aside = readdirSync(dir).find((f) => f.startsWith('m1.json.unregistered-'))!;
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(dir, aside), 'utf8')).tasks), ['MyTask']);
});

test('defect 6: truncated JSON files are named; a partial last loss record is dropped, not fatal', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'config.json'), '{"design": {"name": "m1"');
  assert.throws(() => readJsonFile(join(dir, 'config.json'), 'final config'), new RegExp(`${join(dir, 'config.json')}: final config is truncated`));
  mkdirSync(join(dir, 'checkpoint'));
  writeFileSync(join(dir, 'checkpoint', 'state.json'), '{"step": 4, "sha2');
  assert.throws(() => readCheckpointState(join(dir, 'checkpoint')), /checkpoint[/\\]state\.json: checkpoint state is truncated/);
  const loss = join(dir, 'loss.jsonl');
  writeFileSync(loss, '{"step":1,"loss":2}\n{"step":2,"loss":1.5}\n{"step":3,"lo');
  const said: string[] = [];
  assert.equal(lossLogUpTo(loss, 2, (s) => said.push(s)), '{"step":1,"loss":2}\n{"step":2,"loss":1.5}\n');
  assert.match(said[0]!, /loss\.jsonl:3: dropped a partial last record/);
  writeFileSync(loss, '{"step":1}\n{"st\n{"step":3}\n');
  assert.throws(() => lossLogUpTo(loss, 3, () => {}), /loss\.jsonl:2: not a JSON record/);
});

test('defect 7: embed input: BOM stripped, invalid UTF-8 and NUL named by file:line unless lenient', () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('hello\nworld\n')]);
  assert.deepEqual(inputLines(bom, 'in.txt', false), ['hello', 'world']);
  const bad = Buffer.from([...Buffer.from('ok\nwor'), 0xff, ...Buffer.from('ld\n')]);
  assert.throws(() => inputLines(bad, 'in.txt', false), /in\.txt:2: invalid UTF-8/);
  assert.deepEqual(inputLines(bad, 'in.txt', true), ['ok', 'wor\ufffdld']);
  const nul = Buffer.from('a\nb\nc\0d\n');
  assert.throws(() => inputLines(nul, 'in.bin', false), /in\.bin:3: NUL byte/);
  assert.equal(inputLines(nul, 'in.bin', true).length, 3);
});

test('defect 8: bad arguments fail at once, before the triples are built', () => {
  const dir = tmp();
  const cases: [string[], RegExp][] = [
    [['train', '--design', 'm1', '--profile', 'smoke', '--out', dir, '--steps', '0'], /--steps must be >= 1/],
    [['train', '--design', 'base-mean', '--profile', 'smoke', '--out', dir], /'base-mean' is a zero-shot reference row/],
    [['train', '--design', 'm1', '--profile', 'smoke', '--out', join(dir, 'file', 'sub')], /--out .* is not a writable folder/],
    [['embed', '--design', 'base-mean', '--input', join(dir, 'in.txt'), '--max-len', '0'], /--max-len must be >= 3/],
    [['embed', '--design', 'base-mean', '--input', join(dir, 'in.txt'), '--max-len', '-3'], /--max-len must be >= 3/],
  ];
  writeFileSync(join(dir, 'file'), '');
  writeFileSync(join(dir, 'in.txt'), 'hello\n');
  for (const [args, message] of cases) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(existsSync(join(dir, 'triples.json')), false, `${args.join(' ')} built the triples first`);
  }
});

test('defect 8: a data file replaced by a directory is named as such, not reported as a download failure', async () => {
  const { createDataStore, storeOptionsFromEnv } = await import('../src/data/files.ts');
  const mirror = tmp();
  const rel = 'models/stories260K/tok512.bin';
  mkdirSync(join(mirror, rel), { recursive: true }); // the file's place holds a folder
  const store = createDataStore({ ...storeOptionsFromEnv(), mirror, cacheDir: tmp(), upstream: 'http://127.0.0.1:9' });
  await assert.rejects(store.locate(rel), new RegExp(`${join(mirror, rel).replace(/[.]/g, '\\.')} is a directory where a data file belongs`));
});

test('defect 2: a holder killed but not yet reaped (a zombie) no longer holds the lock', { skip: !existsSync('/proc/self/stat') && 'needs /proc' }, async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'pa-lock-zombie-')), 'train.lock');
  // Python forks a child that takes the lock and is SIGKILLed; the parent does not reap it for a while
  const take = `import { acquireLock } from ${JSON.stringify(new URL('../src/io/lock.ts', import.meta.url).pathname)}; acquireLock(${JSON.stringify(file)}, 'a test'); setInterval(() => {}, 1000);`;
  const py = `
import os, signal, sys, time
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], '--import', 'tsx', '--input-type=module', '-e', sys.argv[2]])
while not os.path.exists(sys.argv[3]): time.sleep(0.05)
time.sleep(0.3)
os.kill(pid, signal.SIGKILL)
print(pid, flush=True)
time.sleep(10)
`;
  const parent = spawn('/usr/bin/python3', ['-c', py, process.execPath, take, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const pid = await new Promise<number>((resolve) => parent.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
    await new Promise((r) => setTimeout(r, 300));
    assert.match(readFileSync(`/proc/${pid}/stat`, 'utf8'), /\) Z /, 'the killed holder is a zombie');
    const release = acquireLock(file, 'the second writer'); // taken over, not refused
    release();
  } finally {
    parent.kill('SIGKILL');
  }
});

// Kill and resume: a training run killed with SIGKILL right after a random checkpoint, then restarted
// with --resume, ends with final weights byte-identical to an uninterrupted run with the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { mulberry32 } from '../../src/util/random.ts';

const STEPS = 12; // smoke profile checkpoints every 2 steps
const env = { ...process.env, PA_BACKEND: 'wasm', PA_QUIET: '1' };
const trainArgs = (out: string, extra: string[] = []) =>
  ['run', '-s', 'cli', '--', 'train', '--design', 'm3', '--profile', 'smoke', '--seed', '1', '--out', out, '--steps', String(STEPS), ...extra];

test('SIGKILL at a random checkpoint, then --resume: byte-identical final weights', { timeout: 240_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'pa-resume-'));
  const full = join(root, 'full');
  const killed = join(root, 'killed');
  const t0 = Date.now();
  const r1 = spawnSync('npm', trainArgs(full), { env, encoding: 'utf8' });
  assert.equal(r1.status, 0, r1.stderr);
  const uninterrupted = (Date.now() - t0) / 1000;
  // the same training data (building it takes longer than training a smoke run)
  mkdirSync(killed);
  copyFileSync(join(full, 'triples.json'), join(killed, 'triples.json'));

  const killAt = 2 * (1 + Math.floor(mulberry32(Date.now())() * (STEPS / 2 - 1))); // 2, 4, …, STEPS-2
  const child = spawn('npm', trainArgs(killed), { env, stdio: 'ignore', detached: true });
  const state = join(killed, 'm3', 'checkpoint', 'state.json');
  const stepNow = () => (existsSync(state) ? (JSON.parse(readFileSync(state, 'utf8')) as { step: number }).step : 0);
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (stepNow() >= killAt) { clearInterval(timer); process.kill(-child.pid!, 'SIGKILL'); resolve(); }
    }, 5);
    child.on('exit', () => { clearInterval(timer); reject(new Error(`training finished before step ${killAt} was reached`)); });
  });
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(!existsSync(join(killed, 'm3', 'final', 'config.json')), 'the killed run must not have finished');
  const stepKilled = stepNow();

  const t1 = Date.now();
  const r2 = spawnSync('npm', trainArgs(killed, ['--resume']), { env, encoding: 'utf8' });
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stderr, new RegExp(`resumed from step ${stepKilled}`));
  const files = readdirSync(join(full, 'm3', 'final')).filter((f) => f.endsWith('.safetensors'));
  assert.ok(files.length === 2);
  for (const f of files) {
    assert.ok(readFileSync(join(full, 'm3', 'final', f)).equals(readFileSync(join(killed, 'm3', 'final', f))), `${f} differs after resume from ${stepKilled}`);
  }
  const losses = readFileSync(join(killed, 'm3', 'loss.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
  assert.deepEqual(losses, Array.from({ length: STEPS }, (_, i) => i + 1), 'loss.jsonl has each step once');
  console.log(`# killed after checkpoint ${stepKilled}; uninterrupted ${uninterrupted.toFixed(1)} s, resume ${((Date.now() - t1) / 1000).toFixed(1)} s`);
});

test('--resume without a checkpoint starts fresh', () => {
  const out = mkdtempSync(join(tmpdir(), 'pa-resume-fresh-'));
  const r = spawnSync('npm', ['run', '-s', 'cli', '--', 'train', '--design', 'm1', '--profile', 'smoke', '--seed', '1', '--out', out, '--steps', '2', '--resume'], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /resumed/);
  assert.ok(existsSync(join(out, 'm1', 'final', 'adapter.safetensors')));
});

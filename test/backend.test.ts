// The backend picker: PA_BACKEND forces a backend, a bad name lists the valid ones, a forced backend
// that is not installed is an error saying so, and the automatic choice is tfjs-node where its addon
// is built, else wasm (on a machine without tfjs-node-gpu or a WebGPU adapter). The backend is
// chosen once per process, so each case runs in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { tfjsNodeAddonBuilt } from '../src/backend/index.ts';

const picker = fileURLToPath(new URL('../src/backend/index.ts', import.meta.url));
const require = createRequire(import.meta.url);
const installed = (pkg: string) => { try { require.resolve(pkg); return true; } catch { return false; } };
const tfjsNodeReady = tfjsNodeAddonBuilt(); // tfjs-node is an optional dependency; scripts/setup-tfjs-node.sh builds its addon

interface Picked { ok: boolean; name?: string; info?: { name: string }; message?: string; status: number | null; stderr: string }

/** Run initBackend() in a fresh process with PA_BACKEND = `env` (undefined: unset) and `force` as the option. */
function pick(env: string | undefined, force?: string): Picked {
  const code = `
    const { initBackend, backendName, backendInfo } = await import(${JSON.stringify(picker)});
    try {
      const name = await initBackend(${force === undefined ? '' : `{ force: ${JSON.stringify(force)} }`});
      if (backendName() !== name) throw new Error('backendName() disagrees with initBackend()');
      console.log(JSON.stringify({ ok: true, name, info: backendInfo() }));
    } catch (e) {
      console.log(JSON.stringify({ ok: false, message: e.message }));
      process.exitCode = 3;
    }`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  delete childEnv.PA_BACKEND;
  delete childEnv.PA_QUIET;
  if (env !== undefined) childEnv.PA_BACKEND = env;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: childEnv, encoding: 'utf8', timeout: 60_000 });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  let parsed: Omit<Picked, 'status' | 'stderr'>;
  try { parsed = JSON.parse(line); } catch { throw new Error(`child printed no result (status ${r.status}): ${r.stderr}`); }
  return { ...parsed, status: r.status, stderr: r.stderr };
}

for (const name of ['wasm', 'cpu']) {
  test(`PA_BACKEND=${name} selects ${name} and logs it`, () => {
    const r = pick(name);
    assert.equal(r.ok, true, r.message);
    assert.equal(r.name, name);
    assert.deepEqual(r.info, { name });
    assert.match(r.stderr, new RegExp(`^\\[backend\\] ${name}$`, 'm'));
  });
}

test('the force option overrides PA_BACKEND', () => {
  const r = pick('wasm', 'cpu');
  assert.equal(r.name, 'cpu');
});

test('an unknown backend name is an error listing the valid ones', () => {
  const r = pick('cuda');
  assert.equal(r.ok, false);
  assert.equal(r.status, 3);
  assert.match(r.message!, /'cuda' is not a backend/);
  assert.match(r.message!, /valid: tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu/);
});

test('forcing tfjs-node where it is not installed is a clear error', { skip: installed('@tensorflow/tfjs-node') && 'tfjs-node is installed here' }, () => {
  const r = pick('tfjs-node');
  assert.equal(r.ok, false);
  assert.match(r.message!, /backend 'tfjs-node' was forced .* cannot be used: @tensorflow\/tfjs-node is not installed/);
});

test('forcing webgpu without its packages (or without a GPU) is a clear error', () => {
  const r = pick('webgpu');
  if (installed('webgpu') && installed('@tensorflow/tfjs-backend-webgpu')) {
    // packages present: on a machine without a GPU the error must name the missing adapter
    if (r.ok) { assert.equal(r.name, 'webgpu'); return; } // a real GPU
    assert.match(r.message!, /no WebGPU adapter|software fallback/);
  } else {
    assert.equal(r.ok, false);
    assert.match(r.message!, /backend 'webgpu' was forced .*not installed/);
    assert.match(r.message!, /npm install --no-save webgpu@\S+ @tensorflow\/tfjs-backend-webgpu@\S+/);
  }
});

test('the automatic choice is tfjs-node once set up, else wasm', { skip: installed('@tensorflow/tfjs-node-gpu') && 'tfjs-node-gpu is installed here' }, () => {
  const expected = tfjsNodeReady ? 'tfjs-node' : 'wasm';
  for (const env of [undefined, '']) {
    const r = pick(env);
    assert.equal(r.ok, true, r.message);
    if (r.name === 'webgpu') continue; // a machine with a GPU and the WebGPU packages
    assert.equal(r.name, expected);
    assert.match(r.stderr, new RegExp(`^\\[backend\\] ${expected}`, 'm'));
    // an installed tfjs-node without its addon is named, with the fix
    if (!tfjsNodeReady && installed('@tensorflow/tfjs-node')) assert.match(r.stderr, /skipped tfjs-node: .*run 'bash scripts\/setup-tfjs-node.sh'/);
  }
});

test('PA_BACKEND=tfjs-node selects libtensorflow quietly', { skip: !tfjsNodeReady && 'tfjs-node is not set up here (bash scripts/setup-tfjs-node.sh)' }, () => {
  const r = pick('tfjs-node');
  assert.equal(r.ok, true, r.message);
  assert.equal(r.name, 'tfjs-node');
  // TensorFlow's start-up info lines are off (TF_CPP_MIN_LOG_LEVEL, oneDNN off): stderr is the one line
  assert.equal(r.stderr.trim(), '[backend] tfjs-node');
});

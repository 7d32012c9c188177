// A design registered from a notebook cell: its pooling is checked on a tiny batch when registered
// (wrong shape, dtype or a reference to the cell's variables fail there, naming the pooling), and a
// trained user design is rebuilt from its run folder alone by another process (the embed command),
// giving the very vectors of the model that was trained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { inspect } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { stories260K } from './helpers.ts';
import { registerDesign } from '../src/pooling/index.ts';
import { designByName } from '../src/designs.ts';
import { loadTrainingTriples } from '../src/training/triples.ts';
import { train } from '../src/training/trainer.ts';
import { PROFILES } from '../src/training/profiles.ts';
import { encodeTexts } from '../src/embedding/embedder.ts';

const maxPooling = {
  name: 'test-max', description: 'max over real tokens of the last layer',
  create: () => ({
    name: 'test-max', options: {}, variables: {},
    pool: ({ hiddenStates, mask }: { hiddenStates: tf.Tensor3D[]; mask: tf.Tensor2D }) =>
      tf.max(tf.add(hiddenStates[hiddenStates.length - 1]!, tf.mul(tf.sub(1, mask), -1e9).expandDims(2)), 1) as tf.Tensor2D,
  }),
};

test('a pooling with the wrong output shape or dtype is refused at registration, naming it and [batch, dim]', () => {
  // (each factory is self-contained, as registration requires)
  assert.throws(() => registerDesign({
    name: 'bad-keeps-seq', attention: 'causal',
    pooling: { name: 'keeps-seq', description: '', create: () => ({ name: 'keeps-seq', options: {}, variables: {}, pool: ({ hiddenStates }) => hiddenStates[hiddenStates.length - 1] as never }) },
  }), /pooling 'keeps-seq' returned shape \[2, 3, 16\] float32 .*expected \[batch, dim\] = \[2, 16\] float32/);
  assert.throws(() => registerDesign({
    name: 'bad-as-int', attention: 'causal',
    pooling: { name: 'as-int', description: '', create: () => ({ name: 'as-int', options: {}, variables: {}, pool: ({ hiddenStates }) => tf.cast(tf.mean(hiddenStates[0]!, 1), 'int32') as tf.Tensor2D }) },
  }), /pooling 'as-int' returned shape \[2, 16\] int32/);
  assert.throws(() => designByName('bad-keeps-seq'), /unknown design/, 'a refused design is not registered');
});

test('a pooling that uses a variable of its cell is refused: the run folder could not rebuild it', () => {
  const width = 16;
  assert.throws(() => registerDesign({
    name: 'bad-closure', attention: 'causal',
    pooling: { name: 'uses-closure', description: '', create: () => ({ name: 'uses-closure', options: {}, variables: {}, pool: ({ mask }) => tf.ones([mask.shape[0], width]) as tf.Tensor2D }) },
  }), /pooling 'uses-closure'.*width is not defined/s);
  assert.throws(() => registerDesign({ name: 'm1', attention: 'causal', pooling: maxPooling }), /built in/);
});

test('a runtime error in a pooling shows its message first, then the hint, and no stack of tfjs internals', () => {
  const SCALE = 2; // a variable of the "cell": create keeps only its own source
  let err: Error | undefined;
  try {
    registerDesign({
      name: 'bad-scale', attention: 'causal',
      pooling: { name: 'uses-scale', description: '', create: () => ({ name: 'uses-scale', options: {}, variables: {}, pool: ({ hiddenStates }) => tf.mul(tf.mean(hiddenStates[0]!, 1), SCALE) as tf.Tensor2D }) },
    });
  } catch (e) { err = e as Error; }
  assert.ok(err, 'registration refused');
  const lines = err.message.split('\n').map((l) => l.trim());
  assert.equal(lines[0], "pooling 'uses-scale': SCALE is not defined", 'the message first');
  assert.equal(lines.at(-1), "create is kept as source text and rebuilt in every process: it may use tf.* and src/pooling's helpers only; define SCALE inside create");
  // what tslab prints for an uncaught error is its stack: the same text, no frames (tfjs-core/src/engine.ts exists nowhere)
  assert.equal(err.stack, `PoolingError: ${err.message}`);
  assert.doesNotMatch(inspect(err), /tfjs-core|engine\.ts|\n\s+at /);
  // the same in create itself, and for a variable tslab reaches through its exports object
  assert.throws(() => registerDesign({
    name: 'bad-scale-create', attention: 'causal',
    pooling: { name: 'scale-in-create', description: '', create: () => { const k = SCALE; return { name: 'scale-in-create', options: {}, variables: {}, pool: ({ hiddenStates }) => tf.mul(tf.mean(hiddenStates[0]!, 1), k) as tf.Tensor2D }; } },
  }), (e: Error) => /^pooling 'scale-in-create': SCALE is not defined\n[^]*define SCALE inside create$/.test(e.message));
  const viaExports = new Function('return () => ({ name: "tslab-var", options: {}, variables: {}, pool: (p) => tf.mul(p.hiddenStates[0].mean(1), exports.WIDTH) })')();
  assert.throws(() => registerDesign({ name: 'bad-tslab', attention: 'causal', pooling: { name: 'tslab-var', description: '', create: viaExports } }),
    (e: Error) => /^pooling 'tslab-var': its create\(\) uses WIDTH, a variable of the notebook\n[^]*define WIDTH inside create$/.test(e.message));
  // other runtime errors: the message first, then where it ran
  assert.throws(() => registerDesign({
    name: 'bad-matmul', attention: 'causal',
    pooling: { name: 'bad-matmul', description: '', create: () => ({ name: 'bad-matmul', options: {}, variables: {}, pool: ({ hiddenStates }) => tf.matMul(hiddenStates[0]!, hiddenStates[0]!) as unknown as tf.Tensor2D }) },
  }), (e: Error) => /^pooling 'bad-matmul': Error in matMul[^\n]*\n  \(in pool\(\), on a test batch/.test(e.message) && !/\n\s+at /.test(e.stack!));
});

test('a registered design trains, and another process rebuilds it from the run folder alone with the same vectors', async () => {
  const design = registerDesign({ name: 'm7', attention: 'bidirectional', layers: 'last', pooling: maxPooling });
  assert.equal(designByName('m7').userPooling?.create, design.userPooling!.create);
  const base = await stories260K();
  const { triples } = await loadTrainingTriples({ seed: 0, limit: 12, evaluationTexts: [] });
  const dir = mkdtempSync(join(tmpdir(), 'pa-user-design-'));
  const r = await train({ design, profile: PROFILES.smoke!, seed: 1, runDir: dir, base, triples, steps: 2, log: () => {} });
  const config = JSON.parse(readFileSync(join(dir, 'm7', 'final', 'config.json'), 'utf8'));
  assert.equal(config.design.userPooling.create, design.userPooling!.create, 'the pooling source is in config.json');
  const texts = ['a small cat sat on the mat', 'the dog ran home', 'once upon a time'];
  const mine = await encodeTexts(r.model, texts, {});
  const input = join(dir, 'texts.txt');
  writeFileSync(input, texts.join('\n') + '\n');
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'embed', '--run', dir, '--design', 'm7', '--input', input], { encoding: 'utf8', env: { ...process.env, PA_BACKEND: process.env.PA_BACKEND ?? 'wasm' } });
  assert.equal(cli.status, 0, cli.stderr);
  const theirs = cli.stdout.trim().split('\n').map((l) => JSON.parse(l) as number[]);
  assert.equal(theirs.length, texts.length);
  theirs.forEach((v, i) => v.forEach((x, j) => assert.ok(Math.abs(x - mine[i]![j]!) < 1e-5, `text ${i} dim ${j}: ${x} vs ${mine[i]![j]}`)));
  // the command prints L2-normalised vectors
  for (const v of theirs) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
});

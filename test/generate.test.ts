// Proof of correctness: greedy decoding of stories260K reproduces Karpathy's published llama2.c output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { stories260K } from './helpers.ts';
import { generate } from '../src/model/generate.ts';

const fixture = readFileSync(new URL('./fixtures/llama2c-stories260K-greedy-200.txt', import.meta.url));

test('greedy 200 steps equals llama2.c test_all.py expected output, byte for byte', async () => {
  const { model, tokenizer } = await stories260K();
  const ids = await generate(model, tokenizer, { steps: 200 });
  assert.equal(ids.length, 200); // run.c: one token per position, forwarding BOS at position 0
  assert.equal(tokenizer.decode([1, ...ids]), fixture.toString('utf8'));
});

test('tokenizer encodes like run.c (dummy prefix, merges) and round-trips', async () => {
  const { tokenizer } = await stories260K();
  const text = 'Once upon a time, there was a little girl named Lily.';
  const ids = tokenizer.encode(text, { bos: true, eos: true });
  assert.equal(ids[0], 1);
  assert.equal(ids.at(-1), 2);
  assert.equal(tokenizer.decode(ids), text);
  // byte fallback for characters outside the 512-piece vocabulary
  assert.equal(tokenizer.decode(tokenizer.encode('naïve 東京', { bos: true })), 'naïve 東京');
});

test('cli generate --steps 256 prints only the text, starting with the published 200-step output', () => {
  const r = spawnSync('npm', ['run', '-s', 'cli', '--', 'generate', '--model', 'stories260K', '--steps', '256'], { encoding: 'buffer', env: { ...process.env, PA_BACKEND: 'wasm' } });
  assert.equal(r.status, 0, r.stderr.toString());
  assert.ok(r.stdout.subarray(0, fixture.length).equals(fixture), 'stdout does not start with the llama2.c reference');
  assert.ok(r.stdout.length > fixture.length + 100, 'the 256-step output continues past 200 steps');
  assert.equal(r.stdout.at(-1), 0x0a);
});

// Hostile files: the llama2.c checkpoint and tokenizer readers on random, truncated, byte-flipped
// and crafted inputs (fixed seed, bounded count). Every case must end in a plain Error naming the
// file (or, for a flip that leaves a valid file, a clean parse) — never a RangeError from a typed
// array, a hang, or an allocation beyond the file's size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { parseLlama2c } from '../src/model/llama2c.ts';
import { disposeWeights } from '../src/model/weights.ts';
import { Llama2cTokenizer } from '../src/tokenizer/llama2c-tokenizer.ts';
import { dataFile } from '../src/data/files.ts';
import { initBackend } from '../src/backend/index.ts';
import { mulberry32 } from '../src/util/random.ts';

await initBackend({ force: 'cpu', quiet: true });
const bin = readFileSync(await dataFile('models/stories260K/stories260K.bin'));
const tok = readFileSync(await dataFile('models/stories260K/tok512.bin'));
const rand = mulberry32(20240902);
const int = (n: number) => Math.floor(rand() * n);

type Outcome = 'rejected' | 'accepted';
function run(name: string, parse: () => { dispose?: () => void } | void): Outcome {
  const heapBefore = process.memoryUsage().arrayBuffers;
  try {
    const r = parse();
    r?.dispose?.();
    return 'accepted';
  } catch (e) {
    assert.ok(e instanceof Error && e.constructor === Error, `${name}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.match((e as Error).message, /fuzz\.bin/, `${name}: message does not name the file: ${(e as Error).message}`);
    // a rejected file must not have made us allocate far beyond its size
    assert.ok(process.memoryUsage().arrayBuffers - heapBefore < 64 * bin.length, `${name}: allocated too much before rejecting`);
    return 'rejected';
  }
}

const checkpoint = (bytes: Uint8Array) => () => {
  const m = parseLlama2c(bytes, 'fuzz.bin');
  return { dispose: () => disposeWeights(m.weights) };
};
const tokenizer = (bytes: Uint8Array) => () => { Llama2cTokenizer.parse(bytes, 512, 'fuzz.bin'); };

test('llama2.c checkpoint and tokenizer readers survive random, truncated, flipped and crafted inputs', () => {
  const counts: Record<string, Record<Outcome, number>> = {};
  const record = (cls: string, o: Outcome) => { (counts[cls] ??= { rejected: 0, accepted: 0 })[o]++; };
  const before = tf.memory().numTensors;
  for (let i = 0; i < 300; i++) {
    const random = Uint8Array.from({ length: int(4096) }, () => int(256));
    record('checkpoint: random bytes', run('random', checkpoint(random)));
    record('tokenizer: random bytes', run('random tok', tokenizer(random)));
  }
  for (let i = 0; i < 300; i++) {
    const cut = int(bin.length);
    const o = run(`truncated at ${cut}`, checkpoint(bin.subarray(0, cut)));
    assert.equal(o, 'rejected', `checkpoint truncated at ${cut} was accepted`);
    record('checkpoint: truncated', o);
    const tcut = int(tok.length);
    const t = run(`tok truncated at ${tcut}`, tokenizer(tok.subarray(0, tcut)));
    assert.equal(t, 'rejected', `tokenizer truncated at ${tcut} was accepted`);
    record('tokenizer: truncated', t);
  }
  for (let i = 0; i < 200; i++) {
    // flips in the header and the first bytes, where structure lives
    const b = Buffer.from(bin.subarray(0, 28 + 4096 * 4));
    const full = Buffer.concat([b, bin.subarray(b.length)]);
    full[int(28)] ^= 1 << int(8);
    record('checkpoint: header bit flip', run('flip', checkpoint(full)));
    const t = Buffer.from(tok);
    t[int(t.length)] ^= 1 << int(8);
    record('tokenizer: bit flip', run('tok flip', tokenizer(t)));
  }
  // crafted headers: absurd, negative and zero dimensions
  for (const [field, value] of [[0, 1 << 30], [0, -64], [1, -1], [2, 1 << 20], [3, 0], [4, 0], [4, 3], [5, 0], [5, -(1 << 30)], [6, 1 << 30], [6, -1]] as const) {
    const c = Buffer.from(bin);
    c.writeInt32LE(value, field * 4);
    const o = run(`header[${field}] = ${value}`, checkpoint(c));
    assert.equal(o, 'rejected', `header field ${field} = ${value} was accepted`);
    record('checkpoint: crafted header', o);
  }
  for (const len of [-1, 1 << 30, 0x7fffffff]) {
    const c = Buffer.from(tok);
    c.writeInt32LE(len, 4 + 4 + 100 * 0); // first piece's length
    record('tokenizer: crafted length', run(`piece length ${len}`, tokenizer(c)));
  }
  assert.equal(tf.memory().numTensors, before, 'rejected files leaked tensors');
  const total = Object.values(counts).reduce((s, c) => s + c.rejected + c.accepted, 0);
  console.log(`# ${total} fuzz cases: ${JSON.stringify(counts)}`);
});

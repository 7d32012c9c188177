// A damaged llama2.c checkpoint or tokenizer is a clear error naming the file, never a crash inside tf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseLlama2c } from '../src/model/llama2c.ts';
import { Llama2cTokenizer } from '../src/tokenizer/llama2c-tokenizer.ts';
import { loadModel } from '../src/model/load.ts';
import { dataFile } from '../src/data/files.ts';
import { initBackend } from '../src/backend/index.ts';

await initBackend({ force: 'wasm', quiet: true });
const bin = readFileSync(await dataFile('models/stories260K/stories260K.bin'));
const tok = readFileSync(await dataFile('models/stories260K/tok512.bin'));

test('the real checkpoint parses with the documented shape', () => {
  const m = parseLlama2c(bin, 'stories260K.bin');
  assert.deepEqual(
    [m.config.dim, m.config.hiddenDim, m.config.nLayers, m.config.nHeads, m.config.nKvHeads, m.config.vocabSize, m.config.maxSeqLen, m.config.tieEmbeddings],
    [64, 172, 5, 8, 4, 512, 512, true]);
});

test('truncated, padded, too-short and absurd-header checkpoints are errors naming the file', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated', bin.subarray(0, bin.length - 4), /disagrees with its header/],
    ['padded', Buffer.concat([bin, Buffer.alloc(8)]), /disagrees with its header/],
    ['too short', bin.subarray(0, 10), /too short/],
  ];
  const huge = Buffer.from(bin.subarray(0, 64));
  huge.writeInt32LE(1 << 30, 0); // dim = 2^30: must not allocate
  cases.push(['absurd dim', huge, /must be a positive integer|not divisible|disagrees/]);
  const zeroHeads = Buffer.from(bin);
  zeroHeads.writeInt32LE(0, 12);
  cases.push(['zero heads', zeroHeads, /positive integer|not divisible/]);
  for (const [name, bytes, pattern] of cases) {
    assert.throws(() => parseLlama2c(bytes, `bad-${name}.bin`), (e: Error) => {
      assert.match(e.message, new RegExp(`bad-${name}\\.bin`));
      assert.match(e.message, pattern);
      return true;
    }, name);
  }
});

test('truncated or oversized tokenizer files are errors naming the file', () => {
  assert.throws(() => Llama2cTokenizer.parse(tok.subarray(0, tok.length - 3), 512, 'tok.bin'), /tok\.bin: (truncated at piece|piece 511 has bad length)/);
  assert.throws(() => Llama2cTokenizer.parse(Buffer.concat([tok, Buffer.alloc(5)]), 512, 'tok.bin'), /tok\.bin: 5 trailing bytes/);
  const badLen = Buffer.from(tok);
  badLen.writeInt32LE(1 << 30, 4 + 4); // first piece's length
  assert.throws(() => Llama2cTokenizer.parse(badLen, 512, 'tok.bin'), /tok\.bin: piece 0 has bad length/);
});

test('an unknown model name lists the valid ones', async () => {
  await assert.rejects(loadModel('stories999K'), /unknown model 'stories999K'.*stories260K/);
});

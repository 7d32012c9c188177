// Issue 19, defect 1: tokenizing a long text must cost time linear in what is kept. The llama2.c
// tokenizer's heap merge and its cut into segments are checked against run.c's own quadratic loop
// (the reference below, as the project had it), and a budgeted encoding against the full one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Llama2cTokenizer } from '../src/tokenizer/llama2c-tokenizer.ts';
import { embeddingTokens } from '../src/embedding/embedder.ts';
import { dataFile } from '../src/data/files.ts';
import { mulberry32 } from '../src/util/random.ts';

const tok = Llama2cTokenizer.parse(readFileSync(await dataFile('models/stories260K/tok512.bin')), 512, 'tok512.bin');

/** run.c's bpe_encode, verbatim in spirit: rescan every adjacent pair after each merge. */
function referenceEncode(t: Llama2cTokenizer, text: string): number[] {
  const strings = t.pieces.map((p) => Buffer.from(p).toString('latin1'));
  const lookup = new Map<string, number>();
  strings.forEach((s, i) => { if (!lookup.has(s)) lookup.set(s, i); });
  const body: number[] = [];
  if (text.length > 0) body.push(lookup.get(' ')!);
  for (const ch of text) {
    const bytes = Buffer.from(ch, 'utf8');
    const id = lookup.get(bytes.toString('latin1'));
    if (id !== undefined) body.push(id); else for (const b of bytes) body.push(b + 3);
  }
  for (;;) {
    let best = -1e10, bestId = -1, bestIdx = -1;
    for (let i = 0; i < body.length - 1; i++) {
      const id = lookup.get(strings[body[i]!]! + strings[body[i + 1]!]!);
      if (id !== undefined && t.scores[id]! > best) { best = t.scores[id]!; bestId = id; bestIdx = i; }
    }
    if (bestIdx === -1) break;
    body.splice(bestIdx, 2, bestId);
  }
  return body;
}

const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'Lily', 'was', 'happy', '.', ',', '!', 'ö', '日本', '🙂', 'xyzzy', '\t', '  ', '\n', 'aaaa'];
function randomText(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += words[Math.floor(rand() * words.length)]! + (rand() < 0.7 ? ' ' : '');
  return s;
}

test('the heap merge and the segment cut give run.c\'s tokens exactly (stories260K vocabulary)', () => {
  const rand = mulberry32(19);
  for (let k = 0; k < 200; k++) {
    const text = randomText(rand, 1 + Math.floor(rand() * 40));
    assert.deepEqual(tok.encode(text), referenceEncode(tok, text), JSON.stringify(text));
  }
});

test('a vocabulary whose pieces cross spaces is never cut there (synthetic, scores favour long merges)', () => {
  // pieces: <unk> <s> </s>, 256 byte pieces, single letters, then merges that span ' ' inside
  const pieces: string[] = ['<unk>', '<s>', '</s>'];
  for (let b = 0; b < 256; b++) pieces.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const singles = [' ', 'a', 'b', 'c'];
  const merges = ['a ', ' b', 'a b', 'ab', 'ba', 'b a', ' a', 'a a', 'cc', 'ccc', ' c', 'c c'];
  pieces.push(...singles, ...merges);
  const scores = new Float32Array(pieces.length);
  const rand = mulberry32(7);
  merges.forEach((_, i) => { scores[3 + 256 + singles.length + i] = Math.floor(rand() * 4); }); // ties on purpose
  const bytes = pieces.map((p) => Buffer.from(p, 'latin1'));
  const t = new Llama2cTokenizer(bytes, scores, 'synthetic');
  for (let k = 0; k < 300; k++) {
    let text = '';
    const n = 1 + Math.floor(rand() * 90); // past 32 pieces the heap merge runs
    for (let i = 0; i < n; i++) text += 'abc '[Math.floor(rand() * 4)];
    const full = t.encode(text);
    assert.deepEqual(full, referenceEncode(t, text), JSON.stringify(text));
    for (const m of [1, 2, 5, 9]) assert.deepEqual(t.encode(text, { maxTokens: m }).slice(0, m), full.slice(0, m), `${JSON.stringify(text)} maxTokens ${m}`);
  }
});

test('with maxTokens the first tokens equal those of the full encoding', () => {
  const rand = mulberry32(3);
  for (let k = 0; k < 100; k++) {
    const text = randomText(rand, 60);
    const full = tok.encode(text);
    for (const m of [1, 3, 10, 30, 1000]) {
      const part = tok.encode(text, { maxTokens: m });
      assert.ok(part.length >= Math.min(m, full.length));
      assert.deepEqual(part.slice(0, m), full.slice(0, m));
    }
    assert.deepEqual(embeddingTokens(tok, text, 16, 'Retrieve: '), [tok.bosId, ...tok.encode('Retrieve: ' + text).slice(0, 14 + tok.encode('Retrieve: ').length), tok.eosId]);
  }
});

test('a 10 MB line is cut to the budget in milliseconds, not hours', () => {
  const line = randomText(mulberry32(11), 2_000_000).slice(0, 10_000_000);
  const t0 = performance.now();
  const ids = embeddingTokens(tok, line, 128);
  const ms = performance.now() - t0;
  assert.equal(ids.length, 128);
  assert.deepEqual(ids.slice(1, -1), tok.encode(line.slice(0, 2000)).slice(0, 126));
  assert.ok(ms < 500, `took ${ms.toFixed(0)} ms`);
});

test('a long text without a safe cut still encodes in O(n log n) (100 KB of one letter)', () => {
  const text = 'a'.repeat(100_000);
  const t0 = performance.now();
  const ids = tok.encode(text);
  const ms = performance.now() - t0;
  assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  assert.ok(ids.length > 0);
  const short = 'a'.repeat(1500);
  assert.deepEqual(tok.encode(short), referenceEncode(tok, short));
});

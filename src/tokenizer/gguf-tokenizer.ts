// The tokenizer a GGUF file describes in its metadata (tokenizer.ggml.*), rebuilt as the
// tokenizer.json that @huggingface/tokenizers runs. Only byte-level BPE (tokenizer.ggml.model =
// "gpt2") is built: the vocabulary, the merges, the control tokens (token_type 3) as special added
// tokens and user-defined ones (4) as plain added tokens, as transformers' GGUF loader does
// (integrations/gguf/gguf_tokenizer_mapping.py). The pre-tokenizer comes from tokenizer.ggml.pre:
// llama.cpp's "smollm" is the GPT-2 regex after splitting off every digit (SmolLM2's own
// tokenizer.json: Digits(individual) + ByteLevel); "gpt2"/"default" is the plain GPT-2 regex.
import { Tokenizer as HfTokenizerImpl } from '@huggingface/tokenizers';
import { metaBool, metaInt, metaIntArray, metaString, metaStringArray, type GgufHeader } from '../model/gguf.ts';
import { HfTokenizer } from '../model/hf.ts';

const TOKEN_TYPE_CONTROL = 3;
const TOKEN_TYPE_USER_DEFINED = 4;

/** GPT-2's bytes_to_unicode: every byte as one printable character. */
export const BYTE_TO_CHAR: string[] = (() => {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const out = new Array<string>(256);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(keep.includes(b) ? b : 256 + n++);
  return out;
})();
const BYTE_ALPHABET = new Set(BYTE_TO_CHAR);

const PRE_TOKENIZERS: Record<string, unknown> = {
  smollm: {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: '\\p{N}' }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    ],
  },
  gpt2: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  default: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
};

/** tokenizer.json (and tokenizer_config) equivalent of the GGUF's tokenizer metadata. */
export function ggufTokenizerJson(h: GgufHeader): { json: Record<string, unknown>; addBos: boolean; maxTokenBytes: number } {
  const model = metaString(h, 'tokenizer.ggml.model');
  if (model !== 'gpt2') {
    throw new Error(`${h.file}: tokenizer.ggml.model ${JSON.stringify(model)} is not supported (only "gpt2", byte-level BPE)`);
  }
  const pre = metaString(h, 'tokenizer.ggml.pre', 'default');
  const preTokenizer = PRE_TOKENIZERS[pre];
  if (!preTokenizer) {
    throw new Error(`${h.file}: tokenizer.ggml.pre ${JSON.stringify(pre)} is not supported (supported: ${Object.keys(PRE_TOKENIZERS).join(', ')})`);
  }
  const tokens = metaStringArray(h, 'tokenizer.ggml.tokens');
  const merges = metaStringArray(h, 'tokenizer.ggml.merges');
  const types = h.metadata.has('tokenizer.ggml.token_type') ? metaIntArray(h, 'tokenizer.ggml.token_type') : [];
  if (types.length !== 0 && types.length !== tokens.length) {
    throw new Error(`${h.file}: tokenizer.ggml.token_type has ${types.length} entries but tokenizer.ggml.tokens has ${tokens.length}`);
  }
  const vocab: Record<string, number> = Object.create(null);
  let maxTokenBytes = 1;
  tokens.forEach((t, id) => {
    // a token outside the byte alphabet (a mislabelled special) is respelled byte by byte, as transformers does
    const spelled = [...t].every((ch) => BYTE_ALPHABET.has(ch)) ? t : [...Buffer.from(t, 'utf8')].map((b) => BYTE_TO_CHAR[b]).join('');
    if (Object.hasOwn(vocab, spelled)) throw new Error(`${h.file}: tokenizer.ggml.tokens lists ${JSON.stringify(t)} twice (ids ${vocab[spelled]} and ${id})`);
    vocab[spelled] = id;
    maxTokenBytes = Math.max(maxTokenBytes, Buffer.byteLength(t, 'utf8'), spelled.length);
  });
  merges.forEach((m, i) => {
    const parts = m.split(' ');
    if (parts.length !== 2 || !Object.hasOwn(vocab, parts[0]!) || !Object.hasOwn(vocab, parts[1]!) || !Object.hasOwn(vocab, parts[0]! + parts[1]!)) {
      throw new Error(`${h.file}: tokenizer.ggml.merges entry ${i} ${JSON.stringify(m)} is not "a b" with a, b and ab in the vocabulary`);
    }
  });
  const added: Record<string, unknown>[] = [];
  types.forEach((type, id) => {
    const t = tokens[id]!;
    // a control token spelled outside the byte alphabet would be a llama.cpp mislabel (transformers skips it too)
    if (type === TOKEN_TYPE_CONTROL && [...t].every((ch) => BYTE_ALPHABET.has(ch))) {
      added.push({ id, content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    } else if (type === TOKEN_TYPE_USER_DEFINED) {
      added.push({ id, content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false });
    }
  });
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: preTokenizer,
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
  return { json, addBos: metaBool(h, 'tokenizer.ggml.add_bos_token', false), maxTokenBytes };
}

/** Byte-level BPE from GGUF metadata through @huggingface/tokenizers: the tokenizer.json built above,
 *  encoded and decoded exactly like a Hugging Face folder's (HfTokenizer, budgeted prefix included:
 *  no GPT-2 regex chunk, digit split or added token spans its cut — checked on this tokenizer.json). */
export class GgufTokenizer extends HfTokenizer {
  /** Whether the model's own tokenizer puts BOS before a text (tokenizer.ggml.add_bos_token; SmolLM2: no). */
  readonly addBos: boolean;

  constructor(h: GgufHeader) {
    const { json, addBos } = ggufTokenizerJson(h);
    const vocabSize = metaStringArray(h, 'tokenizer.ggml.tokens').length;
    const id = (key: string, fallback?: number) => {
      const v = metaInt(h, key, fallback);
      if (v < 0 || v >= vocabSize) throw new Error(`${h.file}: ${key} ${v} is outside the vocabulary (0..${vocabSize - 1})`);
      return v;
    };
    const bosId = id('tokenizer.ggml.bos_token_id');
    const eosId = id('tokenizer.ggml.eos_token_id');
    super(new HfTokenizerImpl(json, {}), vocabSize, bosId, eosId, id('tokenizer.ggml.padding_token_id', eosId), json);
    this.addBos = addBos;
  }
}

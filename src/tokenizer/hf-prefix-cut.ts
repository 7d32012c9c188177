// Where a Hugging Face tokenizer.json pipeline may be run on a prefix of a text without changing
// the tokens of that prefix (issue 19, defect 1: tokenization time linear in what is kept).
//
// A cut p is "safe" when text[p-1] is not whitespace and text[p] is an ASCII space. Then the tokens
// of text.slice(0, p) are exactly the first tokens of the whole text, for the pipelines accepted
// below, because every stage either works character by character or never joins across that space:
//   - added tokens are matched first; none of them contains ' ' (checked), so none spans the cut;
//     lstrip/rstrip only trim whitespace, and the prefix ends in a non-space;
//   - normalizers: NFC/NFD/NFKC/NFKD (' ' has combining class 0 and composes with nothing before
//     it), Lowercase and BertNormalizer (character-wise; toLowerCase's final-sigma rule looks at
//     the next character, and ' ' ends that context exactly as the end of the text does: it is
//     neither cased nor case-ignorable), StripAccents (drops combining marks, which attach to the
//     character before them — the space after the cut, not the prefix), Strip (trims the ends of
//     the whole section only), Prepend (the start only);
//   - pre-tokenizers that always end a word before ' ': ByteLevel's GPT-2 regex (no alternative
//     matches a non-space followed by a space), Whitespace, WhitespaceSplit, BertPreTokenizer,
//     Metaspace (splits before every ▁ that replaces a space), and Sequences of these with steps that
//     only split further (Digits, Punctuation, Split on a single digit as SmolLM2's tokenizer.json);
//   - the model (BPE, WordPiece, Unigram, WordLevel) tokenizes each pre-token on its own (BPE's
//     fuse_unk can only fuse the prefix's last [UNK] with the next one, which keeps the same id).
// Anything else (Replace, Precompiled, a free-form Split regex such as Llama-3's, which glues
// punctuation to the newlines after it, or no pre-tokenizer at all) gets no cut: the whole text
// is tokenized, which is correct, only slower.
// What stays linear only in the text: a single pre-token (a run with no safe cut) is tokenized in
// full, however few tokens are kept.

type Json = Record<string, unknown> | null | undefined;

const CHARWISE_NORMALIZERS = new Set(['NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase', 'BertNormalizer', 'StripAccents', 'Strip', 'Prepend']);
const SPACE_SPLITTING = new Set(['Whitespace', 'WhitespaceSplit', 'BertPreTokenizer']);
const DIGIT_PATTERNS = new Set(['\\p{N}', '\\d', '\\p{Nd}']);

function normalizerSafe(n: Json): boolean {
  if (n === null || n === undefined) return true;
  if (n.type === 'Sequence') return Array.isArray(n.normalizers) && (n.normalizers as Json[]).every(normalizerSafe);
  return CHARWISE_NORMALIZERS.has(String(n.type));
}

/** Whether the pre-tokenizer ends a word before every ' ' (none at all: the text is one word). */
function splitsAtSpace(p: Json): boolean {
  if (p === null || p === undefined) return false;
  switch (p.type) {
    case 'ByteLevel': return p.use_regex !== false;
    case 'Metaspace': return p.split !== false;
    case 'Sequence': {
      const list = p.pretokenizers as Json[] | undefined;
      // every step only splits further (never joins), and one of them splits at ' '
      return Array.isArray(list) && list.every(onlySplits) && list.some(splitsAtSpace);
    }
    default: return SPACE_SPLITTING.has(String(p.type));
  }
}

/** A step that never joins words: the space splitters, ByteLevel without its regex, digit and punctuation splits. */
function onlySplits(p: Json): boolean {
  if (p === null || p === undefined) return false;
  if (splitsAtSpace(p) || p.type === 'ByteLevel' || p.type === 'Digits' || p.type === 'Punctuation') return true;
  if (p.type === 'Split') {
    const pat = p.pattern as { Regex?: string } | undefined;
    return pat?.Regex !== undefined && DIGIT_PATTERNS.has(pat.Regex) && p.invert !== true;
  }
  return false;
}

/** Whether prefixes ending at a safe cut (see above) keep their tokens under this tokenizer.json. */
export function prefixCutSafe(json: Record<string, unknown>): boolean {
  const added = (json.added_tokens ?? []) as { content?: string }[];
  if (!Array.isArray(added) || added.some((t) => typeof t.content !== 'string' || t.content.includes(' '))) return false;
  return normalizerSafe(json.normalizer as Json) && splitsAtSpace(json.pre_tokenizer as Json);
}

/** The end of the shortest safe-cut prefix of at least `len` characters, or text.length if none. */
export function safeCutAtOrAfter(text: string, len: number): number {
  if (len >= text.length) return text.length;
  const cut = /\S(?= )/gu;
  cut.lastIndex = Math.max(0, len - 1);
  const m = cut.exec(text);
  return m ? m.index + m[0].length : text.length;
}

/**
 * The first ids of `encodeAll(text)`, at least `maxTokens` of them when the text has that many,
 * tokenizing only prefixes that end at safe cuts, doubled until they yield enough ids: the work is
 * at most about twice that of the shortest sufficient prefix.
 */
export function encodePrefix(text: string, maxTokens: number, encodeAll: (s: string) => number[], firstLen = 64): number[] {
  for (let len = Math.max(1, firstLen); ; len *= 2) {
    const end = safeCutAtOrAfter(text, len);
    const ids = encodeAll(end === text.length ? text : text.slice(0, end));
    if (ids.length >= maxTokens || end === text.length) return ids;
    len = Math.max(len, end);
  }
}

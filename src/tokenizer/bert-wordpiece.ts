// BERT's WordPiece tokenizer from a Hugging Face tokenizer.json (BertNormalizer, BertPreTokenizer,
// WordPiece model), run by @huggingface/tokenizers, with sentence-transformers' framing:
// [CLS] + the first maxLen − 2 word pieces + [SEP].
//
// Long texts cost time linear in what is kept, not in the text: only a prefix ending just after a
// "safe cut" character is tokenized, doubled until it yields enough pieces. A safe cut is
// whitespace or one of , ; ! ? — and cutting there keeps the first pieces exactly:
//   - the normalizer works character by character (control/NUL removal, whitespace → ' ', spaces
//     around CJK ideographs, NFD + removal of combining marks), except toLowerCase's final-sigma
//     rule, which looks past case-ignorable characters; the cut characters are neither cased nor
//     case-ignorable, so that context ends at them in the prefix as in the whole text;
//   - the pre-tokenizer splits at whitespace and makes every punctuation character its own word,
//     so no word of the prefix continues past the cut (and WordPiece splits words independently);
//   - special tokens ([CLS], [UNK], …) contain none of the cut characters, so none is cut in two.
// test/e2e/minilm.test.ts checks the cut against full tokenization on long and adversarial texts.
import { Tokenizer as HfTokenizerImpl } from '@huggingface/tokenizers';

/** Characters a text may be cut after without changing the pieces before the cut (see above). */
const SAFE_CUT = /[\s,;!?]/u;
/** First prefix tried, in characters per kept piece (English averages about 4–5). */
const CHARS_PER_PIECE = 8;

export interface BertTokenizerInfo {
  clsId: number;
  sepId: number;
  padId: number;
  vocabSize: number;
}

export class BertWordPiece {
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly vocabSize: number;

  private constructor(private readonly impl: HfTokenizerImpl, info: BertTokenizerInfo) {
    ({ clsId: this.clsId, sepId: this.sepId, padId: this.padId, vocabSize: this.vocabSize } = info);
  }

  /** From the parsed tokenizer.json; refuses one that is not BERT's WordPiece pipeline. */
  static fromJson(json: unknown, file: string): BertWordPiece {
    const j = json as { normalizer?: { type?: string }; pre_tokenizer?: { type?: string }; model?: { type?: string; vocab?: Record<string, number> } };
    const expect = (what: string, got: string | undefined, want: string) => {
      if (got !== want) throw new Error(`${file}: ${what} is ${JSON.stringify(got)}, expected "${want}" (not a BERT WordPiece tokenizer)`);
    };
    expect('normalizer.type', j.normalizer?.type, 'BertNormalizer');
    expect('pre_tokenizer.type', j.pre_tokenizer?.type, 'BertPreTokenizer');
    expect('model.type', j.model?.type, 'WordPiece');
    const vocab = j.model!.vocab ?? {};
    const id = (t: string) => {
      const v = vocab[t];
      if (typeof v !== 'number') throw new Error(`${file}: the vocabulary has no ${t}`);
      return v;
    };
    // tokenizer.json's own truncation/padding (128) are not applied by @huggingface/tokenizers;
    // sentence-transformers' max_seq_length decides the length (encode's maxLen)
    return new BertWordPiece(new HfTokenizerImpl(json as object, {}), {
      clsId: id('[CLS]'), sepId: id('[SEP]'), padId: id('[PAD]'), vocabSize: Object.keys(vocab).length,
    });
  }

  /** Word-piece ids of the whole text, no special tokens. */
  pieces(text: string): number[] {
    return this.impl.encode(text, { add_special_tokens: false }).ids.map(Number);
  }

  /** The first `n` word-piece ids of `text` (fewer if it has fewer), reading only as much of the
   *  text as they need. */
  firstPieces(text: string, n: number): number[] {
    for (let len = Math.max(64, n * CHARS_PER_PIECE); ; len *= 2) {
      if (len >= text.length) return this.pieces(text).slice(0, n);
      let cut = len;
      while (cut > 0 && !SAFE_CUT.test(text[cut - 1]!)) cut--;
      if (cut === 0) continue; // no safe cut yet: look further
      const ids = this.pieces(text.slice(0, cut));
      if (ids.length >= n) return ids.slice(0, n);
    }
  }

  /** [CLS] + first maxLen − 2 pieces + [SEP], as sentence-transformers truncates one text. */
  encode(text: string, maxLen: number): number[] {
    if (!Number.isInteger(maxLen) || maxLen < 2) throw new Error(`BertWordPiece.encode: maxLen must be an integer >= 2, got ${maxLen}`);
    return [this.clsId, ...this.firstPieces(text, maxLen - 2), this.sepId];
  }
}

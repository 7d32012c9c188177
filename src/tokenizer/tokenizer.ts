// The one tokenizer interface the rest of the project uses, whatever file format is behind it.

export interface Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** Token ids of `text`; `bos`/`eos` add the model's begin/end-of-sequence ids. */
  encode(text: string, opts?: { bos?: boolean; eos?: boolean }): number[];
  decode(tokens: readonly number[]): string;
  /** The bytes `token` adds to the text when it follows `prev` (for streaming output). */
  tokenBytes(prev: number, token: number): Uint8Array;
}

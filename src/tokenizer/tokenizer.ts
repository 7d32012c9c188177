// The one tokenizer interface the rest of the project uses, whatever file format is behind it.

export interface Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** Whether the model's own tokenizer starts a text with BOS (absent: yes, as llama2.c; SmolLM2's GGUF: no). */
  readonly addBos?: boolean;
  /** Token ids of `text`; `bos`/`eos` add the model's begin/end-of-sequence ids. With `maxTokens`,
   *  the result may stop early but its first maxTokens text tokens are exactly those of the full
   *  encoding (a truncating caller then never tokenizes a 10 MB text in full); ignoring it is correct. */
  encode(text: string, opts?: { bos?: boolean; eos?: boolean; maxTokens?: number }): number[];
  decode(tokens: readonly number[]): string;
  /** The bytes `token` adds to the text when it follows `prev` (for streaming output). */
  tokenBytes(prev: number, token: number): Uint8Array;
}

// llama2.c's tokenizer format (tokenizer.bin / tok512.bin): int32 max_token_length, then per piece
// float32 score, int32 byte length, the bytes. Encoding is run.c's bpe_encode: a dummy-prefix space,
// one piece per UTF-8 code point (byte fallback <0xXX> = id byte+3 when absent), then greedily merge
// the adjacent pair whose merged piece has the highest score, until no pair merges.
import { readFile } from 'node:fs/promises';
import type { Tokenizer } from './tokenizer.ts';

export class Llama2cTokenizer implements Tokenizer {
  readonly bosId = 1;
  readonly eosId = 2;
  readonly padId = 0;
  private readonly lookup = new Map<string, number>();
  /** each piece's bytes as a latin1 string (1 char per byte) */
  private readonly pieceStrings: string[];
  /** (a·V + b) → id of the merged piece, or −1: run.c's lookup of str_buffer, memoised */
  private readonly mergeCache = new Map<number, number>();

  constructor(readonly pieces: Uint8Array[], readonly scores: Float32Array, private readonly file: string) {
    // run.c sorts and binary-searches; a map keyed by the byte string (latin1 keeps bytes 1:1) is equivalent.
    this.pieceStrings = pieces.map((p) => Buffer.from(p).toString('latin1'));
    this.pieceStrings.forEach((k, i) => { if (!this.lookup.has(k)) this.lookup.set(k, i); });
  }

  get vocabSize(): number { return this.pieces.length; }

  static parse(bytes: Uint8Array, vocabSize: number, file: string): Llama2cTokenizer {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 4) throw new Error(`${file}: too short for a llama2.c tokenizer header`);
    const maxLen = view.getInt32(0, true);
    if (maxLen <= 0 || maxLen > 1 << 16) throw new Error(`${file}: implausible max_token_length ${maxLen}`);
    const pieces: Uint8Array[] = [];
    const scores = new Float32Array(vocabSize);
    let off = 4;
    for (let i = 0; i < vocabSize; i++) {
      if (off + 8 > bytes.byteLength) throw new Error(`${file}: truncated at piece ${i} of ${vocabSize} (offset ${off})`);
      scores[i] = view.getFloat32(off, true);
      const len = view.getInt32(off + 4, true);
      off += 8;
      if (len < 0 || len > maxLen || off + len > bytes.byteLength) throw new Error(`${file}: piece ${i} has bad length ${len} at offset ${off - 4}`);
      pieces.push(bytes.slice(off, off + len));
      off += len;
    }
    if (off !== bytes.byteLength) throw new Error(`${file}: ${bytes.byteLength - off} trailing bytes after ${vocabSize} pieces (vocab size mismatch?)`);
    return new Llama2cTokenizer(pieces, scores, file);
  }

  static async load(path: string, vocabSize: number): Promise<Llama2cTokenizer> {
    return Llama2cTokenizer.parse(await readFile(path), vocabSize, path);
  }

  private id(s: string): number | undefined { return this.lookup.get(s); }

  private merged(a: number, b: number): number {
    const key = a * this.pieces.length + b;
    let id = this.mergeCache.get(key);
    if (id === undefined) this.mergeCache.set(key, (id = this.lookup.get(this.pieceStrings[a]! + this.pieceStrings[b]!) ?? -1));
    return id;
  }

  encode(text: string, opts: { bos?: boolean; eos?: boolean } = {}): number[] {
    const tokens: number[] = [];
    if (opts.bos) tokens.push(this.bosId);
    const body: number[] = [];
    if (text.length > 0) {
      const space = this.id(' ');
      if (space === undefined) throw new Error(`${this.file}: vocabulary has no ' ' piece for the dummy prefix`);
      body.push(space);
    }
    for (const ch of text) {
      const bytes = Buffer.from(ch, 'utf8');
      const id = this.id(bytes.toString('latin1'));
      if (id !== undefined) body.push(id);
      else for (const b of bytes) body.push(b + 3); // byte fallback: the first 3 ids are <unk>, <s>, </s>
    }
    for (;;) {
      let best = -1e10;
      let bestId = -1;
      let bestIdx = -1;
      for (let i = 0; i < body.length - 1; i++) {
        const id = this.merged(body[i]!, body[i + 1]!);
        if (id >= 0 && this.scores[id]! > best) { best = this.scores[id]!; bestId = id; bestIdx = i; }
      }
      if (bestIdx === -1) break;
      body.splice(bestIdx, 2, bestId);
    }
    tokens.push(...body);
    if (opts.eos) tokens.push(this.eosId);
    return tokens;
  }

  /** Bytes of one token as run.c's decode prints it (leading space stripped after BOS, <0xXX> → byte). */
  tokenBytes(prev: number, token: number): Uint8Array {
    let piece = this.pieces[token];
    if (!piece) throw new Error(`token id ${token} outside the vocabulary (${this.vocabSize})`);
    if (prev === this.bosId && piece[0] === 0x20) piece = piece.subarray(1);
    const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(Buffer.from(piece).toString('latin1'));
    return m ? Uint8Array.of(parseInt(m[1]!, 16)) : piece;
  }

  decode(tokens: readonly number[]): string {
    const out: Uint8Array[] = [];
    let prev = -1;
    for (const t of tokens) {
      if (t === this.bosId || t === this.eosId) { prev = t; continue; }
      out.push(this.tokenBytes(prev, t));
      prev = t;
    }
    return Buffer.concat(out).toString('utf8');
  }
}

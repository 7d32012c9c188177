// llama2.c's tokenizer format (tokenizer.bin / tok512.bin): int32 max_token_length, then per piece
// float32 score, int32 byte length, the bytes. Encoding is run.c's bpe_encode: a dummy-prefix space,
// one piece per UTF-8 code point (byte fallback <0xXX> = id byte+3 when absent), then greedily merge
// the adjacent pair whose merged piece has the highest score (the leftmost of equals), until no pair
// merges. run.c rescans every pair after each merge (quadratic); here a heap gives the same merges in
// O(n log n), and the text is cut into segments that no merge can cross (see `crossable`), so an
// encoding that needs only its first `maxTokens` tokens stops reading the text once it has them.
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
  /**
   * (a·256 + b) is 1 when bytes a, b occur side by side inside some piece. Why this makes a safe cut:
   * every token BPE makes is a piece whose bytes are the concatenation of the initial pieces it
   * covers (merged() looks up exactly that concatenation). A token covering the boundary between
   * initial pieces x and y therefore contains last(x)·first(y) side by side, so when that byte pair
   * occurs in no piece, no merge ever crosses the boundary. The merges on either side then never
   * see each other: a segment's own best pair (highest score, leftmost) is what the global loop
   * merges whenever it touches that segment, so each segment encodes as it would alone, and the
   * encoding of the text is the concatenation of its segments' encodings. (In SentencePiece
   * vocabularies no piece holds a letter followed by a space, so every word start is such a cut.)
   */
  private readonly crossable = new Uint8Array(65536);
  /** a code point's initial pieces (memoised: the per-character UTF-8 round trip dominated long texts) */
  private readonly charIds = new Map<string, number[]>();

  constructor(readonly pieces: Uint8Array[], readonly scores: Float32Array, private readonly file: string) {
    // run.c sorts and binary-searches; a map keyed by the byte string (latin1 keeps bytes 1:1) is equivalent.
    this.pieceStrings = pieces.map((p) => Buffer.from(p).toString('latin1'));
    this.pieceStrings.forEach((k, i) => { if (!this.lookup.has(k)) this.lookup.set(k, i); });
    for (const p of this.pieceStrings) for (let i = 0; i + 1 < p.length; i++) this.crossable[p.charCodeAt(i) * 256 + p.charCodeAt(i + 1)] = 1;
    // an empty piece would make "last byte"/"first byte" meaningless: then no cut is safe
    if (this.pieceStrings.some((p) => p.length === 0)) this.crossable.fill(1);
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

  /**
   * Token ids of `text`. With `maxTokens`, reading stops at the first safe cut (see `crossable`) after
   * which at least maxTokens body tokens are known: those are exactly the first tokens of the full
   * encoding, and the work is linear in the text kept (plus one segment), not in the whole text.
   */
  encode(text: string, opts: { bos?: boolean; eos?: boolean; maxTokens?: number } = {}): number[] {
    const tokens: number[] = [];
    if (opts.bos) tokens.push(this.bosId);
    const budget = opts.maxTokens ?? Infinity;
    const body: number[] = [];
    let segment: number[] = [];
    let lastByte = -1; // last byte of the previous initial piece
    const push = (id: number) => {
      const s = this.pieceStrings[id]!;
      if (lastByte >= 0 && !this.crossable[lastByte * 256 + s.charCodeAt(0)]) {
        for (const t of this.bpe(segment)) body.push(t);
        segment = [];
      }
      segment.push(id);
      lastByte = s.charCodeAt(s.length - 1);
    };
    if (text.length > 0) {
      const space = this.id(' ');
      if (space === undefined) throw new Error(`${this.file}: vocabulary has no ' ' piece for the dummy prefix`);
      push(space);
    }
    for (const ch of text) {
      if (body.length >= budget) break;
      let ids = this.charIds.get(ch);
      if (!ids) {
        const bytes = Buffer.from(ch, 'utf8');
        const id = this.id(bytes.toString('latin1'));
        // byte fallback: the first 3 ids are <unk>, <s>, </s>
        this.charIds.set(ch, (ids = id !== undefined ? [id] : [...bytes].map((b) => b + 3)));
      }
      for (const id of ids) push(id);
    }
    if (body.length < budget) for (const t of this.bpe(segment)) body.push(t);
    for (const t of body) tokens.push(t);
    if (opts.eos) tokens.push(this.eosId);
    return tokens;
  }

  /** run.c's loop as it is: rescan every pair, merge the best (leftmost of equals); O(n²). */
  private bpeScan(body: number[]): number[] {
    for (;;) {
      let best = -1e10;
      let bestId = -1;
      let bestIdx = -1;
      for (let i = 0; i < body.length - 1; i++) {
        const id = this.merged(body[i]!, body[i + 1]!);
        if (id >= 0 && this.scores[id]! > best) { best = this.scores[id]!; bestId = id; bestIdx = i; }
      }
      if (bestIdx === -1) return body;
      body.splice(bestIdx, 2, bestId);
    }
  }

  /**
   * run.c's merge loop on one segment, in O(n log n): a max-heap of candidate pairs ordered by the
   * merged piece's score, then by position (run.c keeps the leftmost of equal scores); entries made
   * stale by a merge are recognised by the version of their two nodes and skipped.
   */
  private bpe(ids: readonly number[]): number[] {
    const n = ids.length;
    if (n < 2) return [...ids];
    if (n <= 32) return this.bpeScan([...ids]); // a word: the plain scan beats building a heap
    const id = Int32Array.from(ids);
    const next = new Int32Array(n), prev = new Int32Array(n), ver = new Int32Array(n);
    for (let i = 0; i < n; i++) { next[i] = i + 1 < n ? i + 1 : -1; prev[i] = i - 1; }
    // heap entries: [score, left, right, version of left, version of right, merged id]
    const heap: [number, number, number, number, number, number][] = [];
    const before = (a: (typeof heap)[number], b: (typeof heap)[number]) => a[0] > b[0] || (a[0] === b[0] && a[1] < b[1]);
    const add = (l: number, r: number) => {
      const m = this.merged(id[l]!, id[r]!);
      if (m < 0 || !(this.scores[m]! > -1e10)) return; // run.c starts its search at best = −1e10
      heap.push([this.scores[m]!, l, r, ver[l]!, ver[r]!, m]);
      for (let c = heap.length - 1; c > 0;) {
        const p = (c - 1) >> 1;
        if (!before(heap[c]!, heap[p]!)) break;
        [heap[c], heap[p]] = [heap[p]!, heap[c]!];
        c = p;
      }
    };
    const pop = () => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        for (let c = 0; ;) {
          const a = 2 * c + 1, b = a + 1;
          let m = c;
          if (a < heap.length && before(heap[a]!, heap[m]!)) m = a;
          if (b < heap.length && before(heap[b]!, heap[m]!)) m = b;
          if (m === c) break;
          [heap[c], heap[m]] = [heap[m]!, heap[c]!];
          c = m;
        }
      }
      return top;
    };
    for (let i = 0; i + 1 < n; i++) add(i, i + 1);
    while (heap.length > 0) {
      const [, l, r, vl, vr, m] = pop();
      if (ver[l] !== vl || ver[r] !== vr || next[l] !== r) continue; // stale
      id[l] = m; ver[l]!++;
      ver[r] = -1; // removed
      next[l] = next[r]!;
      if (next[l]! >= 0) prev[next[l]!] = l;
      if (prev[l]! >= 0) add(prev[l]!, l);
      if (next[l]! >= 0) add(l, next[l]!);
    }
    const out: number[] = [];
    for (let i = 0; i >= 0; i = next[i]!) out.push(id[i]!);
    return out;
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

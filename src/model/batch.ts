// A padded batch of token sequences: the one input format of the decoder.

export interface TokenBatch {
  batch: number;
  seqLen: number;
  /** [batch·seqLen] token ids, row-major */
  ids: Int32Array;
  /** [batch·seqLen] 1 for a real token, 0 for padding */
  mask: Uint8Array;
}

export type PaddingSide = 'left' | 'right';

/** Pad token sequences to one length. Left padding puts every sequence's last token in the last column. */
export function padBatch(seqs: readonly (readonly number[])[], side: PaddingSide, padId = 0, seqLen?: number): TokenBatch {
  if (seqs.length === 0) throw new Error('padBatch: empty batch');
  const T = seqLen ?? Math.max(...seqs.map((s) => s.length));
  const B = seqs.length;
  const ids = new Int32Array(B * T).fill(padId);
  const mask = new Uint8Array(B * T);
  seqs.forEach((s, b) => {
    if (s.length === 0) throw new Error(`padBatch: sequence ${b} is empty`);
    if (s.length > T) throw new Error(`padBatch: sequence ${b} has ${s.length} tokens, more than seqLen ${T}`);
    const start = side === 'left' ? T - s.length : 0;
    for (let i = 0; i < s.length; i++) {
      ids[b * T + start + i] = s[i]!;
      mask[b * T + start + i] = 1;
    }
  });
  return { batch: B, seqLen: T, ids, mask };
}

/** RoPE position of each token: the count of real tokens before it, so padding never shifts positions. */
export function positionsFromMask(b: TokenBatch): Int32Array {
  const pos = new Int32Array(b.ids.length);
  for (let r = 0; r < b.batch; r++) {
    let p = 0;
    for (let t = 0; t < b.seqLen; t++) {
      const i = r * b.seqLen + t;
      pos[i] = p;
      if (b.mask[i]) p++;
    }
  }
  return pos;
}

/** Index (within the row) of the last real token of each sequence: where EOS pooling reads. */
export function lastTokenIndex(b: TokenBatch): Int32Array {
  const idx = new Int32Array(b.batch).fill(-1);
  for (let r = 0; r < b.batch; r++) for (let t = 0; t < b.seqLen; t++) if (b.mask[r * b.seqLen + t]) idx[r] = t;
  return idx;
}

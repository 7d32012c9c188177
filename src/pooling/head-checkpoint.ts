// Saved heads from before the feed-forward gained its biases (issue 14: the authors' FeedForward keeps
// nn.Linear's default bias=True) hold ff.w1/ff.w2 but no ff.b1/ff.b2. Such a head is not the current
// one with zero biases: it was trained without them, so loading it is refused with the reason instead
// of a bare "tensor is missing".
export function assertHeadCheckpointCurrent(variables: Record<string, unknown>, saved: { has(name: string): boolean }, source: string, prefix = ''): void {
  const missing = Object.keys(variables).filter((k) => !saved.has(prefix + k));
  const biases = missing.filter((k) => /(^|\.)ff\.b[12]$/.test(k) && saved.has(prefix + k.replace(/\.b([12])$/, '.w$1')));
  if (biases.length > 0) {
    throw new Error(`${source}: the pooling head was saved without the feed-forward biases (${biases.map((k) => prefix + k).join(', ')} missing): ` +
      `it comes from a version before the heads followed the authors' FeedForward (Linear layers with bias). Retrain this design; its weights cannot be loaded into the current head.`);
  }
}

// AdamW (Loshchilov & Hutter) as PyTorch's torch.optim.AdamW computes it: decoupled weight decay
// p ← p·(1 − lr·wd), then the bias-corrected Adam step. Written out (not tf.train.adam) so its state
// (step, m, v) is plain tensors that a checkpoint saves and a resume restores exactly.
import * as tf from '@tensorflow/tfjs';

export interface AdamWOptions { beta1: number; beta2: number; eps: number; weightDecay: number }

export class AdamW {
  step = 0;
  readonly m: Record<string, tf.Variable> = {};
  readonly v: Record<string, tf.Variable> = {};

  constructor(private readonly params: Record<string, tf.Variable>, readonly options: AdamWOptions) {
    for (const [k, p] of Object.entries(params)) {
      this.m[k] = tf.variable(tf.zerosLike(p), false);
      this.v[k] = tf.variable(tf.zerosLike(p), false);
    }
  }

  /** Weight decay applies to matrices only (not to norms' gains and biases), as is customary. */
  private decays(p: tf.Variable): boolean { return p.rank >= 2; }

  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    this.step++;
    const { beta1, beta2, eps, weightDecay } = this.options;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = 1 - Math.pow(beta2, this.step);
    tf.tidy(() => {
      for (const [k, p] of Object.entries(this.params)) {
        const g = grads[k];
        if (!g) throw new Error(`AdamW: no gradient for ${k}`);
        const m = tf.add(tf.mul(this.m[k]!, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[k]!, beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[k]!.assign(m);
        this.v[k]!.assign(v);
        const decayed = this.decays(p) && weightDecay > 0 ? tf.mul(p, 1 - lr * weightDecay) : p;
        const update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), eps));
        p.assign(tf.sub(decayed, tf.mul(update, lr)));
      }
    });
  }
}

/** Linear warm-up from 0 to `peak` over `warmup` steps, then linear decay to 0 at `total`. */
export function linearWarmupDecay(step: number, peak: number, warmup: number, total: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  return peak * Math.max(0, (total - step) / Math.max(1, total - warmup));
}

// LoRA (Hu et al., 2021) on the decoder's projections: W·x + (α/r)·B·A·dropout(x), with A
// initialised like PEFT (uniform ±1/sqrt(in)) and B = 0, so training starts from the base model.
// The base weights stay frozen; only A and B are variables.
import * as tf from '@tensorflow/tfjs';
import type { Decoder } from './weights.ts';
import { PROJECTIONS, type Projection } from './config.ts';
import type { ProjectionAdapter } from './decoder.ts';
import type { PackedRows } from './packed-rows.ts';
import { dropout, dropoutRows } from './kernels/dropout.ts';
import { mulberry32 } from '../util/random.ts';

export interface LoraOptions {
  rank: number;
  alpha: number;
  dropout: number;
  targets: readonly Projection[];
}

let uid = 0;

export class Lora implements ProjectionAdapter {
  readonly variables: Record<string, tf.Variable> = {};
  private readonly scale: number;
  /** dropout is active only while training */
  training = false;
  private dropoutSeed = 0;
  private dropoutCalls = 0;

  /** the first adapted layer (0-based): 0 unless only the top layers are adapted */
  readonly firstLayer: number;

  /**
   * `layers`: adapt only the top `layers` decoder layers (undefined: every layer). The initial A of an
   * adapted layer is the one all-layer LoRA draws from the same seed (the lower layers' draws are
   * skipped, not left out), so top-k and all-layer runs start alike where both have adapters.
   */
  constructor(model: Decoder, readonly options: LoraOptions, seed: number, layers?: number) {
    const L = model.weights.layers.length;
    if (layers !== undefined && !(Number.isInteger(layers) && layers >= 1 && layers <= L)) throw new Error(`LoRA layers must be an integer in 1..${L} (the model's layer count), got ${layers}`);
    this.firstLayer = L - (layers ?? L);
    const { rank } = options;
    if (!Number.isInteger(rank) || rank <= 0) throw new Error(`LoRA rank must be a positive integer, got ${rank}`);
    if (!(options.dropout >= 0 && options.dropout < 1)) throw new Error(`LoRA dropout must be in [0, 1), got ${options.dropout}`);
    for (const t of options.targets) if (!PROJECTIONS.includes(t)) throw new Error(`unknown LoRA target '${t}'; valid: ${PROJECTIONS.join(', ')}`);
    this.scale = options.alpha / rank;
    const rand = mulberry32(seed);
    model.weights.layers.forEach((layer, i) => {
      for (const p of options.targets) {
        const [inDim, outDim] = layer[p].shape;
        if (i < this.firstLayer) { for (let n = inDim * rank; n > 0; n--) rand(); continue; }
        const bound = 1 / Math.sqrt(inDim);
        const a = Float32Array.from({ length: inDim * rank }, () => (rand() * 2 - 1) * bound);
        this.variables[`layers.${i}.${p}.lora_A`] = tf.variable(tf.tensor2d(a, [inDim, rank]), true, `lora_A_${i}_${p}#${uid++}`);
        this.variables[`layers.${i}.${p}.lora_B`] = tf.variable(tf.zeros([rank, outDim]), true, `lora_B_${i}_${p}#${uid++}`);
      }
    });
  }

  layerVariables(layer: number): tf.Variable[] {
    if (layer < this.firstLayer) return [];
    return this.options.targets.flatMap((p) => [this.variables[`layers.${layer}.${p}.lora_A`]!, this.variables[`layers.${layer}.${p}.lora_B`]!]);
  }

  /** dropout calls so far this step: checkpointed layers set it back to replay their masks */
  get randomPosition(): number { return this.dropoutCalls; }
  set randomPosition(n: number) { this.dropoutCalls = n; }

  /** Dropout masks derive from (seed, step, call), so a resumed run draws the same masks. */
  beginStep(seed: number): void {
    this.dropoutSeed = seed;
    this.dropoutCalls = 0;
  }

  /** `rows`: x holds these rows of the padded batch; they get the masks the padded batch's rows would */
  delta(x: tf.Tensor2D, layer: number, projection: Projection, rows?: PackedRows): tf.Tensor2D | undefined {
    const a = this.variables[`layers.${layer}.${projection}.lora_A`];
    if (!a) return undefined;
    const b = this.variables[`layers.${layer}.${projection}.lora_B`]!;
    const p = this.options.dropout;
    const seed = this.training && p > 0 ? this.dropoutSeed * 7919 + this.dropoutCalls++ : undefined;
    const h = seed === undefined ? x : rows ? dropoutRows(x, p, seed, rows.keep, rows.paddedRows) : dropout(x, p, seed);
    // α/r scales the [rows, r] product rather than the [rows, out] one (PEFT scales the output):
    // the same numbers up to rounding, a multiply over r columns instead of up to 1,536
    return tf.matMul(tf.mul(tf.matMul(h as tf.Tensor2D, a as tf.Tensor2D), this.scale), b as tf.Tensor2D) as tf.Tensor2D;
  }
}

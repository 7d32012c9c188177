// Activation checkpointing (Chen et al., 2016, "Training deep nets with sublinear memory cost"): a
// decoder layer as one op that keeps only its input. The backward pass runs the layer again under a
// gradient tape of its own and takes that layer's gradients, so a training step holds one layer's
// activations and their gradients at a time instead of every layer's, for one more forward pass.
//
// Two things TensorFlow.js does not do for us:
//  - The trainable tensors the layer reads (LoRA A/B, or a fully fine-tuned layer's weights) must be
//    inputs of the op, or their gradients would be lost; `variables` lists them.
//  - Constant tensors the layer reads (RoPE tables, attention bias) are disposed when the forward
//    pass's scope ends, before the backward pass: they are inputs too (`constants`), saved with the
//    layer's input and handed to `layer` again. They depend on no variable, so autodiff prunes them
//    and their gradient (a scalar placeholder here) is never read; were one ever read, its shape
//    check would fail loudly.
//  - tf's engine keeps one active tape: a gradient computed inside a backward pass replaces the outer
//    tape and leaves it null, so the outer one is put back afterwards.
// Random draws inside the layer (LoRA dropout) are replayed: `random` is rewound to where the
// forward pass stood, so the recomputation uses the same masks.
import * as tf from '@tensorflow/tfjs';
import { customOp } from './custom-grad.ts';

/** A position in a stream of random draws that can be set back (LoRA's dropout calls). */
export interface RandomPosition {
  randomPosition: number;
}

interface EngineState { state: { activeTape: unknown } }

export function checkpointed(
  layer: (x: tf.Tensor2D, constants: tf.Tensor[]) => tf.Tensor2D, x: tf.Tensor2D, constants: readonly tf.Tensor[],
  variables: readonly tf.Variable[], random?: RandomPosition,
): tf.Tensor2D {
  const start = random?.randomPosition;
  const nc = constants.length;
  return customOp([x, ...constants, ...variables], (inputs, save) => {
    save(inputs.slice(0, 1 + nc));
    const value = tf.tidy(() => layer(inputs[0] as tf.Tensor2D, inputs.slice(1, 1 + nc)));
    return {
      value,
      gradFunc: (dy, [kept, ...keptConstants]) => {
        const engine = tf.engine() as unknown as EngineState;
        const outerTape = engine.state.activeTape;
        const end = random?.randomPosition;
        if (random) random.randomPosition = start!;
        try {
          const { value: again, grads } = tf.engine().gradients(() => layer(kept as tf.Tensor2D, keptConstants), [kept!, ...variables], dy, true);
          again.dispose();
          // a variable the layer did not reach (none today) gets a zero gradient, as autodiff gives
          const [dx, ...dw] = grads.map((g, i) => g ?? tf.zerosLike(i === 0 ? kept! : variables[i - 1]!));
          return [dx!, ...constants.map(() => tf.scalar(0)), ...dw];
        } finally {
          engine.state.activeTape = outerTape;
          if (random) random.randomPosition = end!;
        }
      },
    };
  }) as tf.Tensor2D;
}

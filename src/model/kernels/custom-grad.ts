// A typed front to tf.customGrad: an op of several tensor inputs whose gradient is written by hand.
// Inside `f` no op is recorded for autodiff. Tensors the gradient needs must go through `save`, even
// constants made outside `f`: tf.variableGrads runs the forward pass in its own tidy scope, so a
// tensor merely captured by the gradient function is disposed before the backward pass.
import * as tf from '@tensorflow/tfjs';

export interface CustomOp {
  value: tf.Tensor;
  /** one gradient per input, in input order */
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
}

export function customOp(inputs: tf.Tensor[], f: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => CustomOp): tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const { value, gradFunc } = f(args.slice(0, -1) as tf.Tensor[], save);
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => gradFunc(dy, saved)) };
  })(...inputs);
}

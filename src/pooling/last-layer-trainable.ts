// Models 2 and 4: the trainable latent-query head over the LAST layer. Under causal attention its
// only key/value is the EOS vector (Model 2); under bidirectional attention it attends over every
// token (Model 4). Padding is masked unless `maskPadding: false` (the authors' Model 4 code passes
// padding positions unmasked). `lrScale` (default 1, the authors') scales the head's learning rate
// against the run's (src/pooling/blocks.ts ParamFactory; see docs/results/diagnosis/).
import * as tf from '@tensorflow/tfjs';
import { boolOption, gatherLast, numberOption, registerPooling, type Pooling, type PoolingInput } from './pooling.ts';
import { headSizes } from './head-sizes.ts';
import { LatentQueryHead } from './latent-query-head.ts';
import type { DecoderConfig } from '../model/config.ts';

export const lastLayerTrainablePooling = {
  name: 'last-layer-trainable',
  description: 'latent-query cross-attention over the last layer (EOS only when causal, all tokens when bidirectional)',
  create(model: DecoderConfig, options: Record<string, unknown>, seed: number): Pooling {
    const sizes = headSizes(model, options, 'last-layer-trainable');
    const maskPadding = boolOption(options, 'maskPadding', true, 'last-layer-trainable');
    const lrScale = numberOption(options, 'lrScale', 1, 'last-layer-trainable');
    const head = new LatentQueryHead(model.dim, sizes, seed, lrScale);
    return {
      name: 'last-layer-trainable',
      options: { ...sizes, maskPadding, ...(lrScale !== 1 ? { lrScale } : {}) },
      variables: head.params.variables,
      pool({ hiddenStates, mask, lastIndex, attention, rows }: PoolingInput) {
        const last = hiddenStates.at(-1)!;
        if (attention === 'causal') return head.apply(gatherLast(last, lastIndex).expandDims(1) as tf.Tensor3D);
        // with padding masked, its keys and values need not be computed
        return maskPadding ? head.apply(last, mask, rows) : head.apply(last);
      },
    };
  },
};
registerPooling(lastLayerTrainablePooling);

// Models 3 and 5, the paper's new design: one vector per transformer layer 1..L (the EOS vector
// under causal attention, the masked mean over tokens under bidirectional), plus a trainable
// per-layer embedding (the L × d "layer weight matrix"), into the latent-query head. The embedding is
// the authors' `nn.Embedding(layers, d)` with PyTorch's default init N(0, 1), added before the pre-norm.
// `lrScale` (default 1, the authors') scales the head's learning rate against the run's
// (src/pooling/blocks.ts ParamFactory; see docs/results/diagnosis/).
import * as tf from '@tensorflow/tfjs';
import { gatherLast, maskedMean, numberOption, registerPooling, type Pooling, type PoolingInput } from './pooling.ts';
import { headSizes } from './head-sizes.ts';
import { LatentQueryHead } from './latent-query-head.ts';
import type { DecoderConfig } from '../model/config.ts';

export const multiLayerTrainablePooling = {
  name: 'multi-layer-trainable',
  description: 'latent-query cross-attention over one vector per layer plus a layer embedding',
  create(model: DecoderConfig, options: Record<string, unknown>, seed: number): Pooling {
    const sizes = headSizes(model, options, 'multi-layer-trainable');
    const lrScale = numberOption(options, 'lrScale', 1, 'multi-layer-trainable');
    const head = new LatentQueryHead(model.dim, sizes, seed, lrScale);
    const layerEmbedding = head.params.view({ value: head.params.normal('layer_embedding', [model.nLayers, model.dim], 1) });
    return {
      name: 'multi-layer-trainable',
      options: { ...sizes, ...(lrScale !== 1 ? { lrScale } : {}) },
      variables: head.params.variables,
      pool({ hiddenStates, mask, lastIndex, attention }: PoolingInput) {
        const layers = hiddenStates.slice(1); // layer outputs 1..L, not the embeddings
        const perLayer = layers.map((h) => (attention === 'causal' ? gatherLast(h, lastIndex) : maskedMean(h, mask)));
        const stacked = tf.add(tf.stack(perLayer, 1), layerEmbedding.value) as tf.Tensor3D; // [B, L, d]
        return head.apply(stacked);
      },
    };
  },
};
registerPooling(multiLayerTrainablePooling);

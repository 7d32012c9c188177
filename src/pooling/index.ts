// Importing this module registers the built-in poolings.
export * from './pooling.ts';
export { eosLastPooling } from './eos-last.ts';
export { meanPooling } from './mean.ts';
export { lastLayerTrainablePooling } from './last-layer-trainable.ts';
export { multiLayerTrainablePooling } from './multi-layer-trainable.ts';
export { latentAttentionPooling } from './latent-attention.ts';
export { registerDesign, checkPoolingOutput, createDesignPooling, type DesignSpec } from './user-pooling.ts';
export { defaultHeadSizes, defaultLatentAttentionSizes, type HeadSizes } from './head-sizes.ts';

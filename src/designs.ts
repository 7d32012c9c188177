// The designs of the study as data: which pooling, which attention, which layers feed the pooling.
// m1–m5 are the paper's Models 1–5; m6 is NV-Embed's latent attention; base-* embed with the
// untrained base model (reference rows).
import type { AttentionMode } from './model/decoder.ts';

export interface Design {
  name: string;
  pooling: string;
  attention: AttentionMode;
  layers: 'last' | 'all';
  /** fine-tuned (false: the base model used zero-shot) */
  trained: boolean;
  description: string;
}

const d = (name: string, pooling: string, attention: AttentionMode, layers: 'last' | 'all', trained: boolean, description: string): Design =>
  ({ name, pooling, attention, layers, trained, description });

export const DESIGNS: Record<string, Design> = {
  m1: d('m1', 'eos-last', 'causal', 'last', true, 'Model 1: EOS last token, causal'),
  m2: d('m2', 'last-layer-trainable', 'causal', 'last', true, 'Model 2: last-layer trainable pooling (EOS only), causal'),
  m3: d('m3', 'multi-layer-trainable', 'causal', 'all', true, 'Model 3: multi-layer trainable pooling (EOS per layer), causal'),
  m4: d('m4', 'last-layer-trainable', 'bidirectional', 'last', true, 'Model 4: last-layer trainable pooling (all tokens), bidirectional'),
  m5: d('m5', 'multi-layer-trainable', 'bidirectional', 'all', true, 'Model 5: multi-layer trainable pooling (mean per layer), bidirectional'),
  m6: d('m6', 'latent-attention', 'bidirectional', 'last', true, 'NV-Embed latent attention, bidirectional'),
  'base-mean': d('base-mean', 'mean', 'causal', 'last', false, 'base model, masked mean of the last layer'),
  'base-eos': d('base-eos', 'eos-last', 'causal', 'last', false, 'base model, EOS last token'),
};

export const TRAINED_DESIGNS = Object.values(DESIGNS).filter((x) => x.trained).map((x) => x.name);

export function designByName(name: string): Design {
  const found = DESIGNS[name];
  if (!found) throw new Error(`unknown design '${name}'; valid: ${Object.keys(DESIGNS).join(', ')}`);
  return found;
}

/** `all` → every trained design; otherwise a comma-separated list, each checked. */
export function parseDesignList(spec: string): Design[] {
  if (spec === 'all') return TRAINED_DESIGNS.map(designByName);
  return spec.split(',').map((s) => designByName(s.trim()));
}

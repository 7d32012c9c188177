# The reference of test/e2e/smollm2-layers.test.ts: Hugging Face transformers loading SmolLM2-135M-
# Instruct from the GGUF file (its own GGUF reader and dequantiser; PyTorch float32, eager attention).
#
# argv: model folder, GGUF file name, output folder; stdin: JSON
#   {prompts: [[ids], ...], padded: {ids: [[...]], mask: [[...]]}}  (ids from the project's tokenizer)
# Writes raw little-endian float32:
#   causal_{i}.f32, bidir_{i}.f32   every hidden state [L + 1, T, D] of prompt i alone (output_hidden_states:
#                                   the embeddings, then each layer's output, the last after the final norm);
#                                   bidirectional: an all-zero 4D additive mask (transformers passes a
#                                   prepared 4D mask through unchanged)
#   padded_causal.f32, padded_bidir.f32   the same for the left-padded batch [L + 1, B, T, D]: 2D padding
#                                   mask (causal) or a 4D mask hiding padded keys (bidirectional); position
#                                   ids count real tokens only, as the project's (padding never shifts them)
#   eos.f32, mean.f32               [B, D] pooled in numpy from the batch's last_hidden_state (after the final
#                                   RMSNorm): the state at each row's last real token, and the masked mean
#   eos_prenorm.f32                 [B, D] the last real token's state before the final norm (what a pooling
#                                   that skipped the norm would read)
# stdout: JSON {layers, rope_theta, final_norm_gap}: final_norm_gap is max |last_hidden_state − norm(state
# before the final norm)|, to show which of the two the pooling references are.
import json
import sys

import numpy as np
import torch
from transformers import AutoModelForCausalLM

d, name, out = sys.argv[1:4]
spec = json.load(sys.stdin)
torch.manual_seed(0)
model = AutoModelForCausalLM.from_pretrained(d, gguf_file=name, dtype=torch.float32, attn_implementation='eager').eval()
base = model.model
NEG = torch.finfo(torch.float32).min


def save(fname, states):
    np.stack([s.numpy() for s in states]).astype('<f4').tofile(f'{out}/{fname}')


with torch.no_grad():
    for i, ids in enumerate(spec['prompts']):
        x = torch.tensor([ids])
        save(f'causal_{i}.f32', [h[0] for h in base(x, output_hidden_states=True).hidden_states])
        T = len(ids)
        full = torch.zeros((1, 1, T, T), dtype=torch.float32)
        save(f'bidir_{i}.f32', [h[0] for h in base(x, attention_mask=full, output_hidden_states=True).hidden_states])

    ids = torch.tensor(spec['padded']['ids'])
    mask = torch.tensor(spec['padded']['mask'])
    pos = (mask.cumsum(1) - 1).clamp(min=0)
    o = base(ids, attention_mask=mask, position_ids=pos, output_hidden_states=True)
    save('padded_causal.f32', o.hidden_states)
    keys = torch.zeros(mask.shape, dtype=torch.float32).masked_fill(mask == 0, NEG)[:, None, None, :].expand(-1, 1, mask.shape[1], -1)
    save('padded_bidir.f32', base(ids, attention_mask=keys, position_ids=pos, output_hidden_states=True).hidden_states)

    # pooling, in numpy, on transformers' final-normed last hidden state
    h = o.last_hidden_state.numpy().astype(np.float64)
    m = mask.numpy().astype(np.float64)
    last = m.shape[1] - 1 - np.argmax(m[:, ::-1], axis=1)
    eos = h[np.arange(h.shape[0]), last]
    mean = (h * m[:, :, None]).sum(1) / m.sum(1, keepdims=True)
    eos.astype('<f4').tofile(f'{out}/eos.f32')
    mean.astype('<f4').tofile(f'{out}/mean.f32')
    # the state entering the final norm is what the last decoder layer returned: capture it with a hook
    captured = []
    hook = base.layers[-1].register_forward_hook(lambda mod, args, output: captured.append(output[0] if isinstance(output, tuple) else output))
    base(ids, attention_mask=mask, position_ids=pos)
    hook.remove()
    gap = float((base.norm(captured[0]) - o.last_hidden_state).abs().max())
    captured[0][np.arange(h.shape[0]), last].numpy().astype('<f4').tofile(f'{out}/eos_prenorm.f32')

json.dump({'layers': base.config.num_hidden_layers, 'rope_theta': getattr(base.config, 'rope_theta', None) or base.config.rope_parameters['rope_theta'],
           'final_norm_gap': gap}, sys.stdout)

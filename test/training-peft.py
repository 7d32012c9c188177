# The reference of test/training-peft.test.ts: the project's training steps redone with Hugging Face
# transformers' LlamaModel (eager attention), Hugging Face PEFT's LoRA (LoraConfig + get_peft_model on
# q/k/v/o/gate/up/down) and torch.optim.AdamW, from the same initial adapter and head (the safetensors
# file the project saved), on the same micro-batches, with the same hyperparameters.
#
# The base model is read from the llama2.c file by bench/torch_step.py's reader (run.c's layout: rows
# [out, in], q/k rows in Meta's interleaved RoPE order) and put into LlamaModel with the permutation of
# transformers' convert_llama_weights_to_hf.py (interleaved → half-split), so RoPE, RMSNorm, grouped-
# query attention and SwiGLU are transformers' own. The project's q/k columns are half-split too, so its
# LoRA B goes into PEFT's lora_B as it is (transposed: PyTorch keeps [out, in]). The pooling heads and
# the loss are bench/torch_step.py's (the heads are checked against the authors' modules by
# test/pooling-authors.test.ts); the loss is F.cross_entropy over cosine × scale with every in-batch
# positive and hard negative as candidates.
#
# Per step: the gradients of the micro-batches' losses / gradAccum are accumulated, clipped with
# torch.nn.utils.clip_grad_norm_ (which returns the norm before clipping), AdamW takes the project's
# learning rate for that step (linear warm-up, then linear decay), weight decay on matrices only.
#
# argv[1]: spec.json from the test. stdout: JSON {torch, transformers, peft, designs: {name: {losses,
# norms, lrs}}}; the trained adapter and head of each design are written to {name}.final.f32 in the
# order of spec's weightNames (our layouts), for the final-weight comparison.
import importlib.util
import json
import os
import sys

import numpy as np
import torch
import peft
import transformers
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaModel

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location('torch_step', os.path.join(ROOT, 'bench', 'torch_step.py'))
ts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ts)

HF = {'wq': 'self_attn.q_proj', 'wk': 'self_attn.k_proj', 'wv': 'self_attn.v_proj', 'wo': 'self_attn.o_proj',
      'wGate': 'mlp.gate_proj', 'wUp': 'mlp.up_proj', 'wDown': 'mlp.down_proj'}


def half_split(w, heads):
    """transformers' convert_llama_weights_to_hf permute: rows (2i, 2i+1) of each head → (i, i + head/2)."""
    out, inp = w.shape
    return w.view(heads, out // heads // 2, 2, inp).transpose(1, 2).reshape(out, inp)


def llama_model(cfg, w):
    config = LlamaConfig(vocab_size=cfg['vocab'], hidden_size=cfg['dim'], intermediate_size=cfg['hidden'],
                         num_hidden_layers=cfg['n_layers'], num_attention_heads=cfg['n_heads'], num_key_value_heads=cfg['n_kv'],
                         head_dim=cfg['head'], rms_norm_eps=cfg['eps'], rope_theta=cfg['theta'], max_position_embeddings=4096,
                         attention_bias=False, mlp_bias=False, hidden_act='silu', tie_word_embeddings=True, attention_dropout=0.0)
    config._attn_implementation = 'eager'
    model = LlamaModel(config)
    sd = {'embed_tokens.weight': w['embed'], 'norm.weight': w['rms_final']}
    for i in range(cfg['n_layers']):
        sd.update({
            f'layers.{i}.input_layernorm.weight': w['rms_att'][i], f'layers.{i}.post_attention_layernorm.weight': w['rms_ffn'][i],
            f'layers.{i}.self_attn.q_proj.weight': half_split(w['wq'][i], cfg['n_heads']),
            f'layers.{i}.self_attn.k_proj.weight': half_split(w['wk'][i], cfg['n_kv']),
            f'layers.{i}.self_attn.v_proj.weight': w['wv'][i], f'layers.{i}.self_attn.o_proj.weight': w['wo'][i],
            f'layers.{i}.mlp.gate_proj.weight': w['w1'][i], f'layers.{i}.mlp.up_proj.weight': w['w3'][i],
            f'layers.{i}.mlp.down_proj.weight': w['w2'][i],
        })
    missing, unexpected = model.load_state_dict({k: v.contiguous() for k, v in sd.items()}, strict=False)
    # rotary inv_freq is a buffer transformers computes itself
    assert not unexpected and all('rotary' in k for k in missing), (missing, unexpected)
    return model


def train_design(cfg, w, spec, design):
    prof = spec['profile']
    init = ts.read_safetensors(design['initialWeights'])
    lora_cfg = prof['lora']
    model = get_peft_model(llama_model(cfg, w), LoraConfig(r=lora_cfg['rank'], lora_alpha=lora_cfg['alpha'], lora_dropout=lora_cfg['dropout'],
                                                          target_modules=[HF[p].split('.')[-1] for p in lora_cfg['targets']], bias='none'))
    model.train()
    layers = model.base_model.model.layers
    params = {}  # our names → the tensors PEFT and the head train
    for name, t in init.items():
        if name.startswith('lora.'):
            _, _, i, proj, ab = name.split('.')
            module = layers[int(i)].get_submodule(HF[proj])
            assert isinstance(module, peft.tuners.lora.Linear), type(module)
            p = (module.lora_A if ab == 'lora_A' else module.lora_B)['default'].weight
            with torch.no_grad():
                p.copy_(t.t())
            params[name] = p
        else:
            params[name] = t.clone().requires_grad_(True)
    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    assert trainable == {id(p) for n, p in params.items() if n.startswith('lora.')}, 'PEFT trains exactly the loaded adapters'
    head = {n: p for n, p in params.items() if n.startswith('head.')}
    plist = list(params.values())
    opt = torch.optim.AdamW([{'params': [p for p in plist if p.dim() >= 2], 'weight_decay': prof['weightDecay']},
                             {'params': [p for p in plist if p.dim() < 2], 'weight_decay': 0.0}],
                            lr=prof['lr'], betas=(0.9, 0.999), eps=1e-8)

    def embed(ids, mask):
        x, m = torch.tensor(ids), torch.tensor(mask)
        pos = (m.cumsum(1) - 1).clamp(min=0)  # padding never shifts positions
        if design['attention'] == 'causal':
            am = m  # transformers builds the causal + padding mask
        else:  # bidirectional: every real token sees every real token; a prepared 4D mask is used as it is
            am = torch.zeros(m.shape, dtype=torch.float32).masked_fill(m == 0, torch.finfo(torch.float32).min)[:, None, None, :].expand(-1, 1, m.shape[1], -1)
        out = model(input_ids=x, attention_mask=am, position_ids=pos, output_hidden_states=True)
        e = ts.pool(design, head, list(out.hidden_states), np.array(mask))
        return e / e.norm(dim=-1, keepdim=True).clamp(min=1e-12)

    ga, total = prof['gradAccum'], prof['steps']
    losses, norms, lrs = [], [], []
    for step in range(total):
        opt.zero_grad(set_to_none=True)
        step_loss = 0.0
        for mb in range(ga):
            b = spec['batches'][step * ga + mb]
            e = embed(b['ids'], b['mask'])
            n = b['triples']
            loss = ts.info_nce(e[:n], e[n:2 * n], e[2 * n:], prof['scale'])
            (loss / ga).backward()
            step_loss += loss.item()
        norm = torch.nn.utils.clip_grad_norm_(plist, prof['clipNorm'])
        lr = ts.lr_at(step, prof['lr'], prof['warmupSteps'], total)
        for g in opt.param_groups:
            g['lr'] = lr
        opt.step()
        losses.append(step_loss / ga)
        norms.append(float(norm))
        lrs.append(lr)
    final = [(params[n].t() if n.startswith('lora.') else params[n]).detach().contiguous().numpy().ravel() for n in design['weightNames']]
    np.concatenate(final).astype('<f4').tofile(os.path.join(spec['out'], f"{design['name']}.final.f32"))
    return {'losses': losses, 'norms': norms, 'lrs': lrs}


def main():
    spec = json.load(open(sys.argv[1]))
    torch.manual_seed(0)
    torch.set_num_threads(1)
    cfg, w = ts.load_llama2c(spec['checkpoint'])
    designs = {d['name']: train_design(cfg, w, spec, d) for d in spec['designs']}
    json.dump({'torch': torch.__version__, 'transformers': transformers.__version__, 'peft': peft.__version__, 'designs': designs}, sys.stdout)


if __name__ == '__main__':
    main()

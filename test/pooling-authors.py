# An independent PyTorch port of the pooling heads as the authors wrote them, used by
# test/pooling-authors.test.ts as the reference for the TypeScript heads.
#
# Written from the structure of Tang & Yang's `pooling_layers/LastLayersTrainablePooling.py` and
# `MultiLayersTrainablePooling.py` (github.com/yixuantt/PoolingAndAttn) and NV-Embed's
# `LatentAttentionModel` (modeling_nvembed.py): the same module tree, parameter names, shapes and
# PyTorch default inits, so `load_state_dict(strict=True)` fails when a TypeScript head lacks or adds a
# tensor. einops is replaced by reshapes. Two things are NOT the authors' and are marked where they
# occur: an optional key mask on the latents-as-queries attention (the project masks Model 4's padding
# by default; the authors' code does not), and float64 arithmetic (the reference for float32 tfjs).
#
# stdin: JSON {cases: [...]} as written by the test; stdout: JSON {name: result}.
import json
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy import stats


class PreNorm(nn.Module):
    """LayerNorm on the first argument and, when `context_dim` is given, on the `context` keyword."""

    def __init__(self, dim, fn, context_dim=None):
        super().__init__()
        self.fn = fn
        self.norm = nn.LayerNorm(dim)
        self.norm_context = nn.LayerNorm(context_dim) if context_dim is not None else None

    def forward(self, x, **kwargs):
        x = self.norm(x)
        if self.norm_context is not None:
            kwargs['context'] = self.norm_context(kwargs['context'])
        return self.fn(x, **kwargs)


class GEGLU(nn.Module):
    def forward(self, x):
        value, gates = x.chunk(2, dim=-1)
        return value * F.gelu(gates)  # exact (erf) GELU, torch's default


class FeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        # nn.Linear keeps its default bias=True, as in the authors' code
        self.net = nn.Sequential(nn.Linear(dim, dim * mult * 2), GEGLU(), nn.Linear(dim * mult, dim))

    def forward(self, x):
        return self.net(x)


def split_heads(t, h):  # 'b n (h d) -> (b h) n d'
    b, n, hd = t.shape
    return t.reshape(b, n, h, hd // h).permute(0, 2, 1, 3).reshape(b * h, n, hd // h)


def merge_heads(t, h):  # '(b h) n d -> b n (h d)'
    bh, n, d = t.shape
    return t.reshape(bh // h, h, n, d).permute(0, 2, 1, 3).reshape(bh // h, n, h * d)


class PerceiverAttention(nn.Module):
    """The authors' `Attention` as the PerceiverResampler calls it: x = the pooled hidden states
    (keys/values through to_kv), context = the latents (queries through to_q)."""

    def __init__(self, query_dim, context_dim, heads, dim_head):
        super().__init__()
        inner = dim_head * heads
        self.heads = heads
        self.to_q = nn.Linear(context_dim, inner, bias=False)
        self.to_kv = nn.Linear(query_dim, inner * 2, bias=False)
        self.to_out = nn.Linear(inner, query_dim, bias=False)

    def forward(self, x, context=None, key_mask=None):
        h = self.heads
        q = self.to_q(context)
        k, v = self.to_kv(x).chunk(2, dim=-1)
        q, k, v = (split_heads(t, h) for t in (q, k, v))
        mask = None
        if key_mask is not None:  # NOT the authors': the project's default padding mask for Model 4
            mask = key_mask.bool().repeat_interleave(h, dim=0)[:, None, :]
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.to_out(merge_heads(out, h))


class PerceiverResampler(nn.Module):
    """Models 2–5: latents query the inputs, FF, residuals, mean over latents, L2 norm. `layers` adds
    the multi-layer variant's nn.Embedding(layers, dim), added to the inputs before the pre-norm."""

    def __init__(self, dim, num_latents, heads, dim_head, mult=4, layers=None):
        super().__init__()
        self.latents = nn.Parameter(torch.randn(num_latents, dim))
        if layers is not None:
            self.pos_emb = nn.Embedding(layers, dim)
        self.normalize = True
        self.cross_attend_blocks = nn.ModuleList([
            PreNorm(dim, PerceiverAttention(dim, dim, heads=heads, dim_head=dim_head), context_dim=dim),
            PreNorm(dim, FeedForward(dim, mult)),
        ])

    def forward(self, hiddens, key_mask=None):
        if hasattr(self, 'pos_emb'):
            hiddens = hiddens + self.pos_emb(torch.arange(hiddens.shape[1]))
        cross_attn, cross_ff = self.cross_attend_blocks
        x = self.latents.expand(hiddens.shape[0], *self.latents.shape)
        x = cross_attn(hiddens, context=x, key_mask=key_mask) + x
        x = cross_ff(x) + x
        raw = x.mean(dim=1)
        return raw, F.normalize(raw, p=2, dim=-1)


class NVEmbedAttention(nn.Module):
    """NV-Embed's `Attention`: x = the tokens (queries), context = the latents (keys/values)."""

    def __init__(self, query_dim, context_dim, heads, dim_head):
        super().__init__()
        inner = dim_head * heads
        self.heads = heads
        self.to_q = nn.Linear(query_dim, inner, bias=False)
        self.to_kv = nn.Linear(context_dim, inner * 2, bias=False)
        self.to_out = nn.Linear(inner, query_dim, bias=False)

    def forward(self, x, context=None):
        h = self.heads
        q = self.to_q(x)
        k, v = self.to_kv(context).chunk(2, dim=-1)
        q, k, v = (split_heads(t, h) for t in (q, k, v))
        return self.to_out(merge_heads(F.scaled_dot_product_attention(q, k, v), h))


class LatentAttentionModel(nn.Module):
    """NV-Embed's latent attention: tokens attend over the latents, FF, residuals, masked mean over
    tokens, L2 norm."""

    def __init__(self, dim, num_latents, heads, dim_head, mult=4):
        super().__init__()
        self.cross_attend_blocks = nn.ModuleList([
            PreNorm(dim, NVEmbedAttention(dim, dim, heads=heads, dim_head=dim_head), context_dim=dim),
            PreNorm(dim, FeedForward(dim, mult)),
        ])
        self.latents = nn.Parameter(torch.randn(num_latents, dim))

    def forward(self, hiddens, attention_mask):
        cross_attn, cross_ff = self.cross_attend_blocks
        x = self.latents.expand(hiddens.shape[0], *self.latents.shape)
        hiddens = cross_attn(hiddens, context=x) + hiddens
        hiddens = cross_ff(hiddens) + hiddens
        m = attention_mask.unsqueeze(-1).to(hiddens.dtype)
        raw = (hiddens * m).sum(dim=1) / attention_mask.sum(dim=1, keepdim=True).to(hiddens.dtype)
        return raw, F.normalize(raw, p=2, dim=-1)


def build(case):
    o, d, L = case['options'], case['dim'], case['nLayers']
    args = dict(heads=o['heads'], dim_head=o['headDim'], mult=o['ffMult'])
    if case['pooling'] == 'latent-attention':
        return LatentAttentionModel(d, o['latents'], **args)
    layers = L if case['pooling'] == 'multi-layer-trainable' else None
    return PerceiverResampler(d, o['latents'], layers=layers, **args)


def ts_tensors(v, requires_grad=False):
    """The TypeScript head's tensors as float64 leaves, by their TypeScript names."""
    return {k: torch.tensor(np.array(x['data'], dtype=np.float32).reshape(x['shape']), dtype=torch.float64,
                            requires_grad=requires_grad) for k, x in v.items()}


def state_dict_from_ts(case, t):
    """The TypeScript head's tensors ([in, out] matrices, separate to_k/to_v) under the authors' names
    (differentiable, so gradients flow back to the TypeScript-named leaves)."""
    nv = case['pooling'] == 'latent-attention'
    # PreNorm.norm normalises the first argument: the inputs (Models 2–5) or the tokens (NV-Embed)
    first, context = ('norm_q', 'norm_kv') if nv else ('norm_kv', 'norm_q')
    a, f = 'cross_attend_blocks.0', 'cross_attend_blocks.1'
    sd = {
        'latents': t['latents'],
        f'{a}.norm.weight': t[f'cross_attn.{first}.weight'], f'{a}.norm.bias': t[f'cross_attn.{first}.bias'],
        f'{a}.norm_context.weight': t[f'cross_attn.{context}.weight'], f'{a}.norm_context.bias': t[f'cross_attn.{context}.bias'],
        f'{a}.fn.to_q.weight': t['cross_attn.to_q'].T,
        f'{a}.fn.to_kv.weight': torch.cat([t['cross_attn.to_k'].T, t['cross_attn.to_v'].T], 0),
        f'{a}.fn.to_out.weight': t['cross_attn.to_out'].T,
        f'{f}.norm.weight': t['ff.norm.weight'], f'{f}.norm.bias': t['ff.norm.bias'],
        f'{f}.fn.net.0.weight': t['ff.w1'].T, f'{f}.fn.net.0.bias': t['ff.b1'],
        f'{f}.fn.net.2.weight': t['ff.w2'].T, f'{f}.fn.net.2.bias': t['ff.b2'],
    }
    if case['pooling'] == 'multi-layer-trainable':
        sd['pos_emb.weight'] = t['layer_embedding']
    used = {'latents', 'layer_embedding', 'ff.w1', 'ff.b1', 'ff.w2', 'ff.b2', 'ff.norm.weight', 'ff.norm.bias'} | {
        f'cross_attn.{k}' for k in ('to_q', 'to_k', 'to_v', 'to_out', 'norm_q.weight', 'norm_q.bias', 'norm_kv.weight', 'norm_kv.bias')}
    extra = sorted(set(t) - used)
    if extra:
        raise SystemExit(f"{case['name']}: TypeScript head has tensors the authors' module lacks: {extra}")
    return sd


def pooled_inputs(case, hs, mask):
    """What the authors' model loaders feed the head (left padding: position -1 is the EOS)."""
    name, attention = case['pooling'], case['attention']
    if name == 'last-layer-trainable':
        if attention == 'causal':  # model2.py: the last layer's last token
            return hs[-1][:, -1:, :], None
        # model4.py: every token of the last layer, unmasked; the project masks by default
        return hs[-1], (mask if case['options'].get('maskPadding', True) else None)
    if name == 'multi-layer-trainable':
        if attention == 'causal':  # model3.py: each layer's last token
            return torch.stack([h[:, -1, :] for h in hs[1:]], dim=1), None
        m = mask.unsqueeze(-1)  # model5.py: each layer's mean over real tokens
        return torch.stack([(h * m).sum(1) / m.sum(1) for h in hs[1:]], dim=1), None
    raise ValueError(name)


def init_check(case, ts_init):
    """The TypeScript head's freshly initialised tensors against a freshly built torch module's:
    the same shapes, constants equal, random tensors from the same distribution (two-sample KS)."""
    torch.manual_seed(case['seed'])
    fresh = build(case).state_dict()
    mine = state_dict_from_ts(case, ts_tensors(ts_init))
    out = {}
    for k, ref in fresh.items():
        if k not in mine or list(mine[k].shape) != list(ref.shape):
            got = list(mine[k].shape) if k in mine else 'missing'
            raise SystemExit(f"{case['name']}: {k} is {got}, the authors' module has {list(ref.shape)}")
        x, r = mine[k].detach().float().numpy().ravel(), ref.numpy().ravel()
        if np.all(r == r[0]):
            out[k] = {'constant': True, 'equal': bool(np.all(x == r[0]))}
        else:
            out[k] = {'constant': False, 'ks_p': float(stats.ks_2samp(x, r).pvalue), 'max_abs': float(np.abs(x).max()),
                      'ref_max_abs': float(np.abs(r).max()), 'std': float(x.std()), 'ref_std': float(r.std())}
    return out


def run(case):
    torch.set_default_dtype(torch.float64)
    model = build(case)
    leaves = ts_tensors(case['variables'], requires_grad=True)
    sd = state_dict_from_ts(case, leaves)
    # strict: a tensor the authors' module has and the TypeScript head lacks (or the reverse) is an error
    model.load_state_dict({k: x.detach() for k, x in sd.items()}, strict=True)
    B, T, d = case['batch'], case['seqLen'], case['dim']
    hs = [torch.tensor(np.array(h, dtype=np.float32).reshape(B, T, d), dtype=torch.float64) for h in case['hiddenStates']]
    mask = torch.tensor(np.array(case['mask'], dtype=np.float32).reshape(B, T), dtype=torch.float64)
    if case['pooling'] == 'latent-attention':
        args = (hs[-1], mask)
    else:
        args = pooled_inputs(case, hs, mask)
    raw, normed = torch.func.functional_call(model, sd, args)
    # gradient of sum(raw · probe) with respect to every TypeScript tensor
    probe = torch.tensor(np.array(case['probe'], dtype=np.float32).reshape(B, d), dtype=torch.float64)
    (raw * probe).sum().backward()
    result = {'raw': raw.detach().numpy().ravel().tolist(), 'normed': normed.detach().numpy().ravel().tolist(),
              'grads': {k: x.grad.numpy().ravel().tolist() for k, x in leaves.items()}}
    torch.set_default_dtype(torch.float32)
    if 'init' in case:
        result['init'] = init_check(case, case['init'])
    return result


if __name__ == '__main__':
    cases = json.load(sys.stdin)['cases']
    json.dump({c['name']: run(c) for c in cases}, sys.stdout)

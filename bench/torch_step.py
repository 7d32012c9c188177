#!/usr/bin/env python3
"""PyTorch peer of the tfjs training step, for `npm run bench` (bench/run.ts writes the spec).

An independent implementation of the same computation: the llama2.c reader follows run.c (weights
[out, in], RoPE on interleaved pairs, as in the file), the pooling heads and the loss follow the
paper's description and src/pooling/blocks.ts, and AdamW is torch.optim.AdamW. The initial LoRA and
head weights come from the safetensors file the tfjs side exported, the batches from its spec, so
the first step's loss must agree with tfjs to float rounding.

The base model is a llama2.c file (spec.checkpoint, stories260K) or a llama GGUF (spec.gguf,
SmolLM2-135M), dequantised by gguf-py (llama.cpp's own package), not by our reader.

Usage: .venv/bin/python bench/torch_step.py SPEC.json THREADS [--lora-layers K]  → one JSON object on stdout.

--lora-layers K: the cached-prefix step of src/embedding/prefix-cache.ts. LoRA sits on the top K layers
only (the initial weights file then holds only those adapters: bench/tfjs-train.ts with LORA_LAYERS=K),
the frozen layers' outputs for each text (the states entering layer L-K, each frozen layer's EOS vector
and masked mean) are computed once, each text alone and without gradients, before the steps are timed
(their cost is reported apart as prefixSeconds), and each step runs layers L-K..L-1 from them.
"""
import json
import math
import resource
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

NEG_INF = -1e9


# ---------------------------------------------------------------- files

def read_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        if info['dtype'] != 'F32':
            raise ValueError(f'{path}: {name} has dtype {info["dtype"]}, expected F32')
        a, b = info['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(raw, dtype='<f4', count=(b - a) // 4, offset=8 + n + a).copy()).reshape(info['shape'])
    return out


def load_llama2c(path):
    """run.c's checkpoint: 7 int32 header fields, then float32 tensors in file order."""
    with open(path, 'rb') as f:
        raw = f.read()
    dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack('<7i', raw[:28])
    shared = vocab > 0
    vocab = abs(vocab)
    floats = np.frombuffer(raw, dtype='<f4', offset=28)
    head = dim // n_heads
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        t = torch.from_numpy(floats[pos:pos + n].copy()).reshape(shape)
        pos += n
        return t

    w = {'embed': take(vocab, dim), 'rms_att': take(n_layers, dim), 'wq': take(n_layers, n_heads * head, dim),
         'wk': take(n_layers, n_kv * head, dim), 'wv': take(n_layers, n_kv * head, dim),
         'wo': take(n_layers, dim, n_heads * head), 'rms_ffn': take(n_layers, dim),
         'w1': take(n_layers, hidden, dim), 'w2': take(n_layers, dim, hidden), 'w3': take(n_layers, hidden, dim),
         'rms_final': take(dim)}
    take(seq_len * head // 2)  # freq_cis_real (unused)
    take(seq_len * head // 2)  # freq_cis_imag
    w['wcls'] = w['embed'] if shared else take(vocab, dim)
    if pos != floats.size:
        raise ValueError(f'{path}: {floats.size - pos} floats left over; not a llama2.c checkpoint of this header')
    cfg = dict(dim=dim, hidden=hidden, n_layers=n_layers, n_heads=n_heads, n_kv=n_kv, head=head, vocab=vocab, eps=1e-5, theta=10000.0)
    return cfg, w


def load_gguf(path):
    """A llama GGUF (llama.cpp's converter) through gguf-py: tensors dequantised by gguf.quants, rows
    [out, in]; q/k rows are in Meta's interleaved RoPE order there, as in a llama2.c file."""
    from gguf import GGUFReader
    from gguf.quants import dequantize
    r = GGUFReader(path)

    def meta(key, default=None):
        f = r.fields.get(key)
        if f is None:
            if default is None:
                raise ValueError(f'{path}: metadata {key} is missing')
            return default
        return f.parts[f.data[0]].tolist()[0]

    arch = 'llama'
    t = {x.name: x for x in r.tensors}

    def get(name):
        x = t[name]
        shape = [int(d) for d in reversed(x.shape.tolist())]  # gguf ne is [in, out]
        return torch.from_numpy(np.array(dequantize(x.data, x.tensor_type), dtype=np.float32).reshape(shape))

    n_layers = int(meta(f'{arch}.block_count'))
    dim = int(meta(f'{arch}.embedding_length'))
    n_heads = int(meta(f'{arch}.attention.head_count'))
    n_kv = int(meta(f'{arch}.attention.head_count_kv', n_heads))
    layer = lambda name: torch.stack([get(f'blk.{i}.{name}.weight') for i in range(n_layers)])
    w = {'embed': get('token_embd.weight'), 'rms_att': layer('attn_norm'), 'wq': layer('attn_q'), 'wk': layer('attn_k'),
         'wv': layer('attn_v'), 'wo': layer('attn_output'), 'rms_ffn': layer('ffn_norm'), 'w1': layer('ffn_gate'),
         'w2': layer('ffn_down'), 'w3': layer('ffn_up'), 'rms_final': get('output_norm.weight')}
    w['wcls'] = get('output.weight') if 'output.weight' in t else w['embed']
    cfg = dict(dim=dim, hidden=int(meta(f'{arch}.feed_forward_length')), n_layers=n_layers, n_heads=n_heads, n_kv=n_kv,
               head=dim // n_heads, vocab=w['embed'].shape[0], eps=float(meta(f'{arch}.attention.layer_norm_rms_epsilon')),
               theta=float(meta(f'{arch}.rope.freq_base', 10000.0)))
    return cfg, w


# ---------------------------------------------------------------- model

def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope_tables(cfg, mask):
    """cos/sin [B, T, head/2] at each token's position = number of real tokens before it (float32 angle)."""
    pos = (np.cumsum(mask, axis=1) - mask).astype(np.float32)  # padding never shifts positions
    half = cfg['head'] // 2
    inv = np.array([1.0 / math.pow(cfg['theta'], 2 * i / cfg['head']) for i in range(half)], dtype=np.float32)
    ang = (pos[:, :, None] * inv[None, None, :]).astype(np.float32)
    return (torch.from_numpy(np.cos(ang.astype(np.float64)).astype(np.float32)),
            torch.from_numpy(np.sin(ang.astype(np.float64)).astype(np.float32)))


def rope_interleaved(x, cos, sin):
    """run.c: rotate pairs (2i, 2i+1) of each head by angle pos·theta^(-2i/head). x [B, T, heads, head]."""
    x0, x1 = x[..., 0::2], x[..., 1::2]
    c, s = cos[:, :, None, :], sin[:, :, None, :]
    return torch.stack([x0 * c - x1 * s, x0 * s + x1 * c], dim=-1).flatten(-2)


class Lora:
    def __init__(self, params, rank, alpha, dropout):
        self.p, self.scale, self.dropout, self.training = params, alpha / rank, dropout, False

    def delta(self, x, layer, proj):
        a = self.p.get(f'lora.layers.{layer}.{proj}.lora_A')
        if a is None:
            return None
        b = self.p[f'lora.layers.{layer}.{proj}.lora_B']
        h = F.dropout(x, self.dropout, self.training) if self.dropout > 0 else x
        return (h @ a) @ b * self.scale


def decoder(cfg, w, ids, mask, attention, lora, start=0, entering=None, stop=None):
    """Hidden states [embeddings, layer 1 … layer L (after the final RMSNorm)], each [B, T, dim].
    From layer `start` on `entering` [B, T, dim] (then the list begins with it), up to layer `stop`
    (exclusive; the final RMSNorm only when the last layer is run)."""
    B, T = ids.shape
    H, K, D = cfg['n_heads'], cfg['n_kv'], cfg['head']
    cos, sin = rope_tables(cfg, mask)
    m = torch.from_numpy(mask.astype(bool))
    allowed = m[:, None, :].expand(B, T, T)
    if attention == 'causal':
        allowed = allowed & torch.ones(T, T, dtype=torch.bool).tril()[None]
    bias = torch.zeros(B, 1, T, T).masked_fill(~allowed[:, None], NEG_INF)
    x = w['embed'][torch.from_numpy(ids.astype(np.int64))] if entering is None else entering
    states = [x]
    stop = cfg['n_layers'] if stop is None else stop

    def proj(h, weight, layer, name):
        y = h @ weight.t()
        d = lora.delta(h, layer, name)
        return y if d is None else y + d

    for i in range(start, stop):
        h = rms_norm(x, w['rms_att'][i], cfg['eps'])
        q = rope_interleaved(proj(h, w['wq'][i], i, 'wq').view(B, T, H, D), cos, sin).transpose(1, 2)
        k = rope_interleaved(proj(h, w['wk'][i], i, 'wk').view(B, T, K, D), cos, sin).transpose(1, 2)
        v = proj(h, w['wv'][i], i, 'wv').view(B, T, K, D).transpose(1, 2)
        k, v = k.repeat_interleave(H // K, dim=1), v.repeat_interleave(H // K, dim=1)  # head h reads kv head h // (H/K)
        p = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D) + bias, dim=-1)
        o = (p @ v).transpose(1, 2).reshape(B, T, H * D)
        x = x + proj(o, w['wo'][i], i, 'wo')
        h = rms_norm(x, w['rms_ffn'][i], cfg['eps'])
        g = proj(h, w['w1'][i], i, 'wGate')
        u = proj(h, w['w3'][i], i, 'wUp')
        x = x + proj(F.silu(g) * u, w['w2'][i], i, 'wDown')
        states.append(x)
    if stop == cfg['n_layers']:
        states[-1] = rms_norm(x, w['rms_final'], cfg['eps'])
    return states


def layer_norm(x, p, name):
    return F.layer_norm(x, x.shape[-1:], p[f'{name}.weight'], p[f'{name}.bias'], 1e-5)


def cross_attention(p, prefix, heads, head_dim, q, c, key_mask=None):
    B, Nq, _ = q.shape
    Nc = c.shape[1]
    qn, cn = layer_norm(q, p, f'{prefix}.norm_q'), layer_norm(c, p, f'{prefix}.norm_kv')
    Q = (qn @ p[f'{prefix}.to_q']).view(B, Nq, heads, head_dim).transpose(1, 2)
    Kt = (cn @ p[f'{prefix}.to_k']).view(B, Nc, heads, head_dim).transpose(1, 2)
    V = (cn @ p[f'{prefix}.to_v']).view(B, Nc, heads, head_dim).transpose(1, 2)
    s = Q @ Kt.transpose(-1, -2) / math.sqrt(head_dim)
    if key_mask is not None:
        s = s + ((1 - key_mask) * NEG_INF)[:, None, None, :]
    out = (torch.softmax(s, -1) @ V).transpose(1, 2).reshape(B, Nq, heads * head_dim)
    return out @ p[f'{prefix}.to_out']


def geglu_ff(p, prefix, x):
    """The authors' FeedForward: both Linear layers with bias (ff.b1, ff.b2)."""
    val, gate = (layer_norm(x, p, f'{prefix}.norm') @ p[f'{prefix}.w1'] + p[f'{prefix}.b1']).chunk(2, dim=-1)
    return (val * F.gelu(gate)) @ p[f'{prefix}.w2'] + p[f'{prefix}.b2']


def latent_query_head(p, opts, inputs, key_mask=None):
    """The authors' block: trainable latents query the inputs, GEGLU FF with residual, mean over latents."""
    B = inputs.shape[0]
    q = p['head.latents'].expand(B, *p['head.latents'].shape)
    x = q + cross_attention(p, 'head.cross_attn', opts['heads'], opts['headDim'], q, inputs, key_mask)
    x = x + geglu_ff(p, 'head.ff', x)
    return x.mean(1)


def masked_mean(h, maskf):
    return (h * maskf[:, :, None]).sum(1) / maskf.sum(1, keepdim=True).clamp(min=1)


def pool(design, p, states, mask, below=None):
    """`below`: with a cached prefix, the frozen layers' summaries [B, F, dim] (EOS or mean as the
    attention mode reads them), and `states` begins with the states entering layer F."""
    maskf = torch.from_numpy(mask.astype(np.float32))
    last = torch.from_numpy(mask.shape[1] - 1 - np.argmax(mask[:, ::-1], axis=1).astype(np.int64))
    rows = torch.arange(mask.shape[0])
    eos = lambda h: h[rows, last]
    name, opts, attention = design['pooling'], design['poolingOptions'], design['attention']
    if name == 'eos-last':
        return eos(states[-1])
    if name == 'last-layer-trainable':
        if attention == 'causal':
            return latent_query_head(p, opts, eos(states[-1])[:, None, :])
        return latent_query_head(p, opts, states[-1], maskf if opts.get('maskPadding', True) else None)
    if name == 'multi-layer-trainable':
        per = [eos(h) if attention == 'causal' else masked_mean(h, maskf) for h in states[1:]]
        stacked = torch.stack(per, 1) if below is None else torch.cat([below, torch.stack(per, 1)], 1)
        return latent_query_head(p, opts, stacked + p['head.layer_embedding'])
    if name == 'latent-attention':
        tokens = states[-1]
        ctx = p['head.latents'].expand(tokens.shape[0], *p['head.latents'].shape)
        x = tokens + cross_attention(p, 'head.cross_attn', opts['heads'], opts['headDim'], tokens, ctx)
        x = x + geglu_ff(p, 'head.ff', x)
        return masked_mean(x, maskf)
    raise ValueError(f'unknown pooling {name}')


def embed(cfg, w, design, p, lora, ids, mask, prefix=None):
    if prefix is None:
        states = decoder(cfg, w, ids, mask, design['attention'], lora)
        e = pool(design, p, states, mask)
    else:
        frozen, cache = prefix
        entering, below = assemble_prefix(cache, ids, mask, design['attention'], cfg['dim'])
        states = decoder(cfg, w, ids, mask, design['attention'], lora, start=frozen, entering=entering)
        e = pool(design, p, states, mask, below)
    return e / e.norm(dim=-1, keepdim=True).clamp(min=1e-12)


def text_prefix(cfg, w, ids_row, attention, frozen):
    """One text alone (no padding) through the frozen layers: (entering [n, dim], eos [F, dim], mean [F, dim])."""
    ids = ids_row[None, :]
    with torch.no_grad():
        states = decoder(cfg, w, ids, np.ones_like(ids), attention, Lora({}, 1, 1, 0.0), stop=frozen)
    layers = torch.stack([h[0] for h in states[1:]])  # [F, n, dim]
    return states[frozen][0], layers[:, -1], layers.mean(1)


def fill_prefix_cache(cfg, w, batches, attention, frozen, cache):
    """Every text of the batches not yet cached; returns how many were computed."""
    n = 0
    for ids, mask in batches:
        for r in range(ids.shape[0]):
            key = tuple(ids[r][mask[r] == 1].tolist())
            if key not in cache:
                cache[key] = text_prefix(cfg, w, np.array(key, dtype=np.int64), attention, frozen)
                n += 1
    return n


def assemble_prefix(cache, ids, mask, attention, dim):
    """The batch's states entering layer F (zeros at padding) and the frozen layers' summaries."""
    B, T = ids.shape
    entering = torch.zeros(B, T, dim)
    below = []
    for r in range(B):
        real = mask[r] == 1
        enter, eos, mean = cache[tuple(ids[r][real].tolist())]
        entering[r, torch.from_numpy(real)] = enter
        below.append(eos if attention == 'causal' else mean)
    return entering, torch.stack(below)


def info_nce(q, pos, neg, scale):
    cands = torch.cat([pos, neg], 0)
    logits = (q @ cands.t()) * scale
    return F.cross_entropy(logits, torch.arange(q.shape[0]))


def lr_at(step, peak, warmup, total):
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * max(0.0, (total - step) / max(1, total - warmup))


# ---------------------------------------------------------------- the bench

def ts_to_interleaved_columns(b, heads, head):
    """LoRA B of wq/wk from the tfjs side has its output columns in half-split RoPE order; undo it."""
    half = head // 2
    src = [2 * j if j < half else 2 * (j - half) + 1 for j in range(head)]
    out = torch.empty_like(b)
    for h in range(heads):
        for j in range(head):
            out[:, h * head + src[j]] = b[:, h * head + j]
    return out


def load_design_params(cfg, path):
    p = read_safetensors(path)
    for i in range(cfg['n_layers']):
        for proj, heads in (('wq', cfg['n_heads']), ('wk', cfg['n_kv'])):
            k = f'lora.layers.{i}.{proj}.lora_B'
            if k in p:
                p[k] = ts_to_interleaved_columns(p[k], heads, cfg['head'])
    for t in p.values():
        t.requires_grad_(True)
    return p


def batch_arrays(b):
    return (np.array(b['ids'], dtype=np.int64).reshape(b['batch'], b['seqLen']),
            np.array(b['mask'], dtype=np.int64).reshape(b['batch'], b['seqLen']))


def train_design(cfg, w, spec, design, lora_layers=None):
    prof = spec['profile']
    prefix, prefix_seconds, prefix_texts = None, 0.0, 0
    if lora_layers is not None:
        frozen, cache = cfg['n_layers'] - lora_layers, {}
        t0 = time.perf_counter()
        prefix_texts = fill_prefix_cache(cfg, w, [batch_arrays(b) for b in spec['batches']], design['attention'], frozen, cache)
        prefix_seconds = time.perf_counter() - t0
        prefix = (frozen, cache)
    p = load_design_params(cfg, design['initialWeights'])
    lora = Lora(p, prof['lora']['rank'], prof['lora']['alpha'], prof['lora']['dropout'])
    decay = [t for t in p.values() if t.dim() >= 2]
    no_decay = [t for t in p.values() if t.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': prof['weightDecay']}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=prof['lr'], betas=(0.9, 0.999), eps=1e-8)
    params = list(p.values())
    total = len(spec['batches'])
    times, cpu_times, losses = [], [], []
    for step, b in enumerate(spec['batches']):
        t0, c0 = time.perf_counter(), time.process_time()
        ids, mask = batch_arrays(b)
        n = b['batch'] // 3
        lora.training = True
        e = embed(cfg, w, design, p, lora, ids, mask, prefix)
        loss = info_nce(e[:n], e[n:2 * n], e[2 * n:], prof['scale'])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, prof['clipNorm'])
        for g in opt.param_groups:
            g['lr'] = lr_at(step, prof['lr'], prof['warmupSteps'], total)
        opt.step()
        losses.append(loss.item())
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)  # all threads of the process together
    out = {'design': design['name'], 'stepSeconds': times, 'stepCpuSeconds': cpu_times, 'losses': losses}
    if lora_layers is not None:
        out.update(loraLayers=lora_layers, prefixSeconds=prefix_seconds, prefixTexts=prefix_texts)
    return out


def encode(cfg, w, spec):
    enc = spec['encode']
    design = enc['design']
    p = load_design_params(cfg, design['initialWeights'])
    lora = Lora(p, spec['profile']['lora']['rank'], spec['profile']['lora']['alpha'], 0.0)
    batches = [batch_arrays(b) for b in enc['batches']]
    with torch.no_grad():
        for ids, mask in batches:  # a first pass, as on the tfjs side
            embed(cfg, w, design, p, lora, ids, mask)
        out = []
        t0 = time.perf_counter()
        for ids, mask in batches:
            out.append(embed(cfg, w, design, p, lora, ids, mask))
        seconds = time.perf_counter() - t0
    got = torch.cat(out).numpy()
    want = np.fromfile(enc['tfjsEmbeddings'], dtype='<f4').reshape(got.shape)
    return {'texts': int(got.shape[0]), 'seconds': seconds, 'textsPerSecond': got.shape[0] / seconds,
            'maxAbsDiffVsTfjs': float(np.abs(got - want).max())}


def main():
    spec = json.load(open(sys.argv[1]))
    threads = int(sys.argv[2])
    lora_layers = int(sys.argv[sys.argv.index('--lora-layers') + 1]) if '--lora-layers' in sys.argv else None
    torch.set_num_threads(threads)
    torch.manual_seed(spec['seed'])
    cfg, w = load_gguf(spec['gguf']) if spec.get('gguf') else load_llama2c(spec['checkpoint'])
    result = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'designs': []}
    for d in spec['designs']:
        result['designs'].append(train_design(cfg, w, spec, d, lora_layers))  # one design per spec from bench/run.ts
    if spec.get('encode'):
        result['encode'] = encode(cfg, w, spec)
    result['peakRssMB'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump(result, sys.stdout)


if __name__ == '__main__':
    main()

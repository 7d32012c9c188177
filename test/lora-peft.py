# The reference of test/lora-peft.test.ts: Hugging Face PEFT's LoRA layer (peft.LoraConfig +
# get_peft_model on a tiny torch module with SmolLM2-135M's seven projections as nn.Linear, no bias)
# on the weights the test wrote, in float32 as the project computes.
#
# argv[1]: a folder with spec.json and, per projection P, P.W.f32 (our layout [in, out]), P.A.f32
# ([in, rank]), P.B.f32 ([rank, out]), P.x.f32 ([rows, in]) and P.g.f32 ([rows, out], the cotangent of
# the output). PyTorch's nn.Linear keeps [out, in], PEFT's lora_A [rank, in] and lora_B [out, rank]:
# each is the transpose of ours. Writes P.y.f32 (output), P.dx.f32, P.dA.f32 and P.dB.f32 (gradients of
# sum(y * g), in our layouts); stdout: JSON {peft, scaling: {P: PEFT's scaling}}.
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import peft
from peft import LoraConfig, get_peft_model

d = sys.argv[1]
spec = json.load(open(os.path.join(d, 'spec.json')))
r, alpha, dropout = spec['rank'], spec['alpha'], spec['dropout']
names = spec['projections']  # {ours: [hf name, in, out]}
torch.manual_seed(0)


class Projections(nn.Module):
    def __init__(self):
        super().__init__()
        for _, (hf, i, o) in names.items():
            setattr(self, hf, nn.Linear(i, o, bias=False))


def read(name, *shape):
    return torch.from_numpy(np.fromfile(os.path.join(d, name), dtype='<f4').reshape(shape))


def write(name, t):
    t.detach().numpy().astype('<f4').tofile(os.path.join(d, name))


base = Projections()
with torch.no_grad():
    for ours, (hf, i, o) in names.items():
        getattr(base, hf).weight.copy_(read(f'{ours}.W.f32', i, o).t())
model = get_peft_model(base, LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, target_modules=[v[0] for v in names.values()], bias='none'))
model.eval()  # dropout off, as the project's LoRA outside training
scaling = {}
for ours, (hf, i, o) in names.items():
    layer = getattr(model.base_model.model, hf)
    assert isinstance(layer, peft.tuners.lora.Linear), type(layer)
    with torch.no_grad():
        layer.lora_A['default'].weight.copy_(read(f'{ours}.A.f32', i, r).t())
        layer.lora_B['default'].weight.copy_(read(f'{ours}.B.f32', r, o).t())
    scaling[ours] = layer.scaling['default']
    x = read(f'{ours}.x.f32', -1, i).clone().requires_grad_(True)
    y = layer(x)
    (y * read(f'{ours}.g.f32', -1, o)).sum().backward()
    write(f'{ours}.y.f32', y)
    write(f'{ours}.dx.f32', x.grad)
    write(f'{ours}.dA.f32', layer.lora_A['default'].weight.grad.t())
    write(f'{ours}.dB.f32', layer.lora_B['default'].weight.grad.t())
    assert getattr(base, hf).base_layer.weight.grad is None  # the base weight is frozen
json.dump({'peft': peft.__version__, 'scaling': scaling}, sys.stdout)

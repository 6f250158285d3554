#!/usr/bin/python3
"""Writes test/fixtures/models/: torchvision 0.14 ResNets for test/models.resnet.test.ts.

    /usr/bin/python3 scripts/gen-fixtures-models.py

- resnet18-names.json: every state-dict key of torchvision.models.resnet18() with its shape
  (the full-width network; its weights would be 45 MB, its names and shapes are what matter).
- resnet18-w8.pt: `torch.save(model.state_dict())` of torchvision's ResNet(BasicBlock,
  [2, 2, 2, 2], num_classes=10) built by torchvision's own code with every width divided by 8
  (stem 8, stages 8/16/32/64: 0.18 M parameters instead of 11.7 M), after three train-mode
  forwards so that the running statistics are not the initial 0 / 1.
- resnet18-w8-io.pt: a fixed input, the eval-mode logits, then the train-mode logits of one
  forward and every BatchNorm buffer after it.
- cifar-resnet8.pt: a CIFAR ResNet-8 (torchvision's BasicBlock, stages 8/16/32, 1 input
  channel, 28x28 inputs as Fashion-MNIST), its initial state dict, four SGD steps (momentum
  0.9, weight decay 5e-4) on fixed batches with each step's loss, the state dict after them,
  and the eval-mode logits on a test batch.

Seeded; a rerun writes the same values.
"""
import json
import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
import torchvision
from torchvision.models.resnet import BasicBlock, ResNet

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cifar_resnet import CifarResNet  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'models')
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(11)
assert torchvision.__version__.startswith('0.14'), torchvision.__version__


class NarrowResNet(ResNet):
    """torchvision's ResNet with every width divided by `div`, built by torchvision's own
    __init__ and _make_layer: the stem's `self.inplanes = 64` and each stage's `planes` are
    scaled on the way in; fc (hard-coded 512 * expansion inputs) is rebuilt at the right width."""

    def __init__(self, div, layers, num_classes):
        object.__setattr__(self, '_div', div)
        super().__init__(BasicBlock, layers, num_classes=num_classes)
        self.fc = nn.Linear(512 // div * BasicBlock.expansion, num_classes)

    @property
    def inplanes(self):
        return self._inplanes

    @inplanes.setter
    def inplanes(self, value):
        # The first assignment is __init__'s literal 64; _make_layer's later ones are already scaled.
        if '_inplanes' not in self.__dict__:
            value //= self._div
        object.__setattr__(self, '_inplanes', value)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        return super()._make_layer(block, planes // self._div, blocks, stride, dilate)


# 1. The names and shapes of the real resnet18.
full = torchvision.models.resnet18()
with open(os.path.join(OUT, 'resnet18-names.json'), 'w') as f:
    json.dump([[k, list(v.shape)] for k, v in full.state_dict().items()], f)
    f.write('\n')

# 2. A width-8 resnet18 with trained-looking BatchNorm statistics and affine parameters.
model = NarrowResNet(8, [2, 2, 2, 2], num_classes=10)
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.2, 0.2)
    model.train()
    for _ in range(3):
        model(torch.randn(4, 3, 64, 64))
torch.save(model.state_dict(), os.path.join(OUT, 'resnet18-w8.pt'))

x = torch.randn(2, 3, 64, 64)
with torch.no_grad():
    model.eval()
    eval_logits = model(x)
    model.train()
    train_logits = model(x)
buffers = OrderedDict((k, v.clone()) for k, v in model.state_dict().items()
                      if 'running_' in k or 'num_batches_tracked' in k)
torch.save({'input': x, 'eval_logits': eval_logits, 'train_logits': train_logits, 'buffers': buffers},
           os.path.join(OUT, 'resnet18-w8-io.pt'))


# 3. A CIFAR ResNet-8 trained for a few SGD steps.
STEPS, BATCH = 4, 8
OPTIM = {'lr': 0.05, 'momentum': 0.9, 'weight_decay': 5e-4}
net = CifarResNet()
initial = OrderedDict((k, v.clone()) for k, v in net.state_dict().items())
inputs = torch.randn(STEPS, BATCH, 1, 28, 28)
labels = torch.randint(0, 10, (STEPS, BATCH))
optimizer = torch.optim.SGD(net.parameters(), **OPTIM)
criterion = nn.CrossEntropyLoss()
losses = []
net.train()
for s in range(STEPS):
    optimizer.zero_grad()
    loss = criterion(net(inputs[s]), labels[s])
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
final = OrderedDict((k, v.clone()) for k, v in net.state_dict().items())
test_input = torch.randn(BATCH, 1, 28, 28)
net.eval()
with torch.no_grad():
    test_logits = net(test_input)
torch.save({
    'initial': initial, 'inputs': inputs, 'labels': labels.int(), 'losses': torch.tensor(losses, dtype=torch.float64),
    'final': final, 'test_input': test_input, 'test_logits': test_logits,
    'options': OPTIM,
}, os.path.join(OUT, 'cifar-resnet8.pt'))
print('wrote', sorted(os.listdir(OUT)))

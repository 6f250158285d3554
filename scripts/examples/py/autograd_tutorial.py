"""Fixture for scripts/examples/autograd_tutorial.ts: blitz/autograd_tutorial.py with the
ResNet-18 created without pretrained weights (weights=None; the port downloads none) and its
parameters, `data` and `labels` set by formula_values (common.py), which the test computes
too. The rest runs as the original."""
import torch
from torchvision.models import resnet18
from common import Recorder, formula_values, values, write

torch.manual_seed(0)
print_ = Recorder()


def set_by_formula(named):
    with torch.no_grad():
        for name, t in named:
            t.copy_(formula_values(name, t.numel()).view(t.shape))


model = resnet18(weights=None)
set_by_formula(model.named_parameters())
data = torch.rand(1, 3, 64, 64)
labels = torch.rand(1, 1000)
set_by_formula([('data', data), ('labels', labels)])

prediction = model(data)
loss = (prediction - labels).sum()
loss.backward()
optim = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
optim.step()
# The classifier's bias after the step checks the step; deeper layers' gradients are not
# compared: with formula weights, batch norm over layer4's 2x2 maps divides by tiny spreads
# and float32 rounding moves conv1's gradient by tens of percent (PyTorch's own float64 run
# disagrees with its float32 one there too).
trained = dict(prediction=values(prediction), loss=values(loss), fcBias=values(model.fc.bias))

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3*a**3 - b**2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print_(9*a**2 == a.grad)
print_(-2*b == b.grad)
gradients = dict(aGrad=values(a.grad), bGrad=values(b.grad))

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)
a = x + y
print_(f"Does `a` require gradients? : {a.requires_grad}")
b = x + z
print_(f"Does `b` require gradients?: {b.requires_grad}")

from torch import nn, optim
model = resnet18(weights=None)
for param in model.parameters():
    param.requires_grad = False
model.fc = nn.Linear(512, 10)
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
trainable = [name for name, p in model.named_parameters() if p.requires_grad]

write('autograd_tutorial', dict(init={}, printed=print_.printed, final=dict(trained, **gradients),
                                trainable=trainable))

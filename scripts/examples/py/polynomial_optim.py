"""Fixture for scripts/examples/polynomial_optim.ts: examples_nn/polynomial_optim.py with the
port's test settings (300 steps instead of 2000); see common.py."""
import math
import torch
from common import Recorder, named_values, values, write

STEPS = 300
torch.manual_seed(0)
print_ = Recorder()

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
init = named_values(model.named_parameters())
loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-6
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
for t in range(STEPS):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print_(t, loss.item())
    optimizer.zero_grad(set_to_none=True)  # the default since PyTorch 2.0 (torchlet follows 2.x); 1.13 zero-fills
    loss.backward()
    optimizer.step()

linear_layer = model[0]
print_(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + {linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
write('polynomial_optim', dict(steps=STEPS, init=init, printed=print_.printed,
                               final=dict(weight=values(linear_layer.weight), bias=values(linear_layer.bias))))

"""Fixture for scripts/examples/polynomial_module.ts: examples_nn/polynomial_module.py with the
port's test settings (300 steps instead of 2000); see common.py."""
import math
import torch
from common import Recorder, named_values, values, write

STEPS = 300
torch.manual_seed(0)
print_ = Recorder()


class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3'


x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
model = Polynomial3()
init = named_values(model.named_parameters())
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
for t in range(STEPS):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 100 == 99:
        print_(t, loss.item())
    optimizer.zero_grad(set_to_none=True)  # the default since PyTorch 2.0 (torchlet follows 2.x); 1.13 zero-fills
    loss.backward()
    optimizer.step()

print_(f'Result: {model.string()}')
write('polynomial_module', dict(steps=STEPS, init=init, printed=print_.printed,
                                final=named_values(model.named_parameters())))

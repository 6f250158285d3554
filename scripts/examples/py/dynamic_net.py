"""Fixture for scripts/examples/dynamic_net.ts: examples_nn/dynamic_net.py with the port's test
settings (2000 steps instead of 30000); see common.py. Python's random.randint draws are
recorded so that the port replays them."""
import math
import random
import torch
from common import Recorder, named_values, write

STEPS = 2000
torch.manual_seed(0)
random.seed(0)
print_ = Recorder()
draws = []


def randint(a, b):
    v = random.randint(a, b)
    draws.append(v)
    return v


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))
        self.e = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, randint(4, 6)):
            y = y + self.e * x ** exp
        return y

    def string(self):
        return f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3 + {self.e.item()} x^4 ? + {self.e.item()} x^5 ?'


x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
model = DynamicNet()
init = named_values(model.named_parameters())
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
for t in range(STEPS):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 2000 == 1999:
        print_(t, loss.item())
    optimizer.zero_grad(set_to_none=True)  # the default since PyTorch 2.0 (torchlet follows 2.x); 1.13 zero-fills
    loss.backward()
    optimizer.step()

print_(f'Result: {model.string()}')
write('dynamic_net', dict(steps=STEPS, init=init, draws=draws, printed=print_.printed,
                          final=named_values(model.named_parameters())))

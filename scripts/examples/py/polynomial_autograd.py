"""Fixture for scripts/examples/polynomial_autograd.ts: examples_autograd/polynomial_autograd.py
with the port's test settings (300 steps instead of 2000); see common.py."""
import math
import torch
from common import Recorder, values, write

STEPS = 300
torch.manual_seed(0)
print_ = Recorder()

dtype = torch.float
x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = torch.sin(x)

a = torch.randn((), dtype=dtype, requires_grad=True)
b = torch.randn((), dtype=dtype, requires_grad=True)
c = torch.randn((), dtype=dtype, requires_grad=True)
d = torch.randn((), dtype=dtype, requires_grad=True)
init = {k: values(v) for k, v in dict(a=a, b=b, c=c, d=d).items()}

learning_rate = 1e-6
for t in range(STEPS):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print_(t, loss.item())
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print_(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
write('polynomial_autograd', dict(steps=STEPS, init=init, printed=print_.printed,
                                  final={k: values(v) for k, v in dict(a=a, b=b, c=c, d=d).items()}))

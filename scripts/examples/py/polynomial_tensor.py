"""Fixture for scripts/examples/polynomial_tensor.ts: examples_tensor/polynomial_tensor.py with
the port's test settings (300 steps instead of 2000); see common.py."""
import math
import torch
from common import Recorder, values, write

STEPS = 300
torch.manual_seed(0)
print_ = Recorder()

dtype = torch.float
device = torch.device("cpu")
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

a = torch.randn((), device=device, dtype=dtype)
b = torch.randn((), device=device, dtype=dtype)
c = torch.randn((), device=device, dtype=dtype)
d = torch.randn((), device=device, dtype=dtype)
init = {k: values(v) for k, v in dict(a=a, b=b, c=c, d=d).items()}

learning_rate = 1e-6
for t in range(STEPS):
    y_pred = a + (b * x) + (c * x.pow(2)) + (d * x.pow(3))
    loss = (y_pred - y).pow(2).sum().item()
    if t % 100 == 99:
        print_(t, loss)
    grad_y_pred = -2.0 * (y - y_pred)
    grad_a = grad_y_pred.sum()
    grad_b = torch.matmul(input=grad_y_pred, other=x).sum()
    grad_c = torch.matmul(input=grad_y_pred, other=x.pow(2)).sum()
    grad_d = torch.matmul(input=grad_y_pred, other=x.pow(3)).sum()
    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d

print_(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
write('polynomial_tensor', dict(steps=STEPS, init=init, printed=print_.printed,
                                final={k: values(v) for k, v in dict(a=a, b=b, c=c, d=d).items()}))

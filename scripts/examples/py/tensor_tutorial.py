"""Fixture for scripts/examples/tensor_tutorial.ts: blitz/tensor_tutorial.py as is (it is small);
see common.py. Every random tensor it draws is recorded as a starting value. One change: the
NumPy array made by np.ones(5) is float32 here, as the port's Float32Array (torchlet has no
float64)."""
import numpy as np
import torch
from common import Recorder, values, write

torch.manual_seed(0)
print_ = Recorder()
init = {}

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)

np_array = np.array(data)
x_np = torch.from_numpy(np_array)

x_ones = torch.ones_like(x_data)
print_(f"Ones Tensor: \n {x_ones} \n")

x_rand = torch.rand_like(x_data, dtype=torch.float)
init['xRand'] = values(x_rand)
print_(f"Random Tensor: \n {x_rand} \n")

shape = (2, 3,)
rand_tensor = torch.rand(shape)
init['randTensor'] = values(rand_tensor)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)

print_(f"Random Tensor: \n {rand_tensor} \n")
print_(f"Ones Tensor: \n {ones_tensor} \n")
print_(f"Zeros Tensor: \n {zeros_tensor}")

tensor = torch.rand(3, 4)
init['tensor'] = values(tensor)

print_(f"Shape of tensor: {tensor.shape}")
print_(f"Datatype of tensor: {tensor.dtype}")
print_(f"Device tensor is stored on: {tensor.device}")

if torch.cuda.is_available():
    tensor = tensor.to('cuda')
    print_(f"Device tensor is stored on: {tensor.device}")

tensor = torch.ones(4, 4)
tensor[:,1] = 0
print_(tensor)

t1 = torch.cat([tensor, tensor, tensor], dim=1)
print_(t1)

print_(f"tensor.mul(tensor) \n {tensor.mul(tensor)} \n")
print_(f"tensor * tensor \n {tensor * tensor}")

print_(f"tensor.matmul(tensor.T) \n {tensor.matmul(tensor.T)} \n")
print_(f"tensor @ tensor.T \n {tensor @ tensor.T}")

print_(tensor, "\n")
tensor.add_(5)
print_(tensor)

t = torch.ones(5)
print_(f"t: {t}")
n = t.numpy()
print_(f"n: {n}")

t.add_(1)
print_(f"t: {t}")
print_(f"n: {n}")

n = np.ones(5, dtype=np.float32)  # the original: np.ones(5), float64
t = torch.from_numpy(n)

np.add(n, 1, out=n)
print_(f"t: {t}")
print_(f"n: {n}")

write('tensor_tutorial', dict(init=init, printed=print_.printed,
                              final=dict(xNp=values(x_np.float()), t1=values(t1), tensor=values(tensor), t=values(t))))

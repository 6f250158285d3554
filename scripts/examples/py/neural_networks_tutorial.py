"""Fixture for scripts/examples/neural_networks_tutorial.ts: blitz/neural_networks_tutorial.py
as is (it is small); see common.py. Every random tensor it draws is recorded as a starting
value."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from common import Recorder, named_values, values, write

torch.manual_seed(0)
print_ = Recorder()


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        c1 = F.relu(self.conv1(input))
        s2 = F.max_pool2d(c1, (2, 2))
        c3 = F.relu(self.conv2(s2))
        s4 = F.max_pool2d(c3, 2)
        s4 = torch.flatten(s4, 1)
        f5 = F.relu(self.fc1(s4))
        f6 = F.relu(self.fc2(f5))
        output = self.fc3(f6)
        return output


net = Net()
init = named_values(net.named_parameters())
print_(net)

params = list(net.parameters())
print_(len(params))
print_(params[0].size())

input = torch.randn(1, 1, 32, 32)
init['input'] = values(input)
out = net(input)
print_(out)

net.zero_grad(set_to_none=True)  # the default since PyTorch 2.0 (torchlet follows 2.x)
gradient = torch.randn(1, 10)
init['gradient'] = values(gradient)
out.backward(gradient)

output = net(input)
target = torch.randn(10)
init['target'] = values(target)
target = target.view(1, -1)
criterion = nn.MSELoss()

loss = criterion(output, target)
print_(loss)

print_(loss.grad_fn)
print_(loss.grad_fn.next_functions[0][0])
print_(loss.grad_fn.next_functions[0][0].next_functions[0][0])

net.zero_grad(set_to_none=True)  # the default since PyTorch 2.0 (torchlet follows 2.x)

print_('conv1.bias.grad before backward')
print_(net.conv1.bias.grad)

loss.backward()

print_('conv1.bias.grad after backward')
print_(net.conv1.bias.grad)

write('neural_networks_tutorial', dict(init=init, printed=print_.printed,
                                       final=dict(out=values(out), loss=values(loss))))

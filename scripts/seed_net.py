"""The seed recipe's `Net` (../shared/seed/), shared by the Python scripts that run PyTorch
beside torchlet: gen-fixtures.py (parity fixtures), bench-torch.py and bench-torch-fmnist.py.

`in_channels` is 3 for CIFAR-10 (the recipe) and 1 for Fashion-MNIST; nothing else changes.
Imported from the scripts next to it (python3 puts a script's own folder on sys.path).
"""
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, in_channels=3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

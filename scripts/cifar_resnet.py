"""The CIFAR ResNet of torchlet's models.cifarResNet, in PyTorch: shared by the fixture script
(gen-fixtures-models.py) and the model-zoo bench (bench-zoo-torch.py)."""
import torch
import torch.nn as nn
from torchvision.models.resnet import BasicBlock


class CifarResNet(nn.Module):
    """He et al.'s CIFAR ResNet with torchvision's BasicBlock and downsample (1x1 conv + BN):
    the architecture of torchlet's models.cifarResNet, with the same names."""

    def __init__(self, depth=8, in_channels=1, num_classes=10, width=8):
        super().__init__()
        n = (depth - 2) // 6
        w = width
        self.conv1 = nn.Conv2d(in_channels, w, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(w, w, n, 1)
        self.layer2 = self._make_layer(w, 2 * w, n, 2)
        self.layer3 = self._make_layer(2 * w, 4 * w, n, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(4 * w, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')

    @staticmethod
    def _make_layer(inplanes, planes, blocks, stride):
        downsample = None
        if stride != 1 or inplanes != planes:
            downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))
        layers = [BasicBlock(inplanes, planes, stride, downsample)]
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))

"""Fixture for scripts/examples/cifar10_tutorial.ts: the 60 Minute Blitz's "Training a
Classifier" (pytorch/tutorials beginner_source/blitz/cifar10_tutorial.py, commit c53e7d4), run
on a small synthetic CIFAR-10 set (example_data.cifar_batches: 5 x 8 training images, 20 test
images) with the test's setting: statistics every 5 mini-batches instead of 2000.

The tutorial does not seed; this script calls torch.manual_seed(0) before it, as the test calls
manualSeed(0) before the port, so that the random parts (the DataLoader's shuffles and seeds,
the Net's starting weights) are torch's on both sides. The starting state dict is also written
(test/fixtures/examples/cifar10_tutorial_start.pt, by torch.save) for the test to read with
io.load. Plotting (imshow) is left out. Writes test/fixtures/examples/cifar10_tutorial.json.
Run with Debian's PyTorch 1.13:  /usr/bin/python3 scripts/examples/py/cifar10_tutorial.py
"""
import builtins
import json
import os
import pickle
import tempfile

import numpy as np
import torch
import torchvision.datasets.cifar as cifar_module
from example_data import cifar_batches, digest, samples

PER_FILE = 8
TEST_COUNT = 20
PRINT_EVERY = 5
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'test', 'fixtures', 'examples')

printed = []


def print(*args, **kwargs):  # noqa: A001 -- stands in for the tutorial's print
    builtins.print(*args, **kwargs)
    printed.append(' '.join(str(a) for a in args))


def write_data(root):
    folder = os.path.join(root, 'cifar-10-batches-py')
    os.makedirs(folder)
    chunks = []
    for name, images, labels in cifar_batches(PER_FILE, TEST_COUNT):
        with open(os.path.join(folder, name), 'wb') as f:
            pickle.dump({'data': images, 'labels': [int(v) for v in labels]}, f)
        chunks += [images.tobytes(), labels.tobytes()]
    with open(os.path.join(folder, 'batches.meta'), 'wb') as f:
        pickle.dump({'label_names': ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']}, f)
    return digest(chunks)


def tutorial():
    """The tutorial's code, top to bottom (2000 -> PRINT_EVERY; plotting left out)."""
    global net
    import torch
    import torchvision
    import torchvision.transforms as transforms

    transform = transforms.Compose(
        [transforms.ToTensor(),
         transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])

    batch_size = 4

    trainset = torchvision.datasets.CIFAR10(root='./data', train=True,
                                            download=True, transform=transform)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size,
                                              shuffle=True, num_workers=2)

    testset = torchvision.datasets.CIFAR10(root='./data', train=False,
                                           download=True, transform=transform)
    testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size,
                                             shuffle=False, num_workers=2)

    classes = ('plane', 'car', 'bird', 'cat',
               'deer', 'dog', 'frog', 'horse', 'ship', 'truck')

    # get some random training images
    dataiter = iter(trainloader)
    images, labels = next(dataiter)

    # show images: imshow(torchvision.utils.make_grid(images)) left out
    # print labels
    print(' '.join(f'{classes[labels[j]]:5s}' for j in range(batch_size)))

    import torch.nn as nn
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1) # flatten all dimensions except batch
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    net = Net()
    torch.save(net.state_dict(), os.path.join(OUT_DIR, 'cifar10_tutorial_start.pt'))

    import torch.optim as optim

    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

    for epoch in range(2):  # loop over the dataset multiple times

        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            # get the inputs; data is a list of [inputs, labels]
            inputs, labels = data

            # zero the parameter gradients
            optimizer.zero_grad()

            # forward + backward + optimize
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()

            # print statistics
            running_loss += loss.item()
            if i % PRINT_EVERY == PRINT_EVERY - 1:    # print every 2000 mini-batches
                print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / PRINT_EVERY:.3f}')
                RECORD['runningLosses'].append(running_loss / PRINT_EVERY)
                running_loss = 0.0

    print('Finished Training')
    RECORD['final'] = {name: samples(p) for name, p in net.named_parameters()}

    PATH = './cifar_net.pth'
    torch.save(net.state_dict(), PATH)

    dataiter = iter(testloader)
    images, labels = next(dataiter)

    # print images: imshow(torchvision.utils.make_grid(images)) left out
    print('GroundTruth: ', ' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))

    net = Net()
    net.load_state_dict(torch.load(PATH))

    outputs = net(images)
    RECORD['outputs'] = [float(v) for v in outputs.reshape(-1)]

    _, predicted = torch.max(outputs, 1)

    print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}'
                                  for j in range(4)))

    correct = 0
    total = 0
    # since we're not training, we don't need to calculate the gradients for our outputs
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            # calculate outputs by running images through the network
            outputs = net(images)
            # the class with the highest energy is what we choose as prediction
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()

    print(f'Accuracy of the network on the 10000 test images: {100 * correct // total} %')

    # prepare to count predictions for each class
    correct_pred = {classname: 0 for classname in classes}
    total_pred = {classname: 0 for classname in classes}

    # again no gradients needed
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predictions = torch.max(outputs, 1)
            # collect the correct predictions for each class
            for label, prediction in zip(labels, predictions):
                if label == prediction:
                    correct_pred[classes[label]] += 1
                total_pred[classes[label]] += 1

    # print accuracy for each class
    for classname, correct_count in correct_pred.items():
        accuracy = 100 * float(correct_count) / total_pred[classname]
        print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')

    device = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')

    # Assuming that we are on a CUDA machine, this should print a CUDA device:

    print(device)

    del dataiter


RECORD = {'runningLosses': []}


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    cifar_module.check_integrity = lambda *args, **kwargs: True  # synthetic files: no MD5 to match
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        sha = write_data(os.path.join(tmp, 'data'))
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            tutorial()
        finally:
            os.chdir(cwd)
    fixture = {
        'source': 'pytorch/tutorials beginner_source/blitz/cifar10_tutorial.py @ c53e7d4efc0e39e455c531d21ec7db28ba220214',
        'perFile': PER_FILE, 'testCount': TEST_COUNT, 'printEvery': PRINT_EVERY, 'seed': 0,
        'dataSha256': sha,
        'printed': printed,
        'runningLosses': RECORD['runningLosses'],
        'final': RECORD['final'],
        'outputs': RECORD['outputs'],
        'torchVersion': torch.__version__,
    }
    path = os.path.join(OUT_DIR, 'cifar10_tutorial.json')
    with open(path, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    builtins.print('wrote', os.path.normpath(path))


if __name__ == '__main__':
    main()

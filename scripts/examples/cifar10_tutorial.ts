/**
 * "Deep Learning with PyTorch: A 60 Minute Blitz", Training a Classifier (pytorch/tutorials
 * beginner_source/blitz/cifar10_tutorial.py, commit c53e7d4), line for line: load CIFAR-10,
 * define the Net, train it two epochs with CrossEntropyLoss and SGD with momentum, save it,
 * load it back, and test it overall and per class.
 *
 *     node dist/scripts/examples/cifar10_tutorial.js
 *
 * Run directly, it uses ./data (downloading CIFAR-10 there, as the tutorial does) and prints
 * its statistics every 2000 mini-batches. `main(opts)` runs it from code: its defaults are small
 * (statistics every 5 mini-batches) so that `npm test` can compare it with PyTorch on a small
 * CIFAR-format set (test/examples.cifar10-tutorial.test.ts). Plotting (imshow) is left out.
 */
import { nn, optim, data as datasets, F, io, Tensor, noGrad, max, flatten } from '../../src';
import { Log, consoleLog, fixed } from './common';

export class Net extends nn.Module {
  conv1: nn.Conv2d;
  pool: nn.MaxPool2d;
  conv2: nn.Conv2d;
  fc1: nn.Linear;
  fc2: nn.Linear;
  fc3: nn.Linear;

  constructor() {
    super();
    this.conv1 = new nn.Conv2d(3, 6, 5);
    this.pool = new nn.MaxPool2d(2, 2);
    this.conv2 = new nn.Conv2d(6, 16, 5);
    this.fc1 = new nn.Linear(16 * 5 * 5, 120);
    this.fc2 = new nn.Linear(120, 84);
    this.fc3 = new nn.Linear(84, 10);
  }

  override forward(x: Tensor): Tensor {
    x = this.pool.call(F.relu(this.conv1.call(x)));
    x = this.pool.call(F.relu(this.conv2.call(x)));
    x = flatten(x, 1); // flatten all dimensions except batch
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    x = this.fc3.call(x);
    return x;
  }
}

export interface Cifar10TutorialOptions {
  /** Where `print` goes; the console by default. */
  log?: Log;
  /** The data folder (the tutorial's './data'). */
  root?: string;
  /** Where the trained model is saved and loaded back from (the tutorial's './cifar_net.pth'). */
  path?: string;
  /** Mini-batches between statistics (the tutorial's 2000). */
  printEvery?: number;
  /** The DataLoaders' worker threads (the tutorial's num_workers=2). */
  numWorkers?: number;
  /** Called with the new net's parameters by name, before training (a test checks PyTorch's starting values). */
  init?: (named: Record<string, Tensor>) => void;
}

/** The tutorial's settings; main's defaults differ only in printEvery (5). */
export const ORIGINAL: Required<Pick<Cifar10TutorialOptions, 'root' | 'path' | 'printEvery' | 'numWorkers'>> = {
  root: './data', path: './cifar_net.pth', printEvery: 2000, numWorkers: 2,
};

/** Runs the tutorial; returns the net it loaded back from the saved file. */
export async function main(opts: Cifar10TutorialOptions = {}): Promise<Net> {
  const print = opts.log ?? consoleLog;
  const numWorkers = opts.numWorkers ?? ORIGINAL.numWorkers;
  const printEvery = opts.printEvery ?? 5;
  const root = opts.root ?? ORIGINAL.root;

  const transform = new datasets.Compose([
    new datasets.ToTensor(),
    new datasets.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]);

  const batchSize = 4;

  const trainset = await datasets.CIFAR10.create({ root, train: true, download: true, transform });
  const trainloader = new datasets.DataLoader(trainset, { batchSize, shuffle: true, numWorkers });

  const testset = await datasets.CIFAR10.create({ root, train: false, download: true, transform });
  const testloader = new datasets.DataLoader(testset, { batchSize, shuffle: false, numWorkers });

  const classes = ['plane', 'car', 'bird', 'cat',
    'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

  // get some random training images
  let dataiter = trainloader[Symbol.iterator](); // iter(trainloader)
  let [images, labels] = dataiter.next().value as datasets.Batch; // next(dataiter)

  // show images: imshow(torchvision.utils.make_grid(images)) -- no plotting here
  // print labels: print(' '.join(f'{classes[labels[j]]:5s}' for j in range(batch_size)))
  print(Array.from({ length: batchSize }, (_, j) => classes[labels.index(j).item()].padEnd(5)).join(' '));

  let net = new Net();
  opts.init?.(Object.fromEntries(net.namedParameters()));

  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(net.parameters(), { lr: 0.001, momentum: 0.9 });

  for (let epoch = 0; epoch < 2; epoch++) { // loop over the dataset multiple times

    let runningLoss = 0.0;
    let i = 0;
    for (const data of trainloader) { // for i, data in enumerate(trainloader, 0):
      // get the inputs; data is a list of [inputs, labels]
      const [inputs, labels] = data;

      // zero the parameter gradients
      optimizer.zeroGrad();

      // forward + backward + optimize
      const outputs = net.call(inputs);
      const loss = criterion.call(outputs, labels);
      loss.backward();
      optimizer.step();

      // print statistics
      runningLoss += loss.item();
      if (i % printEvery === printEvery - 1) { // print every 2000 mini-batches
        // print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 2000:.3f}')
        print(`[${epoch + 1}, ${String(i + 1).padStart(5)}] loss: ${fixed(runningLoss / printEvery, 3)}`);
        runningLoss = 0.0;
      }
      i++;
    }
  }

  print('Finished Training');

  const PATH = opts.path ?? ORIGINAL.path;
  io.save(net.stateDict(), PATH); // torch.save(net.state_dict(), PATH)

  dataiter.return?.(); // (Python's garbage collector closes the old iterator and its workers)
  dataiter = testloader[Symbol.iterator](); // iter(testloader)
  [images, labels] = dataiter.next().value as datasets.Batch; // next(dataiter)

  // print images: imshow(torchvision.utils.make_grid(images)) -- no plotting here
  // print('GroundTruth: ', ' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))
  print('GroundTruth: ', Array.from({ length: 4 }, (_, j) => classes[labels.index(j).item()].padEnd(5)).join(' '));

  net = new Net();
  net.loadStateDict(io.load(PATH) as Record<string, Tensor>); // net.load_state_dict(torch.load(PATH))

  let outputs = net.call(images);

  let [, predicted] = max(outputs, 1); // _, predicted = torch.max(outputs, 1)

  // print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}' for j in range(4)))
  print('Predicted: ', Array.from({ length: 4 }, (_, j) => classes[predicted.index(j).item()].padEnd(5)).join(' '));

  let correct = 0;
  let total = 0;
  // since we're not training, we don't need to calculate the gradients for our outputs
  noGrad(() => { // with torch.no_grad():
    for (const data of testloader) {
      [images, labels] = data;
      // calculate outputs by running images through the network
      outputs = net.call(images);
      // the class with the highest energy is what we choose as prediction
      [, predicted] = max(outputs.data, 1);
      total += labels.size(0);
      correct += predicted.eq(labels).sum().item(); // (predicted == labels).sum().item()
    }
  });

  // print(f'Accuracy of the network on the 10000 test images: {100 * correct // total} %')
  print(`Accuracy of the network on the 10000 test images: ${Math.floor(100 * correct / total)} %`);

  // prepare to count predictions for each class
  const correctPred = new Map(classes.map((classname) => [classname, 0])); // {classname: 0 for classname in classes}
  const totalPred = new Map(classes.map((classname) => [classname, 0]));

  // again no gradients needed
  noGrad(() => {
    for (const data of testloader) {
      [images, labels] = data;
      outputs = net.call(images);
      const [, predictions] = max(outputs, 1);
      // collect the correct predictions for each class
      // for label, prediction in zip(labels, predictions):
      const labelList = labels.unbind();
      const predictionList = predictions.unbind();
      labelList.forEach((label, k) => {
        const prediction = predictionList[k];
        if (label.eq(prediction).item()) { // if label == prediction:
          correctPred.set(classes[label.item()], correctPred.get(classes[label.item()])! + 1);
        }
        totalPred.set(classes[label.item()], totalPred.get(classes[label.item()])! + 1);
      });
    }
  });

  // print accuracy for each class
  for (const [classname, correctCount] of correctPred) {
    const accuracy = 100 * correctCount / totalPred.get(classname)!;
    // print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')
    print(`Accuracy for class: ${classname.padEnd(5)} is ${fixed(accuracy, 1)} %`);
  }

  // device = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu'): the CPU here
  const device = 'cpu';

  // Assuming that we are on a CUDA machine, this should print a CUDA device:

  print(device);

  dataiter.return?.(); // del dataiter
  return net;
}

if (require.main === module) {
  main({ printEvery: ORIGINAL.printEvery }).catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}

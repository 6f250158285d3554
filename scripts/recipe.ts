/**
 * The seed recipe ("zeroing out gradients", PyTorch), line for line in TypeScript. The README
 * shows it beside the PyTorch original. `npm run train` is the full-featured version (flags,
 * checkpoints, plots, fallbacks when CIFAR-10 is not there); this file is the plain one.
 * Its only inputs are two optional operands (see USAGE); it takes no flags but --help.
 */
import { nn, optim, data, F, Tensor } from '../src';
import { parseScriptArgs, positiveInt } from './lib/script-flags';

const USAGE = `Usage: node dist/scripts/recipe.js [ROOT] [MAX_BATCHES]   (after npm run build)

The seed recipe (PyTorch's "zeroing out gradients", ../shared/seed/) line for line: CIFAR-10's
training set (downloaded into ROOT/cifar-10-batches-bin/ when missing), ToTensor and Normalize
to [-1, 1], batches of 4 shuffled by a DataLoader with 2 workers, the LeNet-style Net, cross-
entropy loss and SGD (lr 0.001, momentum 0.9), zeroGrad before every step, for 2 epochs. Prints
the running loss every 2000 mini-batches ("[epoch, batch] loss: x.xxx") and "Finished Training".
npm run train is the full-featured version (flags, checkpoints, plots, data-set fallbacks).

  ROOT          where CIFAR-10 is, or is downloaded to (default ./data)
  MAX_BATCHES   end each epoch after this many mini-batches (default: the whole epoch, 12500)
  --help        this text
`;
const { positionals } = parseScriptArgs('recipe', USAGE, {}, 2);
const root = positionals[0] ?? './data';
const maxBatches = positionals[1] === undefined ? Infinity : positiveInt('recipe', USAGE, 'MAX_BATCHES', positionals[1]);

class Net extends nn.Module {
  conv1 = new nn.Conv2d(3, 6, 5);
  pool = new nn.MaxPool2d(2, 2);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  override forward(x: Tensor): Tensor {
    x = this.pool.call(F.relu(this.conv1.call(x)));
    x = this.pool.call(F.relu(this.conv2.call(x)));
    x = x.view(-1, 16 * 5 * 5);
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    x = this.fc3.call(x);
    return x;
  }
}

async function main(): Promise<void> {
  const transform = new data.Compose([
    new data.ToTensor(),
    new data.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]);

  const trainset = await data.CIFAR10.create({ root, train: true, download: true, transform });
  const trainloader = new data.DataLoader(trainset, { batchSize: 4, shuffle: true, numWorkers: 2 });

  const net = new Net();
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(net.parameters(), { lr: 0.001, momentum: 0.9 });

  for (let epoch = 0; epoch < 2; epoch++) { // loop over the dataset multiple times
    let runningLoss = 0.0;
    let i = 0;
    for await (const [inputs, labels] of trainloader) {
      // zero the parameter gradients
      optimizer.zeroGrad();

      // forward + backward + optimize
      const outputs = net.call(inputs);
      const loss = criterion.call(outputs, labels);
      loss.backward();
      optimizer.step();

      // print statistics
      runningLoss += loss.item();
      if (i % 2000 === 1999) { // print every 2000 mini-batches
        console.log(`[${epoch + 1}, ${String(i + 1).padStart(5)}] loss: ${(runningLoss / 2000).toFixed(3)}`);
        runningLoss = 0.0;
      }
      if (++i >= maxBatches) break;
    }
  }
  console.log('Finished Training');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

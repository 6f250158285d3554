/**
 * The zoo's model classes that are not torchlet built-ins, in a module of their own so that a
 * DataParallel worker can rebuild them from the compiled file
 * (`{ kind: 'module', module: zooNetsModule(), export: 'MnistNet' }`) without loading the bench.
 */
import * as path from 'path';
import { Module, Conv2d, Linear, MaxPool2d, Dropout, ReLU, Flatten, Sequential } from '../../src/nn';
import { logSoftmax, relu, flatten } from '../../src/ops';
import type { Tensor } from '../../src/tensor';

/** pytorch/examples mnist/main.py's Net. */
export class MnistNet extends Module {
  conv1 = new Conv2d(1, 32, 3, { stride: 1 });
  conv2 = new Conv2d(32, 64, 3, { stride: 1 });
  dropout1 = new Dropout(0.25);
  dropout2 = new Dropout(0.5);
  fc1 = new Linear(9216, 128);
  fc2 = new Linear(128, 10);
  pool = new MaxPool2d(2);

  override forward(x: Tensor): Tensor {
    x = relu(this.conv1.forward(x));
    x = relu(this.conv2.forward(x));
    x = this.pool.forward(x);
    x = this.dropout1.forward(x);
    x = flatten(x, 1);
    x = relu(this.fc1.forward(x));
    x = this.dropout2.forward(x);
    x = this.fc2.forward(x);
    return logSoftmax(x, 1);
  }
}

/** The MLP 784-512-512-10 (flattening 1x28x28 inputs). */
export class Mlp extends Sequential {
  constructor() {
    super(new Flatten(), new Linear(784, 512), new ReLU(), new Linear(512, 512), new ReLU(), new Linear(512, 10));
  }
}

/** This module compiled (dist/scripts/lib/zoo-nets.js), for a DataParallel modelSpec. */
export function zooNetsModule(): string {
  return path.join(__dirname, 'zoo-nets.js');
}

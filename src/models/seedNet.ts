/**
 * The seed recipe's network (PyTorch's CIFAR-10 tutorial "Net"): two conv + max-pool stages,
 * then three fully connected layers.
 */
import { Tensor } from '../tensor';
import { Module, Conv2d, Linear, MaxPool2d } from '../nn';
import { relu } from '../ops';

export class Net extends Module {
  conv1: Conv2d;
  pool: MaxPool2d;
  conv2: Conv2d;
  fc1: Linear;
  fc2: Linear;
  fc3: Linear;

  constructor(inChannels = 3) {
    super();
    this.conv1 = new Conv2d(inChannels, 6, 5);
    this.pool = new MaxPool2d(2, 2);
    this.conv2 = new Conv2d(6, 16, 5);
    this.fc1 = new Linear(16 * 5 * 5, 120);
    this.fc2 = new Linear(120, 84);
    this.fc3 = new Linear(84, 10);
  }

  override forward(x: Tensor): Tensor {
    x = this.pool.forward(relu(this.conv1.forward(x)));
    x = this.pool.forward(relu(this.conv2.forward(x)));
    x = x.view(-1, 16 * 5 * 5);
    x = relu(this.fc1.forward(x));
    x = relu(this.fc2.forward(x));
    return this.fc3.forward(x);
  }
}

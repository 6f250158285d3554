/**
 * "Deep Learning with PyTorch: A 60 Minute Blitz", Neural Networks (pytorch/tutorials,
 * beginner_source/blitz/neural_networks_tutorial.py), line for line.
 *
 * Defines LeNet with torch.nn, runs a random 32x32 input through it, backpropagates random
 * gradients, computes an MSE loss, follows its grad_fn graph a few steps back, and looks at
 * conv1's bias gradient before and after backward.
 */
import { Tensor, nn, F, randn, flatten } from '../../src';
import { ExampleOptions, consoleLog, namedParametersOf, runIfMain } from './common';

export class Net extends nn.Module {
  conv1: nn.Conv2d;
  conv2: nn.Conv2d;
  fc1: nn.Linear;
  fc2: nn.Linear;
  fc3: nn.Linear;

  constructor() {
    super(); // super(Net, self).__init__()
    // 1 input image channel, 6 output channels, 5x5 square convolution
    // kernel
    this.conv1 = new nn.Conv2d(1, 6, 5);
    this.conv2 = new nn.Conv2d(6, 16, 5);
    // an affine operation: y = Wx + b
    this.fc1 = new nn.Linear(16 * 5 * 5, 120); // 5*5 from image dimension
    this.fc2 = new nn.Linear(120, 84);
    this.fc3 = new nn.Linear(84, 10);
  }

  override forward(input: Tensor): Tensor {
    // Convolution layer C1: 1 input image channel, 6 output channels,
    // 5x5 square convolution, it uses RELU activation function, and
    // outputs a Tensor with size (N, 6, 28, 28), where N is the size of the batch
    const c1 = F.relu(this.conv1.call(input)); // F.relu(self.conv1(input))
    // Subsampling layer S2: 2x2 grid, purely functional,
    // this layer does not have any parameter, and outputs a (N, 16, 14, 14) Tensor
    const s2 = F.maxPool2d(c1, [2, 2]); // F.max_pool2d(c1, (2, 2))
    // Convolution layer C3: 6 input channels, 16 output channels,
    // 5x5 square convolution, it uses RELU activation function, and
    // outputs a (N, 16, 10, 10) Tensor
    const c3 = F.relu(this.conv2.call(s2)); // F.relu(self.conv2(s2))
    // Subsampling layer S4: 2x2 grid, purely functional,
    // this layer does not have any parameter, and outputs a (N, 16, 5, 5) Tensor
    let s4 = F.maxPool2d(c3, 2); // F.max_pool2d(c3, 2)
    // Flatten operation: purely functional, outputs a (N, 400) Tensor
    s4 = flatten(s4, 1);
    // Fully connected layer F5: (N, 400) Tensor input,
    // and outputs a (N, 120) Tensor, it uses RELU activation function
    const f5 = F.relu(this.fc1.call(s4)); // F.relu(self.fc1(s4))
    // Fully connected layer F6: (N, 120) Tensor input,
    // and outputs a (N, 84) Tensor, it uses RELU activation function
    const f6 = F.relu(this.fc2.call(f5)); // F.relu(self.fc2(f5))
    // Gaussian layer OUTPUT: (N, 84) Tensor input, and
    // outputs a (N, 10) Tensor
    const output = this.fc3.call(f6); // self.fc3(f6)
    return output;
  }
}

/** The original's sizes are small already: tests run it as is. */
export const ORIGINAL: ExampleOptions = {};

export function main(opts: ExampleOptions = {}) {
  const print = opts.log ?? consoleLog;

  const net = new Net();
  opts.init?.(namedParametersOf(net));
  print(net);

  // You just have to define the `forward` function, and the `backward`
  // function (where gradients are computed) is automatically defined for you
  // using autograd.
  // You can use any of the Tensor operations in the `forward` function.
  //
  // The learnable parameters of a model are returned by `net.parameters()`

  const params = [...net.parameters()]; // list(net.parameters())
  print(params.length); // len(params)
  print(params[0].size()); // conv1's .weight

  // Let's try a random 32x32 input.
  // Note: expected input size of this net (LeNet) is 32x32. To use this net on
  // the MNIST dataset, please resize the images from the dataset to 32x32.

  const input = randn(1, 1, 32, 32);
  opts.init?.({ input });
  const out = net.call(input); // net(input)
  print(out);

  // Zero the gradient buffers of all parameters and backprops with random
  // gradients:
  net.zeroGrad(); // net.zero_grad()
  const gradient = randn(1, 10);
  opts.init?.({ gradient });
  out.backward(gradient); // out.backward(torch.randn(1, 10))

  // Loss Function
  // -------------
  // A loss function takes the (output, target) pair of inputs, and computes a
  // value that estimates how far away the output is from the target.
  // A simple loss is: nn.MSELoss which computes the mean-squared error
  // between the output and the target.

  const output = net.call(input); // net(input)
  let target = randn(10); // a dummy target, for example
  opts.init?.({ target });
  target = target.view(1, -1); // make it the same shape as output
  const criterion = new nn.MSELoss();

  const loss = criterion.call(output, target); // criterion(output, target)
  print(loss);

  // For illustration, let us follow a few steps backward:

  print(loss.gradFn); // MSELoss
  print(loss.gradFn!.nextFunctions[0][0]); // Linear
  print(loss.gradFn!.nextFunctions[0][0]!.nextFunctions[0][0]); // ReLU

  // Backprop
  // --------
  // To backpropagate the error all we have to do is to `loss.backward()`.
  // You need to clear the existing gradients though, else gradients will be
  // accumulated to existing gradients.

  net.zeroGrad(); // zeroes the gradient buffers of all parameters

  print('conv1.bias.grad before backward');
  print(net.conv1.bias!.grad);

  loss.backward();

  print('conv1.bias.grad after backward');
  print(net.conv1.bias!.grad);

  return { net, out, loss };
}

runIfMain(module, main, ORIGINAL);

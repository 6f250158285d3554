/**
 * "Learning PyTorch with Examples", PyTorch: optim (pytorch/tutorials,
 * beginner_source/examples_nn/polynomial_optim.py), line for line.
 *
 * The nn version of the polynomial fit, with an Optimizer (SGD) updating the weights.
 */
import { nn, optim, tensor, linspace, sin } from '../../src';
import { ExampleOptions, consoleLog, namedParametersOf, runIfMain } from './common';

export interface PolynomialOptimOptions extends ExampleOptions {
  /** Training iterations (the original: 2000). */
  steps?: number;
}

/** The original's sizes; main's defaults are smaller so that `npm test` runs it quickly. */
export const ORIGINAL: PolynomialOptimOptions = { steps: 2000 };

export function main(opts: PolynomialOptimOptions = {}) {
  const print = opts.log ?? consoleLog;
  const steps = opts.steps ?? 300;

  // Create Tensors to hold input and outputs.
  const x = linspace(-Math.PI, Math.PI, 2000);
  const y = sin(x);

  // Prepare the input tensor (x, x^2, x^3).
  const p = tensor([1, 2, 3]);
  const xx = x.unsqueeze(-1).pow(p);

  // Use the nn package to define our model and loss function.
  const model = new nn.Sequential(
    new nn.Linear(3, 1),
    new nn.Flatten(0, 1),
  );
  opts.init?.(namedParametersOf(model));
  const lossFn = new nn.MSELoss({ reduction: 'sum' });

  // Use the optim package to define an Optimizer that will update the weights of
  // the model for us. Here we will use SGD; the optim package contains many other
  // optimization algorithms. The first argument to the SGD constructor tells the
  // optimizer which Tensors it should update.
  const learningRate = 1e-6;
  const optimizer = new optim.SGD(model.parameters(), { lr: learningRate }); // torch.optim.SGD(model.parameters(), lr=learning_rate)
  for (let t = 0; t < steps; t++) {
    // Forward pass: compute predicted y by passing x to the model.
    const yPred = model.call(xx); // model(xx)

    // Compute and print loss.
    const loss = lossFn.call(yPred, y); // loss_fn(y_pred, y)
    if (t % 100 === 99) {
      print(t, loss.item());
    }

    // Before the backward pass, use the optimizer object to zero all of the
    // gradients for the variables it will update (which are the learnable
    // weights of the model). This is because by default, gradients are
    // accumulated in buffers( i.e, not overwritten) whenever .backward()
    // is called. Checkout docs of autograd.backward for more details.
    optimizer.zeroGrad(); // optimizer.zero_grad()

    // Backward pass: compute gradient of the loss with respect to model
    // parameters
    loss.backward();

    // Calling the step function on an Optimizer makes an update to its
    // parameters
    optimizer.step();
  }

  const linearLayer = model.at(0) as nn.Linear; // model[0]
  print(`Result: y = ${linearLayer.bias!.item()} + ${linearLayer.weight.index(':, 0').item()} x + ${linearLayer.weight.index(':, 1').item()} x^2 + ${linearLayer.weight.index(':, 2').item()} x^3`);
  return { weight: linearLayer.weight, bias: linearLayer.bias! };
}

runIfMain(module, main, ORIGINAL);

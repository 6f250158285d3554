/**
 * "Learning PyTorch with Examples", PyTorch: nn (pytorch/tutorials,
 * beginner_source/examples_nn/polynomial_nn.py), line for line.
 *
 * A third order polynomial, trained to predict y=sin(x) from -pi to pi by minimizing squared
 * Euclidean distance, as a linear layer over (x, x^2, x^3) built with the nn package.
 */
import { nn, tensor, linspace, sin, noGrad } from '../../src';
import { ExampleOptions, consoleLog, namedParametersOf, runIfMain } from './common';

export interface PolynomialNnOptions extends ExampleOptions {
  /** Training iterations (the original: 2000). */
  steps?: number;
}

/** The original's sizes; main's defaults are smaller so that `npm test` runs it quickly. */
export const ORIGINAL: PolynomialNnOptions = { steps: 2000 };

export function main(opts: PolynomialNnOptions = {}) {
  const print = opts.log ?? consoleLog;
  const steps = opts.steps ?? 300;

  // Create Tensors to hold input and outputs.
  const x = linspace(-Math.PI, Math.PI, 2000);
  const y = sin(x);

  // For this example, the output y is a linear function of (x, x^2, x^3), so
  // we can consider it as a linear layer neural network. Let's prepare the
  // tensor (x, x^2, x^3).
  const p = tensor([1, 2, 3]);
  const xx = x.unsqueeze(-1).pow(p);

  // In the above code, x.unsqueeze(-1) has shape (2000, 1), and p has shape
  // (3,), for this case, broadcasting semantics will apply to obtain a tensor
  // of shape (2000, 3)

  // Use the nn package to define our model as a sequence of layers. nn.Sequential
  // is a Module which contains other Modules, and applies them in sequence to
  // produce its output. The Linear Module computes output from input using a
  // linear function, and holds internal Tensors for its weight and bias.
  // The Flatten layer flatens the output of the linear layer to a 1D tensor,
  // to match the shape of `y`.
  const model = new nn.Sequential(
    new nn.Linear(3, 1),
    new nn.Flatten(0, 1),
  );
  opts.init?.(namedParametersOf(model));

  // The nn package also contains definitions of popular loss functions; in this
  // case we will use Mean Squared Error (MSE) as our loss function.
  const lossFn = new nn.MSELoss({ reduction: 'sum' });

  const learningRate = 1e-6;
  for (let t = 0; t < steps; t++) {

    // Forward pass: compute predicted y by passing x to the model. Module objects
    // are called with .call(...) (Python overrides __call__; a JS object cannot be called).
    const yPred = model.call(xx); // model(xx)

    // Compute and print loss. We pass Tensors containing the predicted and true
    // values of y, and the loss function returns a Tensor containing the
    // loss.
    const loss = lossFn.call(yPred, y); // loss_fn(y_pred, y)
    if (t % 100 === 99) {
      print(t, loss.item());
    }

    // Zero the gradients before running the backward pass.
    model.zeroGrad(); // model.zero_grad()

    // Backward pass: compute gradient of the loss with respect to all the learnable
    // parameters of the model. Internally, the parameters of each Module are stored
    // in Tensors with requiresGrad=true, so this call will compute gradients for
    // all learnable parameters in the model.
    loss.backward();

    // Update the weights using gradient descent. Each parameter is a Tensor, so
    // we can access its gradients like we did before.
    noGrad(() => { // with torch.no_grad():
      for (const param of model.parameters()) {
        param.sub_(param.grad!.mul(learningRate)); // param -= learning_rate * param.grad
      }
    });
  }

  // You can access the first layer of `model` like accessing the first item of a list
  const linearLayer = model.at(0) as nn.Linear; // model[0]

  // For linear layer, its parameters are stored as `weight` and `bias`.
  print(`Result: y = ${linearLayer.bias!.item()} + ${linearLayer.weight.index(':, 0').item()} x + ${linearLayer.weight.index(':, 1').item()} x^2 + ${linearLayer.weight.index(':, 2').item()} x^3`);
  return { weight: linearLayer.weight, bias: linearLayer.bias! };
}

runIfMain(module, main, ORIGINAL);

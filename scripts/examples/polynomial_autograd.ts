/**
 * "Learning PyTorch with Examples", PyTorch: Tensors and autograd (pytorch/tutorials,
 * beginner_source/examples_autograd/polynomial_autograd.py), line for line.
 *
 * A third order polynomial, trained to predict y=sin(x) from -pi to pi by minimizing squared
 * Euclidean distance; the forward pass uses tensor ops and autograd computes the gradients.
 */
import { linspace, randn, sin, noGrad } from '../../src';
import { ExampleOptions, consoleLog, runIfMain } from './common';

export interface PolynomialAutogradOptions extends ExampleOptions {
  /** Training iterations (the original: 2000). */
  steps?: number;
}

/** The original's sizes; main's defaults are smaller so that `npm test` runs it quickly. */
export const ORIGINAL: PolynomialAutogradOptions = { steps: 2000 };

export function main(opts: PolynomialAutogradOptions = {}) {
  const print = opts.log ?? consoleLog;
  const steps = opts.steps ?? 300;

  const dtype = 'float32'; // dtype = torch.float
  // device = "cuda" if torch.cuda.is_available() else "cpu"; torch.set_default_device(device):
  // tensors live on the CPU (or in wasm memory, see setBackend)

  // Create Tensors to hold input and outputs.
  // By default, requiresGrad=false, which indicates that we do not need to
  // compute gradients with respect to these Tensors during the backward pass.
  const x = linspace(-Math.PI, Math.PI, 2000, { dtype });
  const y = sin(x);

  // Create random Tensors for weights. For a third order polynomial, we need
  // 4 weights: y = a + b x + c x^2 + d x^3
  // Setting requiresGrad=true indicates that we want to compute gradients with
  // respect to these Tensors during the backward pass.
  const a = randn([], { dtype, requiresGrad: true }); // randn((), dtype=dtype, requires_grad=True)
  const b = randn([], { dtype, requiresGrad: true });
  const c = randn([], { dtype, requiresGrad: true });
  const d = randn([], { dtype, requiresGrad: true });
  opts.init?.({ a, b, c, d });

  const learningRate = 1e-6;
  for (let t = 0; t < steps; t++) {
    // Forward pass: compute predicted y using operations on Tensors.
    const yPred = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3))); // a + b * x + c * x ** 2 + d * x ** 3

    // Compute and print loss using operations on Tensors.
    // loss.item() gets the scalar value held in the loss.
    const loss = yPred.sub(y).pow(2).sum(); // (y_pred - y).pow(2).sum()
    if (t % 100 === 99) {
      print(t, loss.item());
    }

    // Use autograd to compute the backward pass. This call will compute the
    // gradient of loss with respect to all Tensors with requiresGrad=true.
    loss.backward();

    // Manually update weights using gradient descent. Wrap in noGrad
    // because weights have requiresGrad=true, but we don't need to track this
    // in autograd.
    noGrad(() => { // with torch.no_grad():
      a.sub_(a.grad!.mul(learningRate)); // a -= learning_rate * a.grad
      b.sub_(b.grad!.mul(learningRate));
      c.sub_(c.grad!.mul(learningRate));
      d.sub_(d.grad!.mul(learningRate));

      // Manually zero the gradients after updating weights
      a.grad = null; // a.grad = None
      b.grad = null;
      c.grad = null;
      d.grad = null;
    });
  }

  print(`Result: y = ${a.item()} + ${b.item()} x + ${c.item()} x^2 + ${d.item()} x^3`);
  return { a, b, c, d };
}

runIfMain(module, main, ORIGINAL);

/**
 * "Learning PyTorch with Examples", PyTorch: Tensors (pytorch/tutorials,
 * beginner_source/examples_tensor/polynomial_tensor.py), line for line.
 *
 * A third order polynomial, trained to predict y=sin(x) from -pi to pi by minimizing squared
 * Euclidean distance, with the forward pass, loss and backward pass computed by hand on tensors.
 */
import { linspace, randn, sin, matmul } from '../../src';
import { ExampleOptions, consoleLog, runIfMain } from './common';

export interface PolynomialTensorOptions extends ExampleOptions {
  /** Training iterations (the original: 2000). */
  steps?: number;
}

/** The original's sizes; main's defaults are smaller so that `npm test` runs it quickly. */
export const ORIGINAL: PolynomialTensorOptions = { steps: 2000 };

export function main(opts: PolynomialTensorOptions = {}) {
  const print = opts.log ?? consoleLog;
  const steps = opts.steps ?? 300;

  const dtype = 'float32'; // dtype = torch.float
  // device = torch.device("cpu"): tensors live on the CPU (or in wasm memory, see setBackend)

  // Create random input and output data
  const x = linspace(-Math.PI, Math.PI, 2000, { dtype }); // device=device omitted
  const y = sin(x);

  // Randomly initialize weights
  const a = randn([], { dtype }); // randn((), device=device, dtype=dtype)
  const b = randn([], { dtype });
  const c = randn([], { dtype });
  const d = randn([], { dtype });
  opts.init?.({ a, b, c, d });

  const learningRate = 1e-6;
  for (let t = 0; t < steps; t++) {
    // Forward pass: compute predicted y
    const yPred = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3))); // a + (b * x) + (c * x.pow(2)) + (d * x.pow(3))

    // Compute and print loss
    const loss = yPred.sub(y).pow(2).sum().item(); // (y_pred - y).pow(2).sum().item()
    if (t % 100 === 99) {
      print(t, loss);
    }

    // Backprop to compute gradients of a, b, c, d with respect to loss
    const gradYPred = y.sub(yPred).mul(-2.0); // -2.0 * (y - y_pred)
    const gradA = gradYPred.sum();
    const gradB = matmul(gradYPred, x).sum(); // torch.matmul(input=grad_y_pred, other=x).sum()
    const gradC = matmul(gradYPred, x.pow(2)).sum();
    const gradD = matmul(gradYPred, x.pow(3)).sum();

    // Update weights using gradient descent
    a.sub_(gradA.mul(learningRate)); // a -= learning_rate * grad_a
    b.sub_(gradB.mul(learningRate));
    c.sub_(gradC.mul(learningRate));
    d.sub_(gradD.mul(learningRate));
  }

  print(`Result: y = ${a.item()} + ${b.item()} x + ${c.item()} x^2 + ${d.item()} x^3`);
  return { a, b, c, d };
}

runIfMain(module, main, ORIGINAL);

/**
 * "Learning PyTorch with Examples", PyTorch: Defining New autograd Functions (pytorch/tutorials,
 * beginner_source/examples_autograd/polynomial_custom_function.py), line for line.
 *
 * y = a + b * P3(c + d * x), where P3(x) = 1/2 (5x^3 - 3x) is the Legendre polynomial of degree
 * three, computed by a custom autograd Function whose backward is P3'(x) = 3/2 (5x^2 - 1).
 */
import { Tensor, autograd, linspace, full, sin, noGrad } from '../../src';
import { ExampleOptions, consoleLog, runIfMain } from './common';

/**
 * We can implement our own custom autograd Functions by subclassing
 * autograd.Function and implementing the forward and backward passes
 * which operate on Tensors.
 */
export class LegendrePolynomial3 extends autograd.Function {
  /**
   * In the forward pass we receive a Tensor containing the input and return
   * a Tensor containing the output. ctx is a context object that can be used
   * to stash information for backward computation. You can cache arbitrary
   * objects for use in the backward pass using the ctx.saveForBackward method.
   */
  static override forward(ctx: autograd.FunctionCtx, input: Tensor): Tensor {
    ctx.saveForBackward(input);
    return input.pow(3).mul(5).sub(input.mul(3)).mul(0.5); // 0.5 * (5 * input ** 3 - 3 * input)
  }

  /**
   * In the backward pass we receive a Tensor containing the gradient of the loss
   * with respect to the output, and we need to compute the gradient of the loss
   * with respect to the input.
   */
  static override backward(ctx: autograd.FunctionCtx, gradOutput: Tensor): Tensor {
    const [input] = ctx.savedTensors; // input, = ctx.saved_tensors
    return gradOutput.mul(1.5).mul(input.pow(2).mul(5).sub(1)); // grad_output * 1.5 * (5 * input ** 2 - 1)
  }
}

export interface PolynomialCustomFunctionOptions extends ExampleOptions {
  /** Training iterations (the original: 2000). */
  steps?: number;
}

/** The original's sizes; main's defaults are smaller so that `npm test` runs it quickly. */
export const ORIGINAL: PolynomialCustomFunctionOptions = { steps: 2000 };

export function main(opts: PolynomialCustomFunctionOptions = {}) {
  const print = opts.log ?? consoleLog;
  const steps = opts.steps ?? 300;

  const dtype = 'float32'; // dtype = torch.float
  // device = torch.device("cpu"): tensors live on the CPU (or in wasm memory, see setBackend)

  // Create Tensors to hold input and outputs.
  // Setting requiresGrad=false indicates that we do not need to compute gradients
  // with respect to these Tensors during the backward pass.
  const x = linspace(-Math.PI, Math.PI, 2000, { dtype }); // device=device omitted
  const y = sin(x);

  // Create random Tensors for weights. For this example, we need
  // 4 weights: y = a + b * P3(c + d * x), these weights need to be initialized
  // not too far from the correct result to ensure convergence.
  // Setting requiresGrad=true indicates that we want to compute gradients with
  // respect to these Tensors during the backward pass.
  const a = full([], 0.0, { dtype, requiresGrad: true }); // torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
  const b = full([], -1.0, { dtype, requiresGrad: true });
  const c = full([], 0.0, { dtype, requiresGrad: true });
  const d = full([], 0.3, { dtype, requiresGrad: true });
  opts.init?.({ a, b, c, d });

  const learningRate = 5e-6;
  for (let t = 0; t < steps; t++) {
    // To apply our Function, we use Function.apply method. We alias this as 'P3'.
    const P3 = (input: Tensor) => LegendrePolynomial3.apply(input); // P3 = LegendrePolynomial3.apply (a JS static method called on its own loses its class)

    // Forward pass: compute predicted y using operations; we compute
    // P3 using our custom autograd operation.
    const yPred = a.add(b.mul(P3(c.add(d.mul(x))))); // a + b * P3(c + d * x)

    // Compute and print loss
    const loss = yPred.sub(y).pow(2).sum(); // (y_pred - y).pow(2).sum()
    if (t % 100 === 99) {
      print(t, loss.item());
    }

    // Use autograd to compute the backward pass.
    loss.backward();

    // Update weights using gradient descent
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

  print(`Result: y = ${a.item()} + ${b.item()} * P3(${c.item()} + ${d.item()} x)`);
  return { a, b, c, d };
}

runIfMain(module, main, ORIGINAL);

/**
 * "Learning PyTorch with Examples", PyTorch: Custom nn Modules (pytorch/tutorials,
 * beginner_source/examples_nn/polynomial_module.py), line for line.
 *
 * The polynomial fit with the model defined as a custom Module subclass.
 */
import { Tensor, nn, optim, linspace, randn, sin } from '../../src';
import { ExampleOptions, consoleLog, namedParametersOf, runIfMain } from './common';

export class Polynomial3 extends nn.Module {
  a: nn.Parameter;
  b: nn.Parameter;
  c: nn.Parameter;
  d: nn.Parameter;

  /**
   * In the constructor we instantiate four parameters and assign them as
   * member parameters.
   */
  constructor() {
    super();
    this.a = new nn.Parameter(randn([])); // torch.nn.Parameter(torch.randn(()))
    this.b = new nn.Parameter(randn([]));
    this.c = new nn.Parameter(randn([]));
    this.d = new nn.Parameter(randn([]));
  }

  /**
   * In the forward function we accept a Tensor of input data and we must return
   * a Tensor of output data. We can use Modules defined in the constructor as
   * well as arbitrary operators on Tensors.
   */
  override forward(x: Tensor): Tensor {
    return this.a.add(this.b.mul(x)).add(this.c.mul(x.pow(2))).add(this.d.mul(x.pow(3))); // self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
  }

  /**
   * Just like any class in Python, you can also define custom method on PyTorch modules
   */
  string(): string {
    return `y = ${this.a.item()} + ${this.b.item()} x + ${this.c.item()} x^2 + ${this.d.item()} x^3`;
  }
}

export interface PolynomialModuleOptions extends ExampleOptions {
  /** Training iterations (the original: 2000). */
  steps?: number;
}

/** The original's sizes; main's defaults are smaller so that `npm test` runs it quickly. */
export const ORIGINAL: PolynomialModuleOptions = { steps: 2000 };

export function main(opts: PolynomialModuleOptions = {}) {
  const print = opts.log ?? consoleLog;
  const steps = opts.steps ?? 300;

  // Create Tensors to hold input and outputs.
  const x = linspace(-Math.PI, Math.PI, 2000);
  const y = sin(x);

  // Construct our model by instantiating the class defined above
  const model = new Polynomial3();
  opts.init?.(namedParametersOf(model));

  // Construct our loss function and an Optimizer. The call to model.parameters()
  // in the SGD constructor will contain the learnable parameters (defined
  // with nn.Parameter) which are members of the model.
  const criterion = new nn.MSELoss({ reduction: 'sum' });
  const optimizer = new optim.SGD(model.parameters(), { lr: 1e-6 });
  for (let t = 0; t < steps; t++) {
    // Forward pass: Compute predicted y by passing x to the model
    const yPred = model.call(x); // model(x)

    // Compute and print loss
    const loss = criterion.call(yPred, y); // criterion(y_pred, y)
    if (t % 100 === 99) {
      print(t, loss.item());
    }

    // Zero gradients, perform a backward pass, and update the weights.
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }

  print(`Result: ${model.string()}`);
  return { a: model.a, b: model.b, c: model.c, d: model.d };
}

runIfMain(module, main, ORIGINAL);

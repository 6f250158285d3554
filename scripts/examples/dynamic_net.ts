/**
 * "Learning PyTorch with Examples", PyTorch: Control Flow + Weight Sharing (pytorch/tutorials,
 * beginner_source/examples_nn/dynamic_net.py), line for line.
 *
 * A third-fifth order polynomial that on each forward pass chooses a random number between 4
 * and 5 and uses that many orders, reusing the same weight for the fourth and fifth order.
 */
import { Tensor, nn, optim, linspace, randn, sin } from '../../src';
import { ExampleOptions, consoleLog, namedParametersOf, runIfMain } from './common';

/** Python's random.randint(a, b): an integer in [a, b], both ends included. */
export type RandInt = (a: number, b: number) => number;
const pythonRandint: RandInt = (a, b) => a + Math.floor(Math.random() * (b - a + 1));

export class DynamicNet extends nn.Module {
  a: nn.Parameter;
  b: nn.Parameter;
  c: nn.Parameter;
  d: nn.Parameter;
  e: nn.Parameter;

  /**
   * In the constructor we instantiate five parameters and assign them as members.
   * (`random` stands for Python's random module, whose generator JS does not have.)
   */
  constructor(private readonly random: { randint: RandInt } = { randint: pythonRandint }) {
    super();
    this.a = new nn.Parameter(randn([])); // torch.nn.Parameter(torch.randn(()))
    this.b = new nn.Parameter(randn([]));
    this.c = new nn.Parameter(randn([]));
    this.d = new nn.Parameter(randn([]));
    this.e = new nn.Parameter(randn([]));
  }

  /**
   * For the forward pass of the model, we randomly choose either 4, 5
   * and reuse the e parameter to compute the contribution of these orders.
   *
   * Since each forward pass builds a dynamic computation graph, we can use normal
   * control-flow operators like loops or conditional statements when
   * defining the forward pass of the model.
   *
   * Here we also see that it is perfectly safe to reuse the same parameter many
   * times when defining a computational graph.
   */
  override forward(x: Tensor): Tensor {
    let y = this.a.add(this.b.mul(x)).add(this.c.mul(x.pow(2))).add(this.d.mul(x.pow(3))); // self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
    for (let exp = 4, end = this.random.randint(4, 6); exp < end; exp++) { // for exp in range(4, random.randint(4, 6)):
      y = y.add(this.e.mul(x.pow(exp))); // y = y + self.e * x ** exp
    }
    return y;
  }

  /**
   * Just like any class in Python, you can also define custom method on PyTorch modules
   */
  string(): string {
    return `y = ${this.a.item()} + ${this.b.item()} x + ${this.c.item()} x^2 + ${this.d.item()} x^3 + ${this.e.item()} x^4 ? + ${this.e.item()} x^5 ?`;
  }
}

export interface DynamicNetOptions extends ExampleOptions {
  /** Training iterations (the original: 30000). */
  steps?: number;
  /** Python's random.randint; a test replays the draws PyTorch's run made. */
  randint?: RandInt;
}

/** The original's sizes; main's defaults are smaller so that `npm test` runs it quickly. */
export const ORIGINAL: DynamicNetOptions = { steps: 30000 };

export function main(opts: DynamicNetOptions = {}) {
  const print = opts.log ?? consoleLog;
  const steps = opts.steps ?? 2000;

  // Create Tensors to hold input and outputs.
  const x = linspace(-Math.PI, Math.PI, 2000);
  const y = sin(x);

  // Construct our model by instantiating the class defined above
  const model = new DynamicNet({ randint: opts.randint ?? pythonRandint }); // DynamicNet()
  opts.init?.(namedParametersOf(model));

  // Construct our loss function and an Optimizer. Training this strange model with
  // vanilla stochastic gradient descent is tough, so we use momentum
  const criterion = new nn.MSELoss({ reduction: 'sum' });
  const optimizer = new optim.SGD(model.parameters(), { lr: 1e-8, momentum: 0.9 });
  for (let t = 0; t < steps; t++) {
    // Forward pass: Compute predicted y by passing x to the model
    const yPred = model.call(x); // model(x)

    // Compute and print loss
    const loss = criterion.call(yPred, y); // criterion(y_pred, y)
    if (t % 2000 === 1999) {
      print(t, loss.item());
    }

    // Zero gradients, perform a backward pass, and update the weights.
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }

  print(`Result: ${model.string()}`);
  return { a: model.a, b: model.b, c: model.c, d: model.d, e: model.e };
}

runIfMain(module, main, ORIGINAL);

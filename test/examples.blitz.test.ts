/**
 * "Deep Learning with PyTorch: A 60 Minute Blitz" (pytorch/tutorials beginner_source/blitz):
 * the tensor, autograd and neural-networks tutorials, ported line for line in scripts/examples,
 * run on both backends against the same programs run by PyTorch 1.13 from the same starting
 * values (every random tensor they draw is injected from the fixture; scripts/examples/py).
 *
 * Tolerances: float32 throughout. LeNet's outputs are sums of at most 400 products per layer
 * (conv: 150), summed in another order than ATen's (its gemm and its im2col convolution), so
 * they may differ by a few ulps times the depth (~1e-6 relative); 1e-4 relative to the largest
 * magnitude of each printed tensor leaves a wide margin and still catches a wrong op. Printed
 * forms are compared word for word, with numbers printed with 4 decimals allowed to differ by
 * one unit in the last place (a value a few ulps away may round the other way).
 */
import { setBackend } from '../src/backend';
import { startingValues } from '../scripts/examples/common';
import { readExample, recorder, expectPrinted, expectFinal } from './helpers/examples';
import * as neuralNetworks from '../scripts/examples/neural_networks_tutorial';
import * as tensorTutorial from '../scripts/examples/tensor_tutorial';

const RTOL = 1e-4;

interface Port {
  main(opts: { log: (...args: unknown[]) => void; init: (named: Record<string, any>) => void }): any;
}

function runAgainstFixture(name: string, port: Port): void {
  const fixture = readExample(name);
  const { log, printed } = recorder();
  const init = startingValues(fixture.init);
  const result = port.main({ log, init });
  expect(init.unused()).toEqual([]);
  expectPrinted(printed, fixture.printed, RTOL);
  expectFinal(result, fixture.final, RTOL);
}

for (const backend of ['js', 'wasm'] as const) {
  describe(`60 Minute Blitz (${backend})`, () => {
    beforeAll(() => setBackend(backend));

    test('tensor_tutorial: creation, attributes, setIndex, cat, mul, matmul with .T, add_, the typed-array bridge', () => {
      runAgainstFixture('tensor_tutorial', tensorTutorial);
    });

    test('neural_networks_tutorial: LeNet, MSELoss, the grad_fn graph, conv1.bias.grad', () => {
      runAgainstFixture('neural_networks_tutorial', neuralNetworks);
    });
  });
}

/**
 * "Learning PyTorch with Examples" (pytorch/tutorials beginner_source/examples_*), ported line
 * for line in scripts/examples, run on both backends against the same programs run by PyTorch
 * 1.13 from the same starting values (fixtures: scripts/examples/py/*.py).
 *
 * Tolerances: everything is float32. The loss is a sum of 2000 squares and each gradient a sum
 * of 2000 products; ATen sums with 8-lane vector accumulators, our kernels in another order, so
 * each sum may differ by a few float32 ulps times sqrt(2000) (~1e-6 relative). Gradient descent
 * at these learning rates is contracting, so the differences stay at that order over the
 * iterations; 1e-4 relative leaves a margin of two orders of magnitude while still catching
 * any wrong step (one wrong step moves the loss by ~1e-3 relative or more).
 */
import { setBackend } from '../src/backend';
import { startingValues } from '../scripts/examples/common';
import { readExample, recorder, expectPrinted, expectFinal } from './helpers/examples';
import * as polynomialTensor from '../scripts/examples/polynomial_tensor';

const RTOL = 1e-4;

interface Port {
  main(opts: { log: (...args: unknown[]) => void; init: (named: Record<string, any>) => void }): any;
}

function runAgainstFixture(name: string, port: Port): void {
  const fixture = readExample(name);
  const { log, printed } = recorder();
  const result = port.main({ log, init: startingValues(fixture.init) });
  expectPrinted(printed, fixture.printed, RTOL);
  expectFinal(result, fixture.final, RTOL);
}

for (const backend of ['js', 'wasm'] as const) {
  describe(`Learning PyTorch with Examples (${backend})`, () => {
    beforeAll(() => setBackend(backend));

    test('polynomial_tensor: tensors with a hand-written backward', () => {
      runAgainstFixture('polynomial_tensor', polynomialTensor);
    });
  });
}

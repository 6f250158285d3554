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
 *
 * The fixtures call zero_grad(set_to_none=True), PyTorch 2.x's default that torchlet follows
 * (1.13 zero-fills): it matters in dynamic_net, where a step that draws 4 leaves `e` out of
 * the graph, so its grad stays null and SGD skips it, momentum included.
 */
import { setBackend } from '../src/backend';
import { startingValues } from '../scripts/examples/common';
import { readExample, recorder, expectPrinted, expectFinal } from './helpers/examples';
import * as polynomialTensor from '../scripts/examples/polynomial_tensor';
import * as polynomialAutograd from '../scripts/examples/polynomial_autograd';
import * as polynomialCustomFunction from '../scripts/examples/polynomial_custom_function';
import * as polynomialNn from '../scripts/examples/polynomial_nn';
import * as polynomialOptim from '../scripts/examples/polynomial_optim';
import * as polynomialModule from '../scripts/examples/polynomial_module';
import * as dynamicNet from '../scripts/examples/dynamic_net';

const RTOL = 1e-4;

interface Port {
  main(opts: { log: (...args: unknown[]) => void; init: (named: Record<string, any>) => void }): any;
}

function runAgainstFixture(name: string, port: Port, extra: (fixture: any) => object = () => ({})): void {
  const fixture = readExample(name);
  const { log, printed } = recorder();
  const init = startingValues(fixture.init);
  const result = port.main({ log, init, ...extra(fixture) });
  expect(init.unused()).toEqual([]);
  expectPrinted(printed, fixture.printed, RTOL);
  expectFinal(result, fixture.final, RTOL);
}

for (const backend of ['js', 'wasm'] as const) {
  describe(`Learning PyTorch with Examples (${backend})`, () => {
    beforeAll(() => setBackend(backend));

    test('polynomial_tensor: tensors with a hand-written backward', () => {
      runAgainstFixture('polynomial_tensor', polynomialTensor);
    });

    test('polynomial_autograd: autograd and noGrad updates', () => {
      runAgainstFixture('polynomial_autograd', polynomialAutograd);
    });

    test('polynomial_custom_function: the LegendrePolynomial3 autograd.Function', () => {
      runAgainstFixture('polynomial_custom_function', polynomialCustomFunction);
    });

    test('polynomial_nn: Sequential(Linear, Flatten), MSELoss, manual updates', () => {
      runAgainstFixture('polynomial_nn', polynomialNn);
    });

    test('polynomial_optim: the same with optim.SGD', () => {
      runAgainstFixture('polynomial_optim', polynomialOptim);
    });

    test('polynomial_module: a custom Module with four Parameters', () => {
      runAgainstFixture('polynomial_module', polynomialModule);
    });

    test('dynamic_net: a graph that changes every step (Python\'s random draws replayed), SGD with momentum', () => {
      runAgainstFixture('dynamic_net', dynamicNet, (fixture: { draws: number[] }) => {
        const draws = [...fixture.draws];
        return {
          randint: (a: number, b: number) => {
            expect([a, b]).toEqual([4, 6]);
            const v = draws.shift();
            if (v === undefined) throw new Error('the port drew more random numbers than PyTorch\'s run');
            return v;
          },
        };
      });
    });
  });
}

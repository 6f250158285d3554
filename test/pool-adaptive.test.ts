/**
 * adaptiveAvgPool2d / adaptiveMaxPool2d against PyTorch 1.13 (test/fixtures/layers/pool-adaptive.json,
 * written by scripts/fixtures-pool-adaptive.py): random shapes, empty batches, output sizes as
 * an int, a pair or with null entries, NaN and infinities, contiguous and non-contiguous
 * inputs, forward and backward, on both backends; PyTorch's errors; the nn modules.
 */
import { F, nn, setBackend, randn, zeros } from '../src';
import type { AdaptiveSize } from '../src/functional';
import type { ArrayJson } from './helpers/fixtures';
import { expectMatches, leafInput, readLayersFixture, torchMessage, toTensor } from './helpers/layers';

interface Case {
  name: string;
  outputSize: AdaptiveSize;
  input: ArrayJson;
  output: ArrayJson;
  indices?: ArrayJson;
  gradOutput: ArrayJson;
  gradInput: ArrayJson;
  gradFn: string;
}

interface Fixture {
  torch: string;
  avg: Case[];
  max: Case[];
  errors: Array<{ kind: 'avg' | 'max'; shape: number[]; outputSize: AdaptiveSize; message: string }>;
}

const fixture = readLayersFixture<Fixture>('pool-adaptive.json');
const layouts = ['contiguous', 'strided'] as const;

describe.each(['js', 'wasm'])(`adaptive pools vs PyTorch ${fixture.torch} on the %s backend`, (backend) => {
  beforeAll(() => setBackend(backend));

  describe.each(layouts)('%s input', (layout) => {
    test.each(fixture.avg.map((c) => [c.name, c] as const))('adaptiveAvgPool2d %s', (_name, c) => {
      const x = leafInput(c.input, layout);
      const y = F.adaptiveAvgPool2d(x.input, c.outputSize);
      expectMatches('output', y, c.output);
      expect(y.gradFn!.name).toBe(c.gradFn);
      y.backward(toTensor(c.gradOutput));
      expectMatches('gradInput', x.grad(), c.gradInput);
    });

    test.each(fixture.max.map((c) => [c.name, c] as const))('adaptiveMaxPool2d %s', (_name, c) => {
      const x = leafInput(c.input, layout);
      const [y, indices] = F.adaptiveMaxPool2d(x.input, c.outputSize, true);
      expectMatches('output', y, c.output, 0);
      expect(indices.dtype).toBe('int32');
      expectMatches('indices', indices, c.indices!, 0);
      expect(y.gradFn!.name).toBe(c.gradFn);
      y.backward(toTensor(c.gradOutput));
      expectMatches('gradInput', x.grad(), c.gradInput);
    });
  });
});

describe('adaptive pools: errors and modules', () => {
  test.each(fixture.errors.map((e) => [e.message, e] as const))('%s', (message, e) => {
    const op = e.kind === 'avg' ? 'adaptiveAvgPool2d' : 'adaptiveMaxPool2d';
    const run = () => (e.kind === 'avg' ? F.adaptiveAvgPool2d : F.adaptiveMaxPool2d)(zeros(...e.shape), e.outputSize);
    expect(run).toThrow(`${op}: ${torchMessage(message)}`);
  });

  test('nn.AdaptiveAvgPool2d and nn.AdaptiveMaxPool2d run the functionals', () => {
    const x = randn(2, 3, 7, 5);
    const avg = new nn.AdaptiveAvgPool2d([3, null]);
    expect(avg.call(x).dataSync()).toEqual(F.adaptiveAvgPool2d(x, [3, null]).dataSync());
    expect(avg.call(x).shape).toEqual([2, 3, 3, 5]);
    expect(avg.extraRepr()).toBe('outputSize=(3, null)');
    const max = new nn.AdaptiveMaxPool2d(2, { returnIndices: true });
    const [y, i] = max.call(x);
    const [ey, ei] = F.adaptiveMaxPool2d(x, 2, true);
    expect(y.dataSync()).toEqual(ey.dataSync());
    expect(i.dataSync()).toEqual(ei.dataSync());
    expect(new nn.AdaptiveMaxPool2d(2).call(x).shape).toEqual([2, 3, 2, 2]);
    expect(() => new nn.AdaptiveMaxPool2d(2, { return_indices: true } as never)).toThrow(/unknown option 'return_indices'/);
  });

  test('the global pool (output 1) is the mean over H and W', () => {
    const x = randn(4, 8, 6, 6);
    const y = F.adaptiveAvgPool2d(x, 1);
    expect(y.shape).toEqual([4, 8, 1, 1]);
    expect(y.gradFn).toBeNull();
    const mean = x.mean([-1, -2], true).dataSync();
    y.dataSync().forEach((v, i) => expect(Math.abs(v - mean[i])).toBeLessThan(1e-6));
  });
});

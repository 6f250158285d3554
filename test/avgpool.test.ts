/**
 * avgPool2d against PyTorch 1.13 (test/fixtures/layers/avgpool.json, written by
 * scripts/fixtures-avgpool.py): random shapes, kernel sizes, strides, paddings, ceilMode,
 * countIncludePad and divisorOverride, empty batches, NaN and infinities, contiguous and
 * non-contiguous inputs, forward and backward on both backends; PyTorch's errors; nn.AvgPool2d.
 */
import { F, nn, setBackend, randn, zeros } from '../src';
import type { ArrayJson } from './helpers/fixtures';
import { expectMatches, leafInput, readLayersFixture, torchMessage, toTensor } from './helpers/layers';

type PairJson = number | [number, number];

interface Case {
  name: string;
  kernelSize: [number, number];
  stride: [number, number] | null;
  padding: [number, number];
  ceilMode: boolean;
  countIncludePad: boolean;
  divisorOverride: number | null;
  input: ArrayJson;
  output: ArrayJson;
  gradOutput: ArrayJson;
  gradInput: ArrayJson;
}

interface Fixture {
  torch: string;
  cases: Case[];
  errors: Array<{ shape: number[]; kernelSize: PairJson; stride: PairJson | null; padding: PairJson; ceilMode: boolean;
    divisorOverride: number | null; message: string }>;
}

const fixture = readLayersFixture<Fixture>('avgpool.json');

describe.each(['js', 'wasm'])(`avgPool2d vs PyTorch ${fixture.torch} on the %s backend`, (backend) => {
  beforeAll(() => setBackend(backend));

  describe.each(['contiguous', 'strided'] as const)('%s input', (layout) => {
    test.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const x = leafInput(c.input, layout);
      const y = F.avgPool2d(x.input, c.kernelSize, {
        stride: c.stride, padding: c.padding, ceilMode: c.ceilMode, countIncludePad: c.countIncludePad,
        divisorOverride: c.divisorOverride,
      });
      expectMatches('output', y, c.output);
      expect(y.gradFn!.name).toBe('AvgPool2DBackward0');
      y.backward(toTensor(c.gradOutput));
      expectMatches('gradInput', x.grad(), c.gradInput);
    });
  });
});

describe('avgPool2d errors, arguments and nn.AvgPool2d', () => {
  test.each(fixture.errors.map((e) => [e.message, e] as const))('%s', (message, e) => {
    const run = (): unknown => F.avgPool2d(zeros(...e.shape), e.kernelSize as never, {
      stride: e.stride as never, padding: e.padding as never, ceilMode: e.ceilMode, divisorOverride: e.divisorOverride,
    });
    expect(run).toThrow(`avgPool2d: ${torchMessage(message)}`);
  });

  test('positional arguments in PyTorch\'s order equal the options object; unknown options are refused', () => {
    const x = randn(2, 3, 9, 10);
    const a = F.avgPool2d(x, 3, 2, 1, true, false, 4);
    const b = F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false, divisorOverride: 4 });
    expect(a.dataSync()).toEqual(b.dataSync());
    expect(() => F.avgPool2d(x, 2, { dilation: 2 } as never)).toThrow(/avgPool2d: unsupported option 'dilation'|avgPool2d: .*dilation/);
    expect(() => F.avgPool2d(x, 2, { count_include_pad: false } as never)).toThrow(/unknown option 'count_include_pad'/);
  });

  test('nn.AvgPool2d passes every option through', () => {
    const x = randn(2, 3, 11, 9);
    const expected = F.avgPool2d(x, [3, 2], { stride: [2, 1], padding: [1, 0], ceilMode: true, countIncludePad: false });
    const byObject = new nn.AvgPool2d([3, 2], { stride: [2, 1], padding: [1, 0], ceilMode: true, countIncludePad: false });
    const positional = new nn.AvgPool2d([3, 2], [2, 1], [1, 0], true, false);
    expect(byObject.call(x).dataSync()).toEqual(expected.dataSync());
    expect(positional.call(x).dataSync()).toEqual(expected.dataSync());
    expect(new nn.AvgPool2d(2).extraRepr()).toBe('kernelSize=2, stride=2, padding=0');
    expect(() => new nn.AvgPool2d(2, { ceil_mode: true } as never)).toThrow(/unknown option 'ceil_mode'/);
  });
});

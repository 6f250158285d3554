/**
 * maxPool2d against PyTorch 1.13 (test/fixtures/maxpool/maxpool2d.json, written by
 * scripts/fixtures-maxpool.py): random shapes, kernel sizes, strides, paddings, dilations and
 * ceilMode, with NaN, infinities and ties, on both backends; output sizes over a grid; PyTorch's
 * error texts; and nn.MaxPool2d passing every option through and refusing unknown ones.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, F, nn, setBackend, zeros, randn } from '../src';
import { pool2dGeometry } from '../src/backend/validate';
import { f32, i32, ArrayJson } from './helpers/fixtures';

type PairJson = number | [number, number];

interface PoolCase {
  name: string;
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
  input: ArrayJson;
  output: ArrayJson;
  indices: ArrayJson;
  gradOutput: ArrayJson;
  gradInput: ArrayJson;
  gradInputByTorch: boolean;
}

interface ErrorCase {
  shape: number[];
  kernelSize: PairJson;
  stride: PairJson | null;
  padding: PairJson;
  dilation: PairJson;
  ceilMode: boolean;
  message: string;
}

interface Fixture {
  torch: string;
  cases: PoolCase[];
  /** [input, kernel, stride, pad, dilation, ceilMode (0/1), output (0: too small)] */
  sizes: number[][];
  errors: ErrorCase[];
}

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'maxpool', 'maxpool2d.json'), 'utf8')) as Fixture;

const toTensor = (a: ArrayJson): Tensor => {
  const { shape, data } = f32(a);
  return new Tensor(data, shape);
};

/** Bit-for-bit equality, NaN meeting NaN (and -0 only meeting -0). */
function expectSameValues(label: string, got: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(got.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(got[i], expected[i])) {
      throw new Error(`${label}: element ${i} is ${got[i]}, PyTorch ${expected[i]}`);
    }
  }
}

const optionsOf = (c: PoolCase) => ({ stride: c.stride, padding: c.padding, dilation: c.dilation, ceilMode: c.ceilMode });

describe.each(['js', 'wasm'])(`maxPool2d vs PyTorch ${fixture.torch} on the %s backend`, (backend) => {
  beforeAll(() => setBackend(backend));

  test.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const x = toTensor(c.input).requiresGrad_();
    const [y, indices] = F.maxPool2d(x, c.kernelSize, { ...optionsOf(c), returnIndices: true });
    const expected = f32(c.output);
    expect(y.shape).toEqual(expected.shape);
    expect(indices.shape).toEqual(expected.shape);
    expect(indices.dtype).toBe('int32');
    expectSameValues('indices', indices.dataSync(), i32(c.indices).data);
    expectSameValues('output', y.dataSync(), expected.data);
    expect(y.gradFn!.name).toBe('MaxPool2DWithIndicesBackward0');

    y.backward(toTensor(c.gradOutput));
    // Each input cell sums at most kH * kW gradients: a few float32 roundings of the exact sum.
    const exact = f32(c.gradInput).data;
    const got = x.grad!.dataSync();
    const scale = Math.max(1, ...Array.from(exact, Math.abs));
    for (let i = 0; i < exact.length; i++) {
      if (!(Math.abs(got[i] - exact[i]) <= 1e-6 * scale)) {
        throw new Error(`gradInput: element ${i} is ${got[i]}, PyTorch ${exact[i]}`);
      }
    }
  });
});

describe('output sizes and errors are PyTorch\'s', () => {
  test(`${fixture.sizes.length} sizes along one axis, floor and ceil mode`, () => {
    for (const [size, kernel, stride, pad, dilation, ceil, out] of fixture.sizes) {
      const args = {
        batch: 1, channels: 1, inHeight: size, inWidth: 1, kernelSize: [kernel, 1] as [number, number],
        stride: [stride, 1] as [number, number], padding: [pad, 0] as [number, number],
        dilation: [dilation, 1] as [number, number], ceilMode: ceil === 1,
      };
      const label = JSON.stringify(args);
      if (out === 0) expect(() => pool2dGeometry(args)).toThrow(/Output size is too small/);
      else expect([label, pool2dGeometry(args).outHeight]).toEqual([label, out]);
    }
  });

  test.each(fixture.errors.map((e) => [e.message, e] as const))('%s', (message, e) => {
    const run = (): unknown => F.maxPool2d(zeros(...e.shape), e.kernelSize, {
      stride: e.stride, padding: e.padding, dilation: e.dilation, ceilMode: e.ceilMode,
    });
    expect(run).toThrow(`maxPool2d: ${message}`);
  });
});

describe('maxPool2d options', () => {
  const x = randn(2, 3, 9, 10);

  test('positional arguments in PyTorch\'s order equal the options object', () => {
    const a = F.maxPool2d(x, 3, 2, 1, 2, true);
    const b = F.maxPool2d(x, 3, { stride: 2, padding: 1, dilation: 2, ceilMode: true });
    expect(a.shape).toEqual([2, 3, 4, 5]); // torch.Size([2, 3, 4, 5])
    expect(a.dataSync()).toEqual(b.dataSync());
    const [values, indices] = F.maxPool2d(x, 3, 2, 1, 2, true, true);
    expect(values.dataSync()).toEqual(a.dataSync());
    const [, indices2] = F.maxPool2dWithIndices(x, 3, { stride: 2, padding: 1, dilation: 2, ceilMode: true });
    expect(indices.dataSync()).toEqual(indices2.dataSync());
  });

  test('unknown options and mixed forms are refused', () => {
    expect(() => F.maxPool2d(x, 2, { dilations: 2 } as never)).toThrow(
      "maxPool2d: unknown option 'dilations'; accepted options: stride, padding, dilation, ceilMode, returnIndices");
    const untyped = F.maxPool2d as unknown as (...args: unknown[]) => unknown;
    expect(() => untyped(x, 2, { stride: 1 }, 1)).toThrow(/either as one object or positionally/);
    expect(() => F.maxPool2d(x, 2, { ceilMode: 1 } as never)).toThrow('maxPool2d: ceilMode must be a boolean, got 1');
  });
});

describe('nn.MaxPool2d', () => {
  const x = randn(2, 3, 11, 9);

  test('passes stride, padding, dilation and ceilMode through, positionally or as an object', () => {
    const expected = F.maxPool2d(x, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: [2, 3], ceilMode: true });
    const byObject = new nn.MaxPool2d([3, 2], { stride: [2, 1], padding: [1, 0], dilation: [2, 3], ceilMode: true });
    const positional = new nn.MaxPool2d([3, 2], [2, 1], [1, 0], [2, 3], false, true);
    expect(byObject.call(x).dataSync()).toEqual(expected.dataSync());
    expect(positional.call(x).dataSync()).toEqual(expected.dataSync());
    expect(byObject.extraRepr()).toBe('kernelSize=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(2, 3), ceilMode=true');
    expect(new nn.MaxPool2d(2).extraRepr()).toBe('kernelSize=2, stride=2, padding=0, dilation=1, ceilMode=false');
  });

  test('returnIndices gives [output, indices]', () => {
    const pool = new nn.MaxPool2d(2, { returnIndices: true });
    const [y, indices] = pool.call(x);
    const [ey, ei] = F.maxPool2d(x, 2, { returnIndices: true });
    expect(y.dataSync()).toEqual(ey.dataSync());
    expect(indices.dataSync()).toEqual(ei.dataSync());
  });

  test('unknown options are refused', () => {
    expect(() => new nn.MaxPool2d(2, { ceil_mode: true } as never)).toThrow(
      "MaxPool2d: unknown option 'ceil_mode' (did you mean 'ceilMode'?); accepted options: stride, padding, dilation, ceilMode, returnIndices");
    const Untyped = nn.MaxPool2d as unknown as new (...args: unknown[]) => unknown;
    expect(() => new Untyped(2, { stride: 1 }, 0)).toThrow(/either as one object or positionally/);
  });
});

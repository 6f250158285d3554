/**
 * convTranspose2d / nn.ConvTranspose2d against PyTorch 1.13 (test/fixtures/layers/conv-transpose.json,
 * written by scripts/fixtures-conv-transpose.py): random shapes (batched, unbatched, empty
 * batches), strides, paddings, output paddings (also at or above the stride, below the
 * dilation), dilations, groups and bias; contiguous and non-contiguous inputs and weights;
 * forward and the three gradients on both backends (the op runs on the conv2d kernels);
 * outputSize in forward; PyTorch's errors.
 */
import { F, nn, setBackend, zeros } from '../src';
import type { ArrayJson } from './helpers/fixtures';
import { expectMatches, leafInput, readLayersFixture, toTensor } from './helpers/layers';

type P = [number, number];
interface Case {
  name: string; stride: P; padding: P; outputPadding: P; dilation: P; groups: number; input: ArrayJson; weight: ArrayJson;
  bias: ArrayJson | null; output: ArrayJson; gradFn: string; gradOutput: ArrayJson; gradInput: ArrayJson;
  gradWeight: ArrayJson; gradBias: ArrayJson | null;
}
interface ModuleCase {
  name: string; inChannels: number; outChannels: number; kernelSize: P; stride: P; padding: P; dilation: P;
  outputSize: number[]; weight: ArrayJson; bias: ArrayJson; input: ArrayJson; output: ArrayJson; gradOutput: ArrayJson;
  gradInput: ArrayJson; gradWeight: ArrayJson; gradBias: ArrayJson;
}
interface Fixture {
  torch: string;
  cases: Case[];
  modules: ModuleCase[];
  errors: {
    functional: Array<{ options: Record<string, number>; input: number[]; weight: number[]; bias: number[] | null; message: string }>;
    forward: Array<{ outputSize: number[]; message: string }>;
    construct: Array<{ options: Record<string, unknown>; message: string }>;
    repr: string;
  };
}

const fixture = readLayersFixture<Fixture>('conv-transpose.json');
const TOL = 1e-5;

describe.each(['js', 'wasm'])(`convTranspose2d vs PyTorch ${fixture.torch} on the %s backend`, (backend) => {
  beforeAll(() => setBackend(backend));

  describe.each(['contiguous', 'strided'] as const)('%s input and weight', (layout) => {
    test.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const x = leafInput(c.input, layout);
      const w = leafInput(c.weight, layout);
      const b = c.bias === null ? null : toTensor(c.bias).requiresGrad_();
      const y = F.convTranspose2d(x.input, w.input, b, {
        stride: c.stride, padding: c.padding, outputPadding: c.outputPadding, dilation: c.dilation, groups: c.groups,
      });
      expectMatches('output', y, c.output, TOL);
      // With outputPadding >= stride the result is a crop of the full one (another grad_fn).
      if (c.outputPadding.every((p, i) => p < c.stride[i])) expect(y.gradFn!.name).toBe(c.gradFn);
      y.backward(toTensor(c.gradOutput));
      expectMatches('gradInput', x.grad(), c.gradInput, TOL);
      expectMatches('gradWeight', w.grad(), c.gradWeight, TOL);
      if (b !== null) expectMatches('gradBias', b.grad!, c.gradBias!, TOL);
    });

    test.each(fixture.modules.map((c) => [c.name, c] as const))('nn.ConvTranspose2d %s', (_name, c) => {
      const m = new nn.ConvTranspose2d(c.inChannels, c.outChannels, c.kernelSize, {
        stride: c.stride, padding: c.padding, dilation: c.dilation,
      });
      m.weight.data.copy_(toTensor(c.weight));
      m.bias!.data.copy_(toTensor(c.bias));
      const x = leafInput(c.input, layout);
      const y = m.call(x.input, c.outputSize);
      expectMatches('output', y, c.output, TOL);
      y.backward(toTensor(c.gradOutput));
      expectMatches('gradInput', x.grad(), c.gradInput, TOL);
      expectMatches('gradWeight', m.weight.grad!, c.gradWeight, TOL);
      expectMatches('gradBias', m.bias!.grad!, c.gradBias, TOL);
    });
  });
});

describe('convTranspose2d errors and nn.ConvTranspose2d', () => {
  test.each(fixture.errors.functional.map((e) => [e.message, e] as const))('F: %s', (message, e) => {
    const bias = e.bias === null ? null : zeros(...e.bias);
    expect(() => F.convTranspose2d(zeros(...e.input), zeros(...e.weight), bias, e.options)).toThrow(`convTranspose2d: ${message}`);
  });

  test.each(fixture.errors.forward.map((e) => [e.message, e] as const))('forward: %s', (message, e) => {
    const m = new nn.ConvTranspose2d(4, 3, 3, { stride: 2, padding: 1 });
    expect(() => m.call(zeros(2, 4, 5, 6), e.outputSize)).toThrow(`ConvTranspose2d: ${message}`);
  });

  test.each(fixture.errors.construct.map((e) => [e.message, e] as const))('constructor: %s', (message, e) => {
    expect(() => new nn.ConvTranspose2d(4, 3, 3, e.options as never)).toThrow(`ConvTranspose2d: ${message}`);
  });

  test('parameters, repr and unknown options', () => {
    const m = new nn.ConvTranspose2d(4, 6, [3, 2], { stride: [2, 1], padding: 1, outputPadding: 1, groups: 2, bias: false, dilation: 2 });
    expect(m.weight.shape).toEqual([4, 3, 3, 2]);
    expect(m.bias).toBeNull();
    expect(fixture.errors.repr).toContain('ConvTranspose2d(4, 6, kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(2, 2), output_padding=(1, 1), groups=2, bias=False)');
    expect(m.extraRepr()).toBe('4, 6, kernelSize=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(2, 2), outputPadding=(1, 1), groups=2, bias=false');
    // PyTorch's bound: 1 / sqrt(fan_in), fan_in = weight.size(1) * kH * kW = 3 * 3 * 2.
    const bound = 1 / Math.sqrt(18);
    expect(Array.from(m.weight.dataSync()).every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(() => new nn.ConvTranspose2d(4, 3, 3, { output_padding: 1 } as never)).toThrow(/unknown option 'output_padding'/);
    expect(() => F.convTranspose2d(zeros(1, 4, 3, 3), zeros(4, 3, 3, 3), null, { outputPaddings: 1 } as never)).toThrow(/unknown option/);
  });
});

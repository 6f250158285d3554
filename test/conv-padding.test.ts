/**
 * F.pad (constant, reflect, replicate, circular), conv2d's padding 'same' / 'valid' and
 * nn.Conv2d's paddingMode against PyTorch 1.13 (test/fixtures/layers/conv-padding.json, written
 * by scripts/fixtures-conv-padding.py): random ranks, pad lists with cropping, NaN, even kernels
 * with dilation (PyTorch's extra bottom/right padding), groups, empty batches, contiguous and
 * non-contiguous inputs, forward and backward on both backends; PyTorch's errors.
 */
import { F, nn, setBackend, zeros, randn } from '../src';
import type { PadMode } from '../src/functional';
import type { ArrayJson } from './helpers/fixtures';
import { expectMatches, leafInput, readLayersFixture, torchMessage, toTensor } from './helpers/layers';

interface PadCase {
  name: string; mode: PadMode; pad: number[]; value: number | null; input: ArrayJson; output: ArrayJson;
  gradOutput: ArrayJson; gradInput: ArrayJson | null; gradFn: string | null;
}
interface ConvCase {
  name: string; padding: 'same' | 'valid'; dilation: [number, number]; groups: number; input: ArrayJson;
  weight: ArrayJson; bias: ArrayJson | null; output: ArrayJson; gradOutput: ArrayJson; gradInput: ArrayJson;
  gradWeight: ArrayJson; gradBias: ArrayJson | null;
}
interface ModuleCase {
  name: string; paddingMode: 'zeros' | 'reflect' | 'replicate' | 'circular'; padding: number | [number, number] | 'same' | 'valid';
  kernelSize: [number, number]; stride: [number, number]; dilation: [number, number]; inChannels: number; outChannels: number;
  weight: ArrayJson; bias: ArrayJson; input: ArrayJson; output: ArrayJson; gradOutput: ArrayJson; gradInput: ArrayJson;
  gradWeight: ArrayJson; gradBias: ArrayJson;
}
interface Fixture {
  torch: string;
  pad: PadCase[];
  padErrors: Array<{ shape: number[]; pad: number[]; mode: PadMode; value: number | null; message: string }>;
  conv: ConvCase[];
  modules: ModuleCase[];
  errors: {
    conv2d: Array<{ padding: string; stride: number; message: string }>;
    module: Array<{ options: Record<string, unknown>; message: string }>;
  };
}

const fixture = readLayersFixture<Fixture>('conv-padding.json');
const layouts = ['contiguous', 'strided'] as const;
/** Python prints a set in hash order: compare its messages without the set's contents. */
const withoutSets = (s: string): string => s.replace(/\{[^}]*\}/g, '{...}');

describe.each(['js', 'wasm'])(`padding vs PyTorch ${fixture.torch} on the %s backend`, (backend) => {
  beforeAll(() => setBackend(backend));

  describe.each(layouts)('%s input', (layout) => {
    test.each(fixture.pad.map((c) => [c.name, c] as const))('F.pad %s', (_name, c) => {
      const x = leafInput(c.input, layout);
      const y = F.pad(x.input, c.pad, c.mode, c.value ?? undefined);
      expectMatches('output', y, c.output, 0);
      if (c.gradFn !== null) expect(y.gradFn!.name).toBe(c.gradFn);
      y.backward(toTensor(c.gradOutput));
      if (c.gradInput !== null) expectMatches('gradInput', x.grad(), c.gradInput);
    });

    test.each(fixture.conv.map((c) => [c.name, c] as const))('F.conv2d padding %s', (_name, c) => {
      const x = leafInput(c.input, layout);
      const w = leafInput(c.weight, layout);
      const b = c.bias === null ? null : toTensor(c.bias).requiresGrad_();
      const y = F.conv2d(x.input, w.input, b, { padding: c.padding, dilation: c.dilation, groups: c.groups });
      expectMatches('output', y, c.output, 1e-5);
      y.backward(toTensor(c.gradOutput));
      expectMatches('gradInput', x.grad(), c.gradInput, 1e-5);
      expectMatches('gradWeight', w.grad(), c.gradWeight, 1e-5);
      if (b !== null) expectMatches('gradBias', b.grad!, c.gradBias!, 1e-5);
    });

    test.each(fixture.modules.map((c) => [c.name, c] as const))('nn.Conv2d paddingMode %s', (_name, c) => {
      const m = new nn.Conv2d(c.inChannels, c.outChannels, c.kernelSize, {
        padding: c.padding, stride: c.stride, dilation: c.dilation, paddingMode: c.paddingMode,
      });
      m.weight.data.copy_(toTensor(c.weight));
      m.bias!.data.copy_(toTensor(c.bias));
      const x = leafInput(c.input, layout);
      const y = m.call(x.input);
      expectMatches('output', y, c.output, 1e-5);
      y.backward(toTensor(c.gradOutput));
      expectMatches('gradInput', x.grad(), c.gradInput, 1e-5);
      expectMatches('gradWeight', m.weight.grad!, c.gradWeight, 1e-5);
      expectMatches('gradBias', m.bias!.grad!, c.gradBias, 1e-5);
    });
  });
});

describe('padding errors and options', () => {
  test.each(fixture.padErrors.map((e) => [e.message, e] as const))('F.pad: %s', (message, e) => {
    const run = () => F.pad(zeros(...e.shape), e.pad, e.mode, e.value ?? undefined);
    // torch 1.13 narrows before it checks a crop past the size; this library reports the size.
    if (message.startsWith('start (')) expect(run).toThrow(/resulted in a negative output size/);
    else expect(run).toThrow(`pad: ${message}`);
  });

  test.each(fixture.errors.conv2d.map((e) => [e.message, e] as const))('F.conv2d: %s', (message, e) => {
    expect(() => F.conv2d(randn(1, 3, 6, 6), randn(4, 3, 3, 3), null, { padding: e.padding as 'same', stride: e.stride }))
      .toThrow(`conv2d: ${torchMessage(message)}`);
  });

  test.each(fixture.errors.module.map((e) => [e.message, e] as const))('nn.Conv2d: %s', (message, e) => {
    expect(() => new nn.Conv2d(3, 4, 3, e.options as never)).toThrow();
    try {
      new nn.Conv2d(3, 4, 3, e.options as never);
    } catch (err) {
      expect(withoutSets((err as Error).message)).toBe(withoutSets(`Conv2d: ${message}`));
    }
  });

  test('unknown modes and values are refused; repr shows padding and paddingMode', () => {
    expect(() => F.pad(randn(2, 3), [1, 1], 'foo' as PadMode)).toThrow('pad: Unrecognised padding mode foo');
    const m = new nn.Conv2d(3, 4, [2, 4], { padding: 'same', paddingMode: 'reflect' });
    expect(m.extraRepr()).toBe('3, 4, kernelSize=(2, 4), stride=(1, 1), padding=same, paddingMode=reflect');
    expect(m.call(randn(1, 3, 5, 6)).shape).toEqual([1, 4, 5, 6]);
  });
});

describe("nn.Conv2d's positional stride and padding, as PyTorch's Conv2d(in, out, k, stride, padding)", () => {
  test('the same module as the options form', () => {
    const a = new nn.Conv2d(3, 4, 3, 2, 1, { bias: false });
    const b = new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1, bias: false });
    expect(a.extraRepr()).toBe(b.extraRepr());
    expect(a.stride).toEqual([2, 2]);
    expect(a.padding).toEqual([1, 1]);
    expect(a.bias).toBeNull();
    const c = new nn.Conv2d(1, 32, 3, 1);
    expect(c.stride).toEqual([1, 1]);
    expect(c.padding).toEqual([0, 0]);
  });

  test('stride or padding given twice is refused', () => {
    expect(() => new nn.Conv2d(3, 4, 3, 2, undefined, { stride: 1 })).toThrow(/given both positionally and in the options/);
    expect(() => new nn.Conv2d(3, 4, 3, 2, 1, { padding: 0 })).toThrow(/given both positionally and in the options/);
  });
});

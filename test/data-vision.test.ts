/**
 * The vision transforms against torchvision 0.14 (fixtures from scripts/gen-fixtures-vision.py):
 * the deterministic ones through their functional forms on float32 and uint8 inputs (CHW
 * images, HWC images and Tensors), the random ones by their behaviour and distribution.
 */
import {
  adjustBrightness, adjustContrast, adjustHue, adjustSaturation, CenterCrop, centerCrop, ColorJitter, Compose, DataLoader, pad, RandomCrop,
  RandomHorizontalFlip, Resize, resize, ToTensor, transformFromSpec, Normalize, Pad, hflip, getDimensions, InMemoryImageDataset,
  liveWorkerCount,
} from '../src/data';
import type { Image } from '../src/data';
import { Generator, manualSeed } from '../src/random';
import { ensureBuilt } from './helpers/dist';
import { Tensor } from '../src/tensor';
import { maxAbsDiff, readVisionFixture, visionArray, type VisionArrayJson } from './helpers/vision-fixtures';

interface Case { op: string; input: VisionArrayJson; args: Record<string, any>; output: VisionArrayJson }
const fixture = readVisionFixture<{ cases: Case[]; toTensor: VisionArrayJson }>('transforms.json');

function run(c: Case, img: Image | Tensor): Image | Tensor {
  const a = c.args;
  switch (c.op) {
    case 'resize':
      return resize(img, a.size, { interpolation: a.interpolation, maxSize: a.maxSize });
    case 'centerCrop':
      return centerCrop(img, a.size);
    case 'pad':
      return pad(img, a.padding, a.fill, a.mode);
    case 'adjustBrightness':
      return adjustBrightness(img, a.factor);
    case 'adjustContrast':
      return adjustContrast(img, a.factor);
    case 'adjustSaturation':
      return adjustSaturation(img, a.factor);
    case 'adjustHue':
      return adjustHue(img, a.factor);
    default:
      throw new Error(c.op);
  }
}

const chwToHwc = (d: Uint8Array | Float32Array, [c, h, w]: number[]) => {
  const out = d instanceof Uint8Array ? new Uint8Array(d.length) : new Float32Array(d.length);
  for (let k = 0; k < c; k++) for (let p = 0; p < h * w; p++) out[p * c + k] = d[k * h * w + p];
  return out;
};

/**
 * Exact, except: adjust_contrast takes a mean, which torch sums in its own order (the last bits
 * of float32; uint8 may truncate one level apart); bilinear resize has ATen's indices and
 * weights exactly but torch's AVX2 float sum rounds differently in the last bit (values in
 * [0, 1]: 2 ulp; uint8: a sum at .5 may round one level apart).
 */
function toleranceOf(c: Case): number {
  if (c.op === 'adjustContrast' || (c.op === 'resize' && c.args.interpolation === 'bilinear')) return c.input.dtype === 'u8' ? 1 : 1.2e-7;
  return 0;
}

const label = (c: Case) => `${c.op} ${c.input.dtype} [${c.input.shape}] ${JSON.stringify(c.args)}`;

describe('functional transforms match torchvision (tensor path)', () => {
  const images = fixture.cases.filter((c) => c.input.shape.length === 3);
  test.each(images.map((c) => [label(c), c] as [string, Case]))('%s', (_name, c) => {
    const x = visionArray(c.input);
    const expected = visionArray(c.output);
    // CHW image: bit for bit (uint8 and float32); the input is not modified.
    const before = x.slice();
    const y = run(c, { data: x, shape: c.input.shape, layout: 'CHW' }) as Image;
    expect(y.shape).toEqual(c.output.shape);
    expect(y.data.constructor).toBe(expected.constructor);
    const tolerance = toleranceOf(c);
    expect(maxAbsDiff(y.data, expected)).toBeLessThanOrEqual(tolerance);
    if (tolerance === 1) expect(Array.from(y.data).filter((v, i) => v !== expected[i]).length).toBeLessThanOrEqual(Math.ceil(expected.length / 100));
    expect(Array.from(x)).toEqual(Array.from(before));
    // HWC image: the same values in HWC layout.
    const [c0, h0, w0] = c.input.shape;
    const yh = run(c, { data: chwToHwc(x, c.input.shape), shape: [h0, w0, c0], layout: 'HWC' }) as Image;
    expect(yh.layout).toBe('HWC');
    expect(yh.shape).toEqual([c.output.shape[1], c.output.shape[2], c.output.shape[0]]);
    expect(maxAbsDiff(yh.data, chwToHwc(expected, c.output.shape))).toBeLessThanOrEqual(tolerance);
    // float32 Tensor.
    if (x instanceof Float32Array) {
      const yt = run(c, new Tensor(x.slice(), c.input.shape)) as Tensor;
      expect(yt).toBeInstanceOf(Tensor);
      expect(yt.shape).toEqual(c.output.shape);
      expect(maxAbsDiff(yt.dataSync(), expected)).toBeLessThanOrEqual(tolerance);
    }
  });

  const batches = fixture.cases.filter((c) => c.input.shape.length === 4);
  test.each(batches.map((c) => [label(c), c] as [string, Case]))('batched tensor: %s', (_name, c) => {
    const y = run(c, new Tensor(visionArray(c.input) as Float32Array, c.input.shape)) as Tensor;
    expect(y.shape).toEqual(c.output.shape);
    expect(maxAbsDiff(y.dataSync(), visionArray(c.output))).toBeLessThanOrEqual(toleranceOf(c));
  });

  test('the transform classes give the functional results', () => {
    const c = fixture.cases.find((k) => k.op === 'resize' && k.input.dtype === 'f32' && k.args.size.length === 1)!;
    const img = { data: visionArray(c.input), shape: c.input.shape };
    const y = new Resize(c.args.size, { interpolation: c.args.interpolation }).apply(img);
    expect(y.data).toEqual(resize(img, c.args.size, { interpolation: c.args.interpolation }).data);
    expect(maxAbsDiff(y.data, visionArray(c.output))).toBeLessThanOrEqual(toleranceOf(c));
    const cc = fixture.cases.find((k) => k.op === 'centerCrop' && k.input.dtype === 'u8')!;
    expect(new CenterCrop(cc.args.size).apply({ data: visionArray(cc.input), shape: cc.input.shape }).data).toEqual(visionArray(cc.output));
    const pc = fixture.cases.find((k) => k.op === 'pad' && k.args.mode === 'reflect')!;
    expect(new Pad(pc.args.padding, 0, 'reflect').apply({ data: visionArray(pc.input), shape: pc.input.shape }).data).toEqual(visionArray(pc.output));
  });

  test("ToTensor gives torchvision's value for every uint8", () => {
    const expected = visionArray(fixture.toTensor);
    const got = new ToTensor().apply({ data: Uint8Array.from({ length: 256 }, (_, i) => i), shape: [16, 16, 1], layout: 'HWC' });
    expect(Array.from(got.data)).toEqual(Array.from(expected));
  });
});

describe('option checks with torchvision messages', () => {
  test('errors', () => {
    const img = { data: new Float32Array(3 * 4 * 4), shape: [3, 4, 4] };
    expect(() => new RandomCrop(5).apply(img)).toThrow('RandomCrop: Required crop size (5, 5) is larger than input image size (4, 4)');
    expect(() => new RandomCrop([1, 2, 3])).toThrow('Please provide only two dimensions (h, w) for size.');
    expect(() => new RandomCrop(2, { paddingMode: 'wrap' as never })).toThrow('Padding mode should be either constant, edge, reflect or symmetric');
    expect(() => new RandomCrop(2, { padding: [1, 2, 3] })).toThrow('Padding must be an int or a 1, 2, or 4 element tuple, not a 3 element tuple');
    expect(() => new RandomCrop(2, { pad_if_needed: true } as never)).toThrow("RandomCrop: unknown option 'pad_if_needed' (did you mean 'padIfNeeded'?)");
    expect(() => pad(img, 4, 0, 'reflect')).toThrow(/Padding size should be less than the corresponding input dimension/);
    expect(() => new Resize(4, { interpolation: 'bicubic' as never })).toThrow("Resize: interpolation 'bicubic' is not supported; use 'bilinear' or 'nearest'");
    expect(() => new Resize(4, { antialias: true })).toThrow(/antialias=true is not supported/);
    expect(() => new Resize([4, 4], { maxSize: 8 })).toThrow('max_size should only be passed if size specifies the length of the smaller edge');
    expect(() => resize(img, [4], { maxSize: 4 })).toThrow('max_size = 4 must be strictly greater than the requested size for the smaller edge size = 4');
    expect(() => new ColorJitter({ brightness: -1 })).toThrow('If brightness is a single number, it must be non negative.');
    expect(() => new ColorJitter({ hue: [-0.6, 0.2] })).toThrow('hue values should be between (-0.5, 0.5)');
    expect(() => new ColorJitter({ contrast: [2, 1] })).toThrow('contrast values should be between (0, inf)');
    expect(() => new ColorJitter({ saturation: [1, 2, 3] as never })).toThrow('saturation should be a single number or a list/tuple with length 2.');
    expect(() => adjustHue(img, 0.7)).toThrow('hue_factor (0.7) is not in [-0.5, 0.5].');
    expect(() => adjustBrightness(img, -0.1)).toThrow('brightness_factor (-0.1) is not non-negative.');
    expect(() => adjustSaturation({ data: new Float32Array(2 * 4), shape: [2, 2, 2] }, 2)).toThrow('Input image tensor permitted channel values are [1, 3], but found 2');
    expect(() => new RandomHorizontalFlip(1.5)).toThrow('RandomHorizontalFlip: p must be a probability in [0, 1], got number 1.5');
    expect(() => resize(new Tensor(new Int32Array(4), [2, 2]), 3)).toThrow('resize: expected a float32 tensor image, got dtype int32');
  });
});

describe('random transforms', () => {
  const ramp = (c: number, h: number, w: number): Image<Float32Array> => ({ data: Float32Array.from({ length: c * h * w }, (_, i) => i), shape: [c, h, w] });

  test('RandomCrop: every offset, uniformly; padding and padIfNeeded as torchvision', () => {
    const g = new Generator(1);
    const crop = new RandomCrop(3, { generator: g });
    const counts = new Map<string, number>();
    const n = 6000;
    for (let t = 0; t < n; t++) {
      const out = crop.apply(ramp(2, 5, 6)) as Image<Float32Array>;
      expect(out.shape).toEqual([2, 3, 3]);
      const top = Math.floor(out.data[0] / 6);
      const left = out.data[0] % 6;
      expect(out.data[9]).toBe(30 + out.data[0]); // channel 1: the same window
      counts.set(`${top},${left}`, (counts.get(`${top},${left}`) ?? 0) + 1);
    }
    expect(counts.size).toBe(3 * 4);
    for (const k of counts.values()) expect(Math.abs(k - n / 12)).toBeLessThan(5 * Math.sqrt(n / 12));
    // padding 1 then a crop of the padded size: the padded image itself
    const padded = new RandomCrop([7, 8], { padding: 1, fill: -1 }).apply(ramp(1, 5, 6)) as Image<Float32Array>;
    expect(Array.from(padded.data.slice(0, 8))).toEqual(Array(8).fill(-1));
    // padIfNeeded pads by the shortfall on both sides (torchvision), then crops
    const small = new RandomCrop([4, 9], { padIfNeeded: true, paddingMode: 'edge', generator: new Generator(2) });
    for (let t = 0; t < 20; t++) {
      const out = small.apply(ramp(1, 2, 6)) as Image<Float32Array>;
      expect(out.shape).toEqual([1, 4, 9]);
    }
    // Same seed, same crops; default generator through manualSeed.
    manualSeed(5);
    const a = [0, 1, 2].map(() => Array.from((new RandomCrop(2).apply(ramp(1, 6, 6)) as Image).data));
    manualSeed(5);
    const b = [0, 1, 2].map(() => Array.from((new RandomCrop(2).apply(ramp(1, 6, 6)) as Image).data));
    expect(a).toEqual(b);
  });

  test('RandomHorizontalFlip: flips with probability p, on images and tensors', () => {
    const g = new Generator(3);
    const flip = new RandomHorizontalFlip(0.3, { generator: g });
    let flipped = 0;
    const n = 4000;
    for (let t = 0; t < n; t++) if ((flip.apply(ramp(1, 1, 3)) as Image).data[0] === 2) flipped++;
    expect(Math.abs(flipped / n - 0.3)).toBeLessThan(0.03);
    expect(Array.from((new RandomHorizontalFlip(1).apply(new Tensor(Float32Array.from([1, 2, 3, 4]), [1, 2, 2])) as Tensor).dataSync())).toEqual([2, 1, 4, 3]);
    expect(Array.from(new RandomHorizontalFlip(0).apply(ramp(1, 1, 3)).data)).toEqual([0, 1, 2]);
    expect(Array.from(hflip({ data: Uint8Array.from([1, 2, 3, 4, 5, 6]), shape: [1, 3, 2], layout: 'HWC' }).data)).toEqual([5, 6, 3, 4, 1, 2]);
  });

  test('ColorJitter: a random order of the four adjustments, each factor uniform in its range', () => {
    const g = new Generator(4);
    const jitter = new ColorJitter({ brightness: 0.4, contrast: [0.5, 0.9], saturation: 0.2, hue: 0.1, generator: g });
    expect([jitter.brightness, jitter.contrast, jitter.saturation, jitter.hue]).toEqual([[0.6, 1.4], [0.5, 0.9], [0.8, 1.2], [-0.1, 0.1]]);
    const orders = new Set<string>();
    const hues: number[] = [];
    for (let t = 0; t < 3000; t++) {
      const p = jitter.getParams();
      orders.add(p.order.join(''));
      expect(p.brightness!).toBeGreaterThanOrEqual(0.6);
      expect(p.brightness!).toBeLessThan(1.4);
      expect(p.contrast!).toBeGreaterThanOrEqual(0.5);
      expect(p.contrast!).toBeLessThan(0.9);
      hues.push(p.hue!);
    }
    expect(orders.size).toBe(24);
    expect(Math.abs(hues.reduce((a, b) => a + b, 0) / hues.length)).toBeLessThan(0.005);
    // The output is the composition of the functional adjustments in the drawn order.
    const img = { data: Float32Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 37 % 101) / 100), shape: [3, 4, 5] };
    const state = g.getState();
    const p = jitter.getParams();
    g.setState(state);
    let expected: Image = img;
    for (const fn of p.order) {
      if (fn === 0) expected = adjustBrightness(expected, p.brightness!);
      if (fn === 1) expected = adjustContrast(expected, p.contrast!);
      if (fn === 2) expected = adjustSaturation(expected, p.saturation!);
      if (fn === 3) expected = adjustHue(expected, p.hue!);
    }
    expect(jitter.apply(img).data).toEqual(expected.data);
    // Disabled adjustments draw nothing: brightness only uses the permutation and one draw.
    const only = new ColorJitter({ brightness: [1, 1] });
    expect([only.brightness, only.contrast, only.saturation, only.hue]).toEqual([null, null, null, null]);
  });

  test('specs round-trip; a transform with its own generator refuses to go to a worker', () => {
    const t = new Compose([new RandomCrop(4, { padding: 2, paddingMode: 'reflect' }), new RandomHorizontalFlip(), new Resize(6), new CenterCrop(5),
      new ColorJitter({ brightness: 0.2, hue: [-0.1, 0.3] }), new ToTensor(), new Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]);
    const back = transformFromSpec(JSON.parse(JSON.stringify(t.toSpec())));
    const img: Image = { data: Uint8Array.from({ length: 7 * 8 * 3 }, (_, i) => (i * 13) & 0xff), shape: [7, 8, 3], layout: 'HWC' };
    manualSeed(9);
    const a = t.apply(img);
    manualSeed(9);
    const b = back.apply(img);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(a.shape).toEqual([3, 5, 5]);
    expect(() => new RandomCrop(2, { generator: new Generator(1) }).toSpec()).toThrow(/own generator cannot be sent to a DataLoader worker/);
    expect(getDimensions(img)).toEqual([3, 7, 8]);
  });

  test('workers: random transforms are seeded from the loader generator, per worker and epoch', async () => {
    ensureBuilt();
    const n = 24;
    // Image i is 3x6x6 with every pixel of channel k = i * 3 + k: a crop shows nothing, a flip
    // and a jitter show in the values; the label says which image it is.
    const ds = new InMemoryImageDataset({
      images: Uint8Array.from({ length: n * 108 }, (_, j) => Math.floor(j / 36) * 3 + (j % 36) + 1),
      labels: Uint8Array.from({ length: n }, (_, i) => i),
      imageShape: [3, 6, 6],
      classes: [],
      transform: new Compose([new RandomCrop(4, { padding: 1 }), new RandomHorizontalFlip(), new ToTensor()]),
    });
    const epochs = (seed: number, numWorkers: number) => {
      const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, numWorkers, generator: new Generator(seed) });
      const byLabel = () => {
        const out: string[] = [];
        for (const [x, y] of loader) {
          const xs = x.dataSync();
          Array.from(y.dataSync()).forEach((label, b) => (out[label] = Array.from(xs.subarray(b * 48, (b + 1) * 48)).join(',')));
        }
        return out;
      };
      return [byLabel(), byLabel()];
    };
    const [a1, a2] = epochs(7, 2);
    const [b1, b2] = epochs(7, 2);
    expect(b1).toEqual(a1); // reproducible from the loader's generator
    expect(b2).toEqual(a2);
    expect(a2.filter((v, i) => v !== a1[i]).length).toBeGreaterThan(n / 2); // new draws each epoch
    const [c1] = epochs(8, 2);
    expect(c1.filter((v, i) => v !== a1[i]).length).toBeGreaterThan(n / 2);
    for (let t = 0; t < 200 && liveWorkerCount() > 0; t++) await new Promise((r) => setTimeout(r, 10));
  });
});

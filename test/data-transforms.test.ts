import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Compose, DataLoader, FashionMNIST, Normalize, Pad, ToTensor, encodeIdx, transformFromSpec } from '../src/data';
import { Generator } from '../src/random';

describe('transforms', () => {
  test('ToTensor: uint8 CHW and HWC to float CHW in [0, 1]', () => {
    const chw = new ToTensor().apply({ data: Uint8Array.from([0, 255, 51, 102]), shape: [1, 2, 2] });
    expect(Array.from(chw.data)).toEqual(Array.from(Float32Array.from([0, 1, 0.2, 0.4])));
    // HWC 1x2 pixels with 3 channels: (r,g,b) = (10,20,30), (40,50,60)
    const hwc = new ToTensor().apply({ data: Uint8Array.from([10, 20, 30, 40, 50, 60]), shape: [1, 2, 3], layout: 'HWC' });
    expect(hwc.shape).toEqual([3, 1, 2]);
    expect(hwc.layout).toBe('CHW');
    expect(Array.from(hwc.data).map((v) => Math.round(v * 255))).toEqual([10, 40, 20, 50, 30, 60]);
  });

  test('Normalize per channel; errors for uint8 input or channel mismatch', () => {
    const img = { data: Float32Array.from([0, 1, 0.5, 0.25]), shape: [2, 1, 2] };
    const out = new Normalize([0.5, 0.25], [0.5, 0.25]).apply(img);
    expect(Array.from(out.data)).toEqual([-1, 1, 1, 0]);
    expect(img.data[0]).toBe(0); // not in place
    expect(() => new Normalize([0.5], [0]).apply(img)).toThrow(/non-zero/);
    expect(() => new Normalize([1, 2, 3], [1, 1, 1]).apply(img)).toThrow(/3 means\/stds for an image with 2 channels/);
    expect(() => new Normalize([1], [1]).apply({ data: new Uint8Array(2), shape: [1, 1, 2] })).toThrow(/apply ToTensor first/);
  });

  test('Pad: one, two or four values, keeps dtype, fill', () => {
    const img = { data: Uint8Array.from([1, 2, 3, 4]), shape: [1, 2, 2] };
    const p = new Pad([1, 0, 0, 1], 9).apply(img);
    expect(p.shape).toEqual([1, 3, 3]);
    expect(p.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(p.data)).toEqual([9, 1, 2, 9, 3, 4, 9, 9, 9]);
    expect(new Pad(2).apply(img).shape).toEqual([1, 6, 6]);
    expect(new Pad([1, 2]).apply(img).shape).toEqual([1, 6, 4]);
    expect(() => new Pad([1, 2, 3])).toThrow('Pad: Padding must be an int or a 1, 2, or 4 element tuple, not a 3 element tuple');
  });

  test('specs round-trip', () => {
    const t = new Compose([new ToTensor(), new Pad(2), new Normalize([0.2860], [0.3530])]);
    const back = transformFromSpec(JSON.parse(JSON.stringify(t.toSpec())));
    const img = { data: new Uint8Array(784).map((_, i) => i & 0xff), shape: [1, 28, 28] };
    expect(Array.from(back.apply(img).data)).toEqual(Array.from(t.apply(img).data));
    expect(() => transformFromSpec({ kind: 'Nope' })).toThrow(/unknown transform 'Nope'/);
  });

  test('FashionMNIST padded and normalized: workers give the same bytes', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-tf-'));
    try {
      const n = 11;
      fs.writeFileSync(path.join(tmp, 'train-images-idx3-ubyte'), encodeIdx(new Uint8Array(n * 784).map((_, k) => (k * 31) & 0xff), [n, 28, 28]));
      fs.writeFileSync(path.join(tmp, 'train-labels-idx1-ubyte'), encodeIdx(new Uint8Array(n).map((_, i) => i % 10), [n]));
      const ds = new FashionMNIST({
        root: tmp,
        systemDir: null,
        transform: new Compose([new ToTensor(), new Pad(2), new Normalize([0.5], [0.5])]),
      });
      const run = (numWorkers: number) =>
        [...new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(3), numWorkers })].map(([x, y]) => [
          Buffer.from(x.dataSync().buffer, x.dataSync().byteOffset, x.dataSync().byteLength),
          Buffer.from(y.dataSync().buffer, y.dataSync().byteOffset, y.dataSync().byteLength),
          x.shape,
        ]);
      const a = run(0);
      const b = run(2);
      expect(a[0][2]).toEqual([4, 1, 32, 32]);
      expect(b.length).toBe(a.length);
      a.forEach(([x, y], i) => {
        expect((b[i][0] as Buffer).equals(x as Buffer)).toBe(true);
        expect((b[i][1] as Buffer).equals(y as Buffer)).toBe(true);
      });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

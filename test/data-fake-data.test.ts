/**
 * data.FakeData against torchvision 0.14's datasets.FakeData (fixture by
 * scripts/gen-fixtures-fake-data.py): the very bytes of its PIL images (1 to 4 channels, a 2-D
 * size, fewer than 16 values, offsets, the default 3x224x224 by digest), the labels, the
 * ToTensor floats bit for bit; the global generator left alone; the same images from
 * DataLoader workers.
 */
import * as crypto from 'crypto';
import { data, manualSeed, randn, Generator } from '../src';
import { readFixture } from './helpers/fixtures';
import * as path from 'path';

interface Item { index: number; target: number; shape: number[]; mode?: string; u8?: string; f32?: string }
interface Case { name: string; options: data.FakeDataOptions; transform: 'ToTensor' | null; length: number; items: Item[] }
interface Fixture {
  cases: Case[];
  default: { length: number; items: Array<{ index: number; target: number; sha256: string }> };
  globalRngUntouched: boolean;
}

const fixture = readFixture<Fixture>('fake_data.json', path.join(__dirname, 'fixtures', 'vision'));

function datasetOf(c: Case): data.FakeData {
  return new data.FakeData({ ...c.options, transform: c.transform === 'ToTensor' ? new data.ToTensor() : undefined });
}

describe('FakeData against torchvision.datasets.FakeData', () => {
  test.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const ds = datasetOf(c);
    expect(ds.length).toBe(c.length);
    for (const item of c.items) {
      const [image, target] = ds.get(item.index);
      expect(target).toBe(item.target);
      expect(image.shape).toEqual(item.shape);
      if (item.u8 !== undefined) {
        expect(image.data).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength).toString('base64')).toBe(item.u8);
      } else {
        const bytes = Buffer.from(item.f32!, 'base64');
        const expected = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        expect(image.data).toBeInstanceOf(Float32Array);
        expect(Array.from(image.data)).toEqual(Array.from(expected));
      }
    }
  });

  test('the default 3x224x224 images, by digest', () => {
    const ds = new data.FakeData();
    expect(ds.length).toBe(fixture.default.length);
    for (const item of fixture.default.items) {
      const [image, target] = ds.raw(item.index);
      expect(target).toBe(item.target);
      expect(crypto.createHash('sha256').update(image.data).digest('hex')).toBe(item.sha256);
    }
  });

  test('leaves the global generator alone, as torchvision (which saves and restores its state)', () => {
    expect(fixture.globalRngUntouched).toBe(true);
    manualSeed(7);
    const expected = randn(20).dataSync();
    manualSeed(7);
    new data.FakeData({ imageSize: [3, 4, 4] }).get(3);
    expect(Array.from(randn(20).dataSync())).toEqual(Array.from(expected));
  });

  test('ToPILImage bytes: truncation toward zero, modulo 256', () => {
    // 300.2/255 -> 300.2 -> 44; -37.5/255 -> -37.5 -> 219; -1.2 -> 255; -0.5 -> 0 (torch's mul(255).byte()).
    const out = data.floatToPilBytes(Float32Array.from([300.2 / 255, -37.5 / 255, -1.2 / 255, -0.5 / 255, 1, 0]));
    expect(Array.from(out)).toEqual([44, 219, 255, 0, 255, 0]);
  });

  test('targetTransform, index errors and refused options', () => {
    const ds = new data.FakeData({ size: 3, imageSize: [1, 2, 2], targetTransform: (t) => `class ${t}` });
    expect(ds.get(0)[1]).toMatch(/^class \d$/);
    expect(() => ds.get(3)).toThrow('FakeData index out of range');
    expect(() => ds.get(-1)).toThrow(RangeError);
    expect(() => new data.FakeData({ imageSize: [5, 4, 4] })).toThrow('pic should not have > 4 channels. Got 5 channels.');
    expect(() => new data.FakeData({ imageSize: [4] })).toThrow('imageSize must be');
    expect(() => new data.FakeData({ seed: 1 } as never)).toThrow(/seed/);
    expect(() => ds.workerSpec()).toThrow('targetTransform function cannot be sent');
  });

  test('DataLoader workers give the same batches (each index seeds its own generator)', () => {
    const ds = new data.FakeData({ size: 10, imageSize: [3, 8, 8], transform: new data.ToTensor() });
    const g = () => new Generator(3);
    const inline = [...new data.DataLoader(ds, { batchSize: 4, shuffle: true, generator: g() })];
    const workers = [...new data.DataLoader(ds, { batchSize: 4, shuffle: true, generator: g(), numWorkers: 2 })];
    expect(workers.length).toBe(3);
    for (let b = 0; b < inline.length; b++) {
      expect(Array.from(workers[b][0].dataSync())).toEqual(Array.from(inline[b][0].dataSync()));
      expect(Array.from(workers[b][1].dataSync())).toEqual(Array.from(inline[b][1].dataSync()));
    }
  });
});

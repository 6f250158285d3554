/**
 * The DataLoader's default collate for samples other than [image, label]: tuples, arrays,
 * objects, tensors, numbers, booleans and strings, against torch's default_collate
 * (scripts/gen-data-fixtures.py, test/fixtures/parity/data-collate.json), inline and through
 * worker threads.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, tensor } from '../src';
import { DataLoader, collate, defaultCollate, type Dataset } from '../src/data';
import { readFixture } from './helpers/fixtures';

type Encoded = { values: number[]; shape: number[]; dtype: string } | { object: Record<string, Encoded> } | { list: Encoded[] } | { value: unknown };
const cases = readFixture<{ cases: Array<{ name: string; samples: unknown[]; collated: Encoded }> }>('data-collate.json').cases;

/** The collated structure in the fixture's encoding. */
function encode(x: unknown): Encoded {
  if (x instanceof Tensor) {
    const values = Array.from(x.dataSync() as ArrayLike<number>);
    return { values, shape: [...x.shape], dtype: x.dtype };
  }
  if (Array.isArray(x)) return { list: x.map(encode) };
  if (typeof x === 'object' && x !== null) return { object: Object.fromEntries(Object.entries(x).map(([k, v]) => [k, encode(v)])) };
  return { value: x };
}

/** float32 rounding of the fixture's float64 values, as this library's tensors hold them. */
function rounded(e: Encoded): Encoded {
  if ('values' in e) return { ...e, values: e.dtype === 'float32' ? e.values.map(Math.fround) : e.dtype === 'bool' ? e.values.map(Number) : e.values };
  if ('list' in e) return { list: e.list.map(rounded) };
  if ('object' in e) return { object: Object.fromEntries(Object.entries(e.object).map(([k, v]) => [k, rounded(v)])) };
  return e;
}

test.each(cases.map((c) => [c.name, c] as const))('as torch default_collate: %s', (_name, c) => {
  expect(encode(collate(c.samples))).toEqual(rounded(c.collated));
  // The DataLoader's default collate, batching the samples in one batch.
  const ds: Dataset<unknown> = { length: c.samples.length, get: (i) => c.samples[i] };
  const [batch] = [...new DataLoader(ds, { batchSize: c.samples.length })];
  expect(encode(batch)).toEqual(rounded(c.collated));
});

test('tensors and { data, shape } arrays are stacked; [image, label] keeps the image collate', () => {
  const stacked = collate([tensor([[1, 2]]), tensor([[3, 4]])]) as Tensor;
  expect([stacked.shape, Array.from(stacked.dataSync())]).toEqual([[2, 1, 2], [1, 2, 3, 4]]);
  const ints = collate([{ data: Int32Array.from([1, 2]), shape: [2] }, { data: Int32Array.from([3, 4]), shape: [2] }]) as Tensor;
  expect([ints.dtype, ints.shape]).toEqual(['int32', [2, 2]]);
  const [x, y] = defaultCollate([[{ data: new Uint8Array([1, 255]), shape: [2] }, 3], [{ data: new Uint8Array([0, 7]), shape: [2] }, 4]]) as [Tensor, Tensor];
  expect([x.dtype, Array.from(x.dataSync()), y.dtype, Array.from(y.dataSync())]).toEqual(['float32', [1, 255, 0, 7], 'int32', [3, 4]]);
});

test('errors name the position in the sample', () => {
  expect(() => collate([{ a: [1, 2] }, { a: [1] }])).toThrow('collate.a: each element in list of batch should be of equal size');
  expect(() => collate([{ a: 1 }, { b: 1 }])).toThrow("collate: sample 1 has no 'a', which sample 0 has");
  expect(() => collate([[1, tensor([1, 2])], [2, tensor([1])]])).toThrow('collate[1]: sample 1 has shape [1] but sample 0 has [2]');
  expect(() => collate([1, 'a'])).toThrow('collate: sample 1 is string "a" but sample 0 is number 1');
  expect(() => collate([null])).toThrow('collate: batch must contain tensors');
  expect(() => collate([])).toThrow('collate: empty batch');
});

test('worker threads send other samples back for the same collate', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-collate-'));
  try {
    const module = path.join(dir, 'objects.js');
    fs.writeFileSync(module, `class Objects {
      constructor() {}
      get length() { return 5; }
      get(i) { return { x: [i, i + 0.5], name: 's' + i }; }
    }
    module.exports = { Objects };\n`);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { Objects } = require(module);
    const ds = new Objects() as Dataset<unknown>;
    ds.workerSpec = () => ({ kind: 'Objects', module, exportName: 'Objects' });
    const inline = [...new DataLoader(ds, { batchSize: 2 })].map(encode);
    const workers = [...new DataLoader(ds, { batchSize: 2, numWorkers: 2 })].map(encode);
    expect(workers).toEqual(inline);
    expect(inline[2]).toEqual(encode({ x: [tensor([4], { dtype: 'int32' }), tensor([4.5])], name: ['s4'] }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Outputs of small ops carved from shared chunks (src/output-chunks.ts): zeroed, disjoint,
 * never aliased by another tensor's writes, and never handed to users as chunk views; the
 * ops' values are those of plain per-element arithmetic, on both backends.
 */
import { Tensor, setBackend, linspace, sin, randn } from '../src';
import { CHUNK_MAX_BYTES, CHUNK_MIN_BYTES, emptyOutputFloat32, outputFloat32 } from '../src/output-chunks';

afterAll(() => setBackend('wasm'));

/**
 * Runs fn with every new chunk filled with NaN (chunks are malloc'd, so recycled memory may
 * hold anything): what must be zeroed then shows it.
 */
function withDirtyChunks(fn: () => void): void {
  const spy = jest.spyOn(Buffer, 'allocUnsafeSlow').mockImplementation((size: number) => {
    const b = Buffer.alloc(size);
    new Float32Array(b.buffer, b.byteOffset, size / 4).fill(NaN);
    return b;
  });
  try {
    // Start a fresh (dirty) chunk.
    emptyOutputFloat32(CHUNK_MAX_BYTES / 4);
    emptyOutputFloat32(CHUNK_MAX_BYTES / 4);
    emptyOutputFloat32(CHUNK_MAX_BYTES / 4);
    emptyOutputFloat32(CHUNK_MAX_BYTES / 4);
    emptyOutputFloat32(CHUNK_MAX_BYTES / 4);
    fn();
    expect(spy).toHaveBeenCalled();
  } finally {
    spy.mockRestore();
  }
}

describe('outputFloat32', () => {
  test('arrays in the carved range share chunks, are zeroed and do not overlap', () => {
    const n = CHUNK_MIN_BYTES / 4 + 3;
    const arrays = Array.from({ length: 40 }, () => outputFloat32(n));
    const shared = arrays.filter((a) => a.buffer.byteLength > a.byteLength);
    expect(shared.length).toBe(arrays.length);
    for (const a of arrays) expect(a.every((v) => v === 0)).toBe(true);
    arrays.forEach((a, i) => a.fill(i + 1));
    arrays.forEach((a, i) => expect(a.every((v) => v === i + 1)).toBe(true));
    for (const a of arrays) expect(a.byteOffset % 64).toBe(0);
  });

  test('outputFloat32 is zeroed in a chunk of recycled memory; emptyOutputFloat32 is not', () => {
    const n = CHUNK_MIN_BYTES / 4;
    withDirtyChunks(() => {
      expect(emptyOutputFloat32(n).every((v) => Number.isNaN(v))).toBe(true);
      for (let i = 0; i < 40; i++) expect(outputFloat32(n).every((v) => v === 0)).toBe(true);
    });
  });

  test('arrays outside the carved range get buffers of their own', () => {
    for (const n of [1, 16, CHUNK_MIN_BYTES / 4 - 1, CHUNK_MAX_BYTES / 4 + 1, 100000]) {
      const a = outputFloat32(n);
      expect(a.length).toBe(n);
      expect(a.buffer.byteLength).toBe(4 * n);
    }
  });
});

describe.each(['js', 'wasm'] as const)('ops with carved outputs (%s backend)', (backend) => {
  beforeAll(() => setBackend(backend));

  test('the dynamic_net step gives plain per-element arithmetic, and gradients as reference loops', () => {
    const x = linspace(-Math.PI, Math.PI, 2000);
    const xs = x.dataSync() as Float32Array;
    const y = sin(x).dataSync() as Float32Array;
    const [a, b, c] = [randn([], { requiresGrad: true }), randn([], { requiresGrad: true }), randn([], { requiresGrad: true })];
    const yPred = a.add(b.mul(x)).add(c.mul(x.pow(3)));
    const loss = yPred.sub(new Tensor(y, [2000])).pow(2).sum();
    loss.backward();
    const [av, bv, cv] = [a.item(), b.item(), c.item()];
    const f = Math.fround;
    const pred = Array.from(xs, (v) => f(f(av + f(bv * v)) + f(cv * f(f(v * v) * v))));
    expect(Array.from(yPred.dataSync())).toEqual(pred);
    const diff = pred.map((p, i) => f(p - y[i]));
    let sum = 0;
    for (const d of diff) sum += f(d * d);
    expect(loss.item()).toBe(f(sum));
    // d loss / d yPred = 2 (yPred - y); b's gradient is the sum of its products with x.
    const g = diff.map((d) => f(1 * f(2 * d)));
    let gb = 0;
    for (let i = 0; i < g.length; i++) gb += f(g[i] * xs[i]);
    let ga = 0;
    for (const v of g) ga += v;
    expect(b.grad!.item()).toBe(f(gb));
    expect(a.grad!.item()).toBe(f(ga));
  });

  test('an in-place change of one output leaves the outputs carved next to it alone', () => {
    const x = randn([1500]);
    const outs = [x.mul(2), x.add(1), x.pow(2), x.sub(x), sin(x), x.neg()];
    const before = outs.map((t) => Array.from(t.dataSync()));
    outs[2].fill_(7);
    outs[0].add_(1);
    expect(Array.from(outs[1].dataSync())).toEqual(before[1]);
    expect(Array.from(outs[3].dataSync())).toEqual(before[3]);
    expect(Array.from(outs[4].dataSync())).toEqual(before[4]);
    expect(outs[2].dataSync().every((v) => v === 7)).toBe(true);
  });

  test('the gradient of x ** 0 is zero in a carved array (it is the one pow gradient not written element by element)', () => {
    const x = randn([1500], { requiresGrad: true });
    withDirtyChunks(() => x.pow(0).sum().backward());
    expect(x.grad!.dataSync().every((v) => v === 0)).toBe(true);
  });

  test('dataSync of a carved output owns its buffer: transferring it detaches no other tensor', () => {
    const x = randn([1500]);
    const [p, q] = [x.mul(3), x.mul(5)];
    const expected = Array.from(q.dataSync());
    const data = p.dataSync();
    expect(data.buffer.byteLength).toBe(data.byteLength);
    structuredClone(data.buffer, { transfer: [data.buffer as ArrayBuffer] });
    expect(Array.from(q.dataSync())).toEqual(expected);
    expect(p.dataSync().length).toBe(1500);
  });
});

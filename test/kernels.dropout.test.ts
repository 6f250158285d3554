/**
 * Dropout's kernels (kernels-rs/src/dropout.rs): the wasm bernoulliScaled against the JS
 * reference (src/random.ts) and against the generator's own scalar draws (fillBernoulli, which
 * test/random.torch.test.ts ties to torch), bit for bit, mask and generator state alike, from
 * every kind of starting point in the twister's block (pairs of draws straddling a twist
 * included); and mul against the JS loop.
 */
import { jsBackend } from '../src/backend/js';
import { createWasmBackend } from '../src/backend/wasm';
import { withValidation } from '../src/backend/validate';
import { Generator } from '../src/random';

const wasm = createWasmBackend();
const backends = [['js', jsBackend], ['wasm', wasm]] as const;

/** A generator that has already drawn `skip` 32-bit numbers. */
function after(skip: number, seed = 2024): Generator {
  const g = new Generator(seed);
  for (let i = 0; i < skip; i++) g.nextUint32();
  return g;
}

const skips = [0, 1, 2, 311, 622, 623, 624, 625, 1247];
const sizes = [0, 1, 2, 5, 311, 312, 313, 624, 1000, 5003];
const probabilities = [0, 0.25, 0.5, 0.9, 1];

describe.each(backends)('bernoulliScaled (%s)', (_name, backend) => {
  test.each(probabilities)('p = %p equals fillBernoulli scaled, and leaves the generator where it does', (p) => {
    const value = Math.fround(1 / 0.7);
    for (const skip of skips) {
      for (const n of sizes) {
        const ref = after(skip);
        const want = ref.fillBernoulli(new Float32Array(n), p).map((b) => (b === 1 ? value : 0));
        const got = after(skip);
        const mask = new Float32Array(n).fill(NaN);
        got.drawWith((mt, index) => backend.bernoulliScaled(mt, index, p, value, mask));
        expect(Array.from(mask)).toEqual(Array.from(want));
        // Same state after: the next draws agree.
        expect([got.nextUint32(), got.nextUint32(), got.nextUint32()]).toEqual([ref.nextUint32(), ref.nextUint32(), ref.nextUint32()]);
      }
    }
  });
});

test('bernoulliScaled into a resident wasm array, and mixed with scalar draws, matches the JS reference', () => {
  const [a, b] = [new Generator(5), new Generator(5)];
  for (const n of [7, 640, 3001, 64 * 32 * 12]) {
    const want = new Float32Array(n);
    const got = wasm.emptyFloat32(n);
    a.drawWith((mt, i) => jsBackend.bernoulliScaled(mt, i, 0.75, 4 / 3, want));
    b.drawWith((mt, i) => wasm.bernoulliScaled(mt, i, 0.75, 4 / 3, got));
    expect(Array.from(got)).toEqual(Array.from(want));
    // Not vacuous: both values occur, near the expected rate.
    const kept = want.filter((v) => v !== 0).length;
    if (n > 600) expect(Math.abs(kept / n - 0.75)).toBeLessThan(0.05);
    expect(a.nextUint32()).toBe(b.nextUint32()); // an odd count between bulk draws
  }
});

test('bernoulliScaled refuses a bad state or probability', () => {
  const v = withValidation(wasm);
  const out = new Float32Array(4);
  expect(() => v.bernoulliScaled(new Uint32Array(623), 0, 0.5, 2, out)).toThrow('bernoulliScaled: mt has 623 elements, expected 624');
  expect(() => v.bernoulliScaled(new Uint32Array(624), 625, 0.5, 2, out)).toThrow('bernoulliScaled: index must be in [0, 624], got 625');
  expect(() => v.bernoulliScaled(new Uint32Array(624), 0, 1.5, 2, out)).toThrow('bernoulliScaled: p must be in [0, 1], got 1.5');
  expect(() => wasm.bernoulliScaled(new Uint32Array(624), -1, 0.5, 2, out)).toThrow('index must be an integer >= 0, got -1');
});

test('mul: wasm equals the JS loop bit for bit, NaN and infinities included, in place too', () => {
  const g = new Generator(3);
  for (const n of [0, 1, 3, 4, 5, 17, 1023]) {
    const a = Float32Array.from({ length: n }, () => (g.nextFloat() - 0.5) * 1e20);
    const b = Float32Array.from({ length: n }, () => (g.nextFloat() - 0.5) * 1e20);
    if (n > 3) [a[0], b[1], a[2], b[2]] = [NaN, Infinity, 0, -Infinity];
    const want = new Float32Array(n);
    jsBackend.mul(a, b, want);
    const got = new Float32Array(n);
    wasm.mul(a, b, got);
    expect(Array.from(got)).toEqual(Array.from(want));
    const inPlace = wasm.emptyFloat32(n);
    inPlace.set(a);
    wasm.mul(inPlace, b, inPlace);
    expect(Array.from(inPlace)).toEqual(Array.from(want));
  }
  expect(() => withValidation(wasm).mul(new Float32Array(2), new Float32Array(3), new Float32Array(2)))
    .toThrow('mul: ');
});

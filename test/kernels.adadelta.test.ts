/**
 * The wasm Adadelta step (kernels-rs/src/adadelta.rs) against the JS f32 reference
 * (src/backend/js.ts): both round every operation to f32 in torch's order, so they agree bit
 * for bit, over lengths around the 4-lane vector width, settings, and several steps.
 */
import { jsBackend } from '../src/backend/js';
import { createWasmBackend } from '../src/backend/wasm';
import { withValidation } from '../src/backend/validate';
import { Generator } from '../src/random';
import type { AdadeltaOptions } from '../src/backend/backend';

const wasm = createWasmBackend();
const rng = new Generator(7);
const uniform = (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.nextFloat());

const settings: Array<[string, AdadeltaOptions]> = [
  ['default', { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false }],
  ['weight decay', { lr: 0.5, rho: 0.95, eps: 1e-5, weightDecay: 0.01, maximize: false }],
  ['maximize', { lr: 0.1, rho: 0.8, eps: 1e-6, weightDecay: 0.1, maximize: true }],
];
const sizes = [0, 1, 3, 4, 5, 17, 450, 10007];

test.each(settings)('adadeltaStep %s: wasm equals the f32 reference bit for bit', (_name, o) => {
  for (const n of sizes) {
    const p0 = uniform(n);
    const [pRef, pGot] = [p0.slice(), p0.slice()];
    const [sqRef, sqGot, accRef, accGot] = [0, 1, 2, 3].map(() => new Float32Array(n));
    for (let step = 0; step < 4; step++) {
      const g = uniform(n);
      jsBackend.adadeltaStep(o, pRef, g, sqRef, accRef);
      wasm.adadeltaStep(o, pGot, g, sqGot, accGot);
      expect(Array.from(pGot)).toEqual(Array.from(pRef));
      expect(Array.from(sqGot)).toEqual(Array.from(sqRef));
      expect(Array.from(accGot)).toEqual(Array.from(accRef));
    }
    // Not vacuous: the parameters moved.
    if (n > 0) expect(pRef.some((v, i) => v !== p0[i])).toBe(true);
  }
});

test('adadeltaStep refuses arrays of different lengths and non-finite hyper-parameters', () => {
  const o = settings[0][1];
  const a = new Float32Array(4);
  for (const backend of [wasm, withValidation(jsBackend)]) {
    expect(() => backend.adadeltaStep(o, a, new Float32Array(3), a.slice(), a.slice())).toThrow(/adadeltaStep: .*length/);
  }
  expect(() => withValidation(jsBackend).adadeltaStep({ ...o, rho: NaN }, a, a.slice(), a.slice(), a.slice())).toThrow(/adadeltaStep: rho must be a finite number, got NaN/);
});

/** Matrix products on the backend's gemm: matmul (2-d) and linear (x @ W^T + b). */
import { Tensor } from '../tensor';
import { needsGrad, recordLegacy as record } from '../autograd';
import { getBackend } from '../backend';
import { emptyFloat32 } from '../storage';
import { fail, floatData, shapeString } from './util';

/** input[m, k] @ other[k, n] (2-d only). */
export function matmul(input: Tensor, other: Tensor): Tensor {
  const a = floatData(input, 'matmul', 'input');
  const b = floatData(other, 'matmul', 'other');
  if (input.shape.length !== 2 || other.shape.length !== 2 || input.shape[1] !== other.shape[0]) {
    fail('matmul', `shapes ${shapeString(input.shape)} and ${shapeString(other.shape)} cannot be multiplied ` +
      '(2-d tensors [m, k] and [k, n] are supported)');
  }
  const [m, k] = input.shape;
  const n = other.shape[1];
  const backend = getBackend();
  const c = emptyFloat32(m * n);
  backend.gemm(false, false, m, n, k, 1, a, b, 0, c);
  const out = new Tensor(c, [m, n]);
  if (needsGrad(input, other)) {
    const needA = input.requiresGrad;
    const needB = other.requiresGrad;
    record('MmBackward', out, [input, other], [a, b], (g, saved) => {
      const be = getBackend();
      let ga: Float32Array | null = null;
      let gb: Float32Array | null = null;
      if (needA) {
        ga = emptyFloat32(m * k);
        be.gemm(false, true, m, k, n, 1, g, saved[1] as Float32Array, 0, ga); // g @ B^T
      }
      if (needB) {
        gb = emptyFloat32(k * n);
        be.gemm(true, false, k, n, m, 1, saved[0] as Float32Array, g, 0, gb); // A^T @ g
      }
      return [ga, gb];
    });
  }
  return out;
}

/** input[..., in] @ weight[out, in]^T + bias[out] (torch.nn.functional.linear). */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const x = floatData(input, 'linear', 'input');
  const w = floatData(weight, 'linear', 'weight');
  if (weight.shape.length !== 2) fail('linear', `weight must be 2-d [out, in], got ${shapeString(weight.shape)}`);
  const [outFeatures, inFeatures] = weight.shape;
  if (input.shape.length === 0 || input.shape[input.shape.length - 1] !== inFeatures) {
    fail('linear', `input shape ${shapeString(input.shape)} does not match weight shape ${shapeString(weight.shape)} ` +
      `(expected input [..., ${inFeatures}])`);
  }
  let b: Float32Array | null = null;
  if (bias !== null && bias !== undefined) {
    b = floatData(bias, 'linear', 'bias');
    if (bias.shape.length !== 1 || bias.shape[0] !== outFeatures) {
      fail('linear', `bias shape ${shapeString(bias.shape)} does not match weight shape ${shapeString(weight.shape)} ` +
        `(expected [${outFeatures}])`);
    }
  }
  const rows = x.length / inFeatures;
  const backend = getBackend();
  const y = emptyFloat32(rows * outFeatures);
  backend.gemm(false, true, rows, outFeatures, inFeatures, 1, x, w, 0, y);
  if (b !== null) backend.biasAdd(y, b, rows, outFeatures, 1);
  const out = new Tensor(y, [...input.shape.slice(0, -1), outFeatures]);
  if (needsGrad(input, weight, bias)) {
    const needX = input.requiresGrad;
    const needW = weight.requiresGrad;
    const needB = bias != null && bias.requiresGrad;
    record('AddmmBackward', out, [input, weight, bias ?? null], [x, w], (g, saved) => {
      const be = getBackend();
      let gx: Float32Array | null = null;
      let gw: Float32Array | null = null;
      let gb: Float32Array | null = null;
      if (needX) {
        gx = emptyFloat32(rows * inFeatures);
        be.gemm(false, false, rows, inFeatures, outFeatures, 1, g, saved[1] as Float32Array, 0, gx); // g @ W
      }
      if (needW) {
        gw = emptyFloat32(outFeatures * inFeatures);
        be.gemm(true, false, outFeatures, inFeatures, rows, 1, g, saved[0] as Float32Array, 0, gw); // g^T @ x
      }
      if (needB) {
        gb = emptyFloat32(outFeatures);
        be.biasBackward(g, gb, rows, outFeatures, 1);
      }
      return [gx, gw, gb];
    });
  }
  return out;
}

/**
 * torch.nn.utils: clipGradNorm_ and clipGradValue_, which rewrite parameters' gradients in
 * place (bumping their versions, as PyTorch's in-place mul_ / clamp_ do).
 */
import { Tensor } from '../tensor';

function gradsOf(where: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...parameters];
  for (const p of list) if (!(p instanceof Tensor)) throw new TypeError(`${where}: parameters must be Tensors`);
  return list.filter((p) => p.grad !== null).map((p) => p.grad!);
}

function rewrite(grad: Tensor, f: (v: number) => number): void {
  const values = Float32Array.from(grad._dense() as Float32Array, f);
  grad._writeDense(values);
  grad._versionCounter.value++;
}

export interface ClipGradNormOptions {
  /** The p of the p-norm (default 2; Infinity for the max norm). */
  normType?: number;
  /** Throw when the total norm is NaN or infinite (default false). */
  errorIfNonfinite?: boolean;
}

/** The p-norm of one gradient, in doubles, rounded to float32 as PyTorch's per-tensor norm. */
function normOf(values: ArrayLike<number>, p: number): number {
  if (p === Infinity) {
    let m = 0;
    for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
    return m;
  }
  let s = 0;
  for (let i = 0; i < values.length; i++) s += Math.abs(values[i]) ** p;
  return Math.fround(s ** (1 / p));
}

/**
 * torch.nn.utils.clip_grad_norm_: scales every gradient by min(1, maxNorm / (total + 1e-6)),
 * where total is the norm of the per-parameter norms; returns total as a 0-d tensor.
 */
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, maxNorm: number,
  normTypeOrOptions: number | ClipGradNormOptions = 2): Tensor {
  const options = typeof normTypeOrOptions === 'number' ? { normType: normTypeOrOptions } : normTypeOrOptions;
  const normType = options.normType ?? 2;
  const grads = gradsOf('clipGradNorm_', parameters);
  if (grads.length === 0) return new Tensor(new Float32Array([0]), []);
  const norms = grads.map((g) => normOf(g._dense(), normType));
  const total = Math.fround(normOf(norms, normType));
  if (options.errorIfNonfinite === true && !Number.isFinite(total)) {
    throw new Error(`The total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it ` +
      'cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set ' +
      '`errorIfNonfinite=false`');
  }
  const coefficient = Math.min(Math.fround(maxNorm / Math.fround(total + 1e-6)), 1);
  for (const g of grads) rewrite(g, (v) => v * coefficient);
  return new Tensor(new Float32Array([total]), []);
}

/** torch.nn.utils.clip_grad_value_: clamps every gradient to [-clipValue, clipValue]. */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== 'number') throw new TypeError(`clipGradValue_: clipValue must be a number, got ${typeof clipValue}`);
  // clamp_(min=-clipValue, max=clipValue): a negative clipValue makes every gradient clipValue, as in PyTorch.
  for (const g of gradsOf('clipGradValue_', parameters)) rewrite(g, (v) => Math.min(Math.max(v, -clipValue), clipValue));
}

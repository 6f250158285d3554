/**
 * Python's `'%.Nf' % x` and `'%5d' % n`, so that the training log matches PyTorch's byte for
 * byte. JavaScript's toFixed rounds exact halves away from zero; Python rounds the exact binary
 * value half to even. The difference only shows on exact ties (e.g. 0.0625), but a log that is
 * "the same" should be the same.
 */

/** `'%.{digits}f' % x` as Python prints it (correctly rounded, ties to even). */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (!Number.isInteger(digits) || digits < 0 || digits > 100) throw new RangeError(`formatFixed: bad digits ${digits}`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  // x = mantissa * 2^exponent exactly.
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  const scale = 10n ** BigInt(digits);
  let q: bigint;
  if (exponent >= 0) {
    q = (mantissa << BigInt(exponent)) * scale;
  } else {
    const num = mantissa * scale;
    const den = 1n << BigInt(-exponent);
    q = num / den;
    const twiceRem = (num % den) * 2n;
    if (twiceRem > den || (twiceRem === den && q % 2n === 1n)) q += 1n;
  }
  let s = q.toString();
  if (digits > 0) {
    s = s.padStart(digits + 1, '0');
    s = `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
  }
  return negative ? `-${s}` : s;
}

/** `'%{width}d' % n`. */
export function formatInt(n: number, width: number): string {
  return String(Math.trunc(n)).padStart(width, ' ');
}

/** The recipe's line: `'[%d, %5d] loss: %.3f' % (epoch + 1, i + 1, running_loss / 2000)`. */
export function formatLossLine(epoch1: number, iteration1: number, loss: number): string {
  return `[${epoch1}, ${formatInt(iteration1, 5)}] loss: ${formatFixed(loss, 3)}`;
}

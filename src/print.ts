/**
 * Printing tensors as PyTorch does (torch/_tensor_str.py): one formatter per tensor chooses
 * integer, fixed or scientific notation from the finite non-zero values shown, every element
 * is right-aligned to the widest, rows wrap at the line width, and a tensor of more than
 * `threshold` elements is summarised with `...` after `edgeitems` items at each end of each
 * dim. Numbers are rounded as Python's format() does (exact value, ties to even), so the
 * strings match PyTorch's character for character.
 */
import type { Tensor, DType } from './tensor';

export interface PrintOptions {
  /** Digits after the decimal point (default 4). */
  precision: number;
  /** Element count above which a tensor is summarised (default 1000). */
  threshold: number;
  /** Items shown at each end of a summarised dim (default 3). */
  edgeitems: number;
  /** Characters per line before wrapping (default 80). */
  linewidth: number;
  /** Force scientific notation on (true) or off (false); null lets the formatter choose. */
  sciMode: boolean | null;
}

const DEFAULTS: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null };
const PROFILES: Record<string, Omit<PrintOptions, 'sciMode'>> = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
};

const options: PrintOptions = { ...DEFAULTS };

export interface SetPrintOptions extends Partial<PrintOptions> {
  /** 'default', 'short' or 'full', applied before the other options. */
  profile?: 'default' | 'short' | 'full';
}

/** torch.set_printoptions. As in PyTorch, sciMode is reset to automatic unless given. */
export function setPrintOptions(opts: SetPrintOptions = {}): void {
  if (opts === null || typeof opts !== 'object') throw new TypeError('setPrintOptions: expected an options object');
  const known = ['precision', 'threshold', 'edgeitems', 'linewidth', 'profile', 'sciMode'];
  for (const key of Object.keys(opts)) {
    if (!known.includes(key)) throw new Error(`setPrintOptions: unknown option '${key}' (expected one of ${known.join(', ')})`);
  }
  const next = { ...options };
  if (opts.profile !== undefined) {
    const profile = PROFILES[opts.profile];
    if (!Object.prototype.hasOwnProperty.call(PROFILES, opts.profile)) {
      throw new Error(`setPrintOptions: profile must be 'default', 'short' or 'full', got ${String(opts.profile)}`);
    }
    Object.assign(next, profile);
  }
  const count = (name: 'precision' | 'threshold' | 'edgeitems' | 'linewidth', min: number): void => {
    const v = opts[name];
    if (v === undefined) return;
    if (typeof v !== 'number' || !(v >= min) || (!Number.isInteger(v) && v !== Infinity)) {
      throw new Error(`setPrintOptions: ${name} must be an integer >= ${min}, got ${String(v)}`);
    }
    next[name] = v;
  };
  count('precision', 0);
  count('threshold', 0);
  count('edgeitems', 0);
  count('linewidth', 1);
  if (opts.sciMode !== undefined && opts.sciMode !== null && typeof opts.sciMode !== 'boolean') {
    throw new Error(`setPrintOptions: sciMode must be a boolean or null, got ${String(opts.sciMode)}`);
  }
  next.sciMode = opts.sciMode ?? null;
  Object.assign(options, next);
}

/** The options in effect (a copy). */
export function getPrintOptions(): PrintOptions {
  return { ...options };
}

// ------------------------------------------------------------------ Python's number formatting

/** The exact value of a finite double as digits * 10^-scale (both BigInt-exact). */
function exactDecimal(v: number): { digits: bigint; scale: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(v));
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exp === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = exp - 1075;
  }
  if (e >= 0) return { digits: mant << BigInt(e), scale: 0 };
  // mant * 2^e = mant * 5^-e / 10^-e
  return { digits: mant * 5n ** BigInt(-e), scale: -e };
}

/** round(digits * 10^-scale, to `keep` decimals), ties to even, as an integer scaled by 10^keep. */
function roundHalfEven(digits: bigint, scale: number, keep: number): bigint {
  if (keep >= scale) return digits * 10n ** BigInt(keep - scale);
  const div = 10n ** BigInt(scale - keep);
  const q = digits / div;
  const r = digits % div;
  const twice = r * 2n;
  if (twice > div || (twice === div && q % 2n === 1n)) return q + 1n;
  return q;
}

function nonFinite(v: number): string | null {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return null;
}

/** Python's '{:.Nf}'.format(v). */
export function formatFixed(v: number, precision: number): string {
  const special = nonFinite(v);
  if (special !== null) return special;
  const { digits, scale } = exactDecimal(v);
  const n = roundHalfEven(digits, scale, precision).toString().padStart(precision + 1, '0');
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const int = n.slice(0, n.length - precision);
  return precision === 0 ? sign + int : `${sign}${int}.${n.slice(n.length - precision)}`;
}

/** Python's '{:.Ne}'.format(v). */
export function formatExp(v: number, precision: number): string {
  const special = nonFinite(v);
  if (special !== null) return special;
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  if (v === 0) return `${sign}${precision === 0 ? '0' : '0.' + '0'.repeat(precision)}e+00`;
  const { digits, scale } = exactDecimal(v);
  // Decimal exponent of the leading digit, then round to precision + 1 significant digits.
  let exponent = digits.toString().length - 1 - scale;
  let mantissa = roundHalfEven(digits, scale, precision - exponent).toString();
  if (mantissa.length > precision + 1) {
    exponent += 1;
    mantissa = roundHalfEven(digits, scale, precision - exponent).toString();
  }
  const body = precision === 0 ? mantissa : `${mantissa[0]}.${mantissa.slice(1)}`;
  const expSign = exponent < 0 ? '-' : '+';
  return `${sign}${body}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

// ------------------------------------------------------------------ the formatter

/** An element as Python's str() of a non-float element: 'True'/'False' for bool, digits for int. */
function plainString(v: number, isBool: boolean): string {
  return isBool ? (v ? 'True' : 'False') : String(v);
}

class Formatter {
  intMode = true;
  sciMode = false;
  maxWidth = 1;
  private readonly floating: boolean;
  private readonly isBool: boolean;

  constructor(dtype: DType, values: ArrayLike<number>, private readonly precision: number) {
    this.floating = dtype === 'float32';
    this.isBool = dtype === 'bool';
    if (!this.floating) {
      for (let i = 0; i < values.length; i++) this.maxWidth = Math.max(this.maxWidth, plainString(values[i], this.isBool).length);
      return;
    }
    const finite: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v) && v !== 0) finite.push(v);
    }
    if (finite.length > 0) {
      let min = Infinity;
      let max = 0;
      for (const v of finite) {
        const a = Math.abs(v);
        if (a < min) min = a;
        if (a > max) max = a;
        if (v !== Math.ceil(v)) this.intMode = false;
      }
      const wide = max / min > 1000 || max > 1e8;
      if (this.intMode) {
        if (wide) {
          this.sciMode = true;
          for (const v of finite) this.maxWidth = Math.max(this.maxWidth, formatExp(v, precision).length);
        } else {
          for (const v of finite) this.maxWidth = Math.max(this.maxWidth, formatFixed(v, 0).length + 1);
        }
      } else if (wide || min < 1e-4) {
        this.sciMode = true;
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, formatExp(v, precision).length);
      } else {
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, formatFixed(v, precision).length);
      }
    }
    if (options.sciMode !== null) this.sciMode = options.sciMode;
  }

  format(v: number): string {
    let s: string;
    if (!this.floating) s = plainString(v, this.isBool);
    else if (this.sciMode) s = formatExp(v, this.precision);
    else if (this.intMode) {
      s = formatFixed(v, 0);
      if (Number.isFinite(v)) s += '.';
    } else s = formatFixed(v, this.precision);
    return s.length < this.maxWidth ? ' '.repeat(this.maxWidth - s.length) + s : s;
  }
}

// ------------------------------------------------------------------ layout

/** A dense row-major block of the tensor's values, walked without copying. */
interface Block {
  data: ArrayLike<number>;
  shape: readonly number[];
  offset: number;
}

function sub(b: Block, i: number): Block {
  let inner = 1;
  for (let d = 1; d < b.shape.length; d++) inner *= b.shape[d];
  return { data: b.data, shape: b.shape.slice(1), offset: b.offset + i * inner };
}

/** The rows shown at the top dim of b: all, or edgeitems from each end with a gap (-1). */
function shownIndices(size: number, summarize: boolean): number[] {
  const e = options.edgeitems;
  if (summarize && size > 2 * e) {
    const head = Array.from({ length: e }, (_, i) => i);
    const tail = Array.from({ length: e }, (_, i) => size - e + i);
    return [...head, -1, ...tail];
  }
  return Array.from({ length: size }, (_, i) => i);
}

/** The values the formatter looks at: those that are shown (get_summarized_data). */
function shownValues(b: Block, summarize: boolean, out: number[]): void {
  if (b.shape.length === 0) {
    out.push(b.data[b.offset]);
    return;
  }
  for (const i of shownIndices(b.shape[0], summarize)) {
    if (i >= 0) shownValues(sub(b, i), summarize, out);
  }
}

function vectorString(b: Block, indent: number, summarize: boolean, fmt: Formatter): string {
  const elementLength = fmt.maxWidth + 2;
  const perLine = Math.max(1, Math.floor((options.linewidth - indent) / elementLength));
  const items = shownIndices(b.shape[0], summarize).map((i) => (i < 0 ? ' ...' : fmt.format(b.data[b.offset + i])));
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
  return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
}

function blockString(b: Block, indent: number, summarize: boolean, fmt: Formatter): string {
  const dim = b.shape.length;
  if (dim === 0) return fmt.format(b.data[b.offset]);
  if (dim === 1) return vectorString(b, indent, summarize, fmt);
  const slices = shownIndices(b.shape[0], summarize)
    .map((i) => (i < 0 ? '...' : blockString(sub(b, i), indent + 1, summarize, fmt)));
  return '[' + slices.join(',' + '\n'.repeat(dim - 1) + ' '.repeat(indent + 1)) + ']';
}

function addSuffixes(text: string, suffixes: string[], indent: number): string {
  const parts = [text];
  let lastLineLength = text.length - text.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLength + suffix.length + 2 > options.linewidth) {
      parts.push(',\n' + ' '.repeat(indent) + suffix);
      lastLineLength = indent + suffix.length;
    } else {
      parts.push(', ' + suffix);
      lastLineLength += suffix.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

/** str(tensor) as PyTorch prints it. */
export function tensorToString(t: Tensor): string {
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  // PyTorch names the dtype unless it is a default one (float32, int64, bool).
  const dtypeName = t.dtype === 'int32' ? 'torch.int32' : null;
  const emptyDtypeName = t.dtype === 'bool' ? 'torch.bool' : dtypeName;
  let body: string;
  if (t.numel === 0) {
    if (t.shape.length !== 1) suffixes.push(`size=(${t.shape.join(', ')}${t.shape.length === 1 ? ',' : ''})`);
    if (emptyDtypeName !== null) suffixes.push(`dtype=${emptyDtypeName}`);
    body = '[]';
  } else {
    if (dtypeName !== null) suffixes.push(`dtype=${dtypeName}`);
    const block: Block = { data: t._dense(), shape: t.shape, offset: 0 };
    const summarize = t.numel > options.threshold;
    const shown: number[] = [];
    shownValues(block, summarize, shown);
    const fmt = new Formatter(t.dtype, shown, options.precision);
    body = blockString(block, indent, summarize, fmt);
  }
  if (t.gradFn !== null) suffixes.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');
  return addSuffixes(prefix + body, suffixes, indent);
}

/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written without
 * dependencies so that checkpoints open in PyTorch (`safetensors.torch.load_file`):
 *
 *   8 bytes   N, the header length, unsigned 64-bit little-endian
 *   N bytes   JSON: { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": {str: str} }
 *             starting with '{', possibly padded at the end with spaces (we pad to 8 bytes)
 *   rest      the byte buffer; offsets are relative to its start, tensors little-endian, C order
 *
 * The reader follows the reference implementation's checks: offsets must tile the buffer exactly
 * (no holes, no overlaps, no trailing bytes: a file is never a polyglot), each tensor's byte length
 * must equal its element count times the dtype size, and names must be unique.
 */
import * as fs from 'fs';
import * as os from 'os';
import { writeFileAtomic } from './atomic';

/** Every dtype of the format. Half and 8-bit floats are carried as raw bits. */
export type DType =
  | 'BOOL' | 'U8' | 'I8' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64'
  | 'F8_E5M2' | 'F8_E4M3';

export type TensorData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

export interface SafeTensor {
  dtype: DType;
  shape: number[];
  /** The elements, in C order. F16/BF16 are Uint16Array of raw bits, F8_* and BOOL Uint8Array. */
  data: TensorData;
}

export type Metadata = Record<string, string>;

export interface SafetensorsFile {
  /** In file order (sorted by offset). */
  tensors: Map<string, SafeTensor>;
  metadata: Metadata;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

interface DTypeInfo {
  size: number;
  make: (buffer: ArrayBuffer) => TensorData;
  accepts: (data: TensorData) => boolean;
}

const DTYPES: Record<DType, DTypeInfo> = {
  BOOL: { size: 1, make: (b) => new Uint8Array(b), accepts: (d) => d instanceof Uint8Array },
  U8: { size: 1, make: (b) => new Uint8Array(b), accepts: (d) => d instanceof Uint8Array },
  I8: { size: 1, make: (b) => new Int8Array(b), accepts: (d) => d instanceof Int8Array },
  F8_E5M2: { size: 1, make: (b) => new Uint8Array(b), accepts: (d) => d instanceof Uint8Array },
  F8_E4M3: { size: 1, make: (b) => new Uint8Array(b), accepts: (d) => d instanceof Uint8Array },
  I16: { size: 2, make: (b) => new Int16Array(b), accepts: (d) => d instanceof Int16Array },
  U16: { size: 2, make: (b) => new Uint16Array(b), accepts: (d) => d instanceof Uint16Array },
  F16: { size: 2, make: (b) => new Uint16Array(b), accepts: (d) => d instanceof Uint16Array },
  BF16: { size: 2, make: (b) => new Uint16Array(b), accepts: (d) => d instanceof Uint16Array },
  I32: { size: 4, make: (b) => new Int32Array(b), accepts: (d) => d instanceof Int32Array },
  U32: { size: 4, make: (b) => new Uint32Array(b), accepts: (d) => d instanceof Uint32Array },
  F32: { size: 4, make: (b) => new Float32Array(b), accepts: (d) => d instanceof Float32Array },
  I64: { size: 8, make: (b) => new BigInt64Array(b), accepts: (d) => d instanceof BigInt64Array },
  U64: { size: 8, make: (b) => new BigUint64Array(b), accepts: (d) => d instanceof BigUint64Array },
  F64: { size: 8, make: (b) => new Float64Array(b), accepts: (d) => d instanceof Float64Array },
};

/** As the reference implementation: a header above 100 MB is refused rather than parsed. */
export const MAX_HEADER_BYTES = 100_000_000;

function assertLittleEndianHost(): void {
  if (os.endianness() !== 'LE') {
    throw new SafetensorsError('safetensors: big-endian hosts are not supported');
  }
}

export function dtypeSize(dtype: DType): number {
  const info = DTYPES[dtype];
  if (!info) throw new SafetensorsError(`safetensors: unsupported dtype '${dtype}'`);
  return info.size;
}

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function isValidShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/** Serialises tensors (in the given order) and string metadata into one buffer. */
export function serialize(tensors: Record<string, SafeTensor> | Map<string, SafeTensor>, metadata?: Metadata): Uint8Array {
  assertLittleEndianHost();
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`safetensors: metadata '${k}' must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new SafetensorsError("safetensors: '__metadata__' is reserved and cannot name a tensor");
    const info = DTYPES[t.dtype];
    if (!info) throw new SafetensorsError(`safetensors: tensor '${name}' has unsupported dtype '${t.dtype}'`);
    if (!isValidShape(t.shape)) throw new SafetensorsError(`safetensors: tensor '${name}' has an invalid shape ${JSON.stringify(t.shape)}`);
    if (!info.accepts(t.data)) {
      throw new SafetensorsError(`safetensors: tensor '${name}' is ${t.dtype} but its data is a ${t.data.constructor.name}`);
    }
    if (t.data.length !== elementCount(t.shape)) {
      throw new SafetensorsError(
        `safetensors: tensor '${name}' has shape [${t.shape.join(', ')}] (${elementCount(t.shape)} elements) but ${t.data.length} values`,
      );
    }
    const bytes = t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.fill(0x20, 8, 8 + padded);
  out.set(json, 8);
  let pos = 8 + padded;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/**
 * Parses a safetensors buffer. Throws SafetensorsError naming `source` (e.g. the file path) and
 * what is wrong for every malformed input; never returns a partially read file.
 */
export function deserialize(bytes: Uint8Array, source = 'buffer'): SafetensorsFile {
  assertLittleEndianHost();
  const fail = (msg: string): never => {
    throw new SafetensorsError(`${source}: not a valid safetensors file: ${msg}`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short to hold the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) {
    fail(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`);
  }
  if (headerLength < 2 || bytes[8] !== 0x7b /* '{' */) fail("the JSON header must start with '{'");
  let header: unknown;
  const headerText = Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString('utf8');
  try {
    header = JSON.parse(headerText);
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header is not a JSON object');
  const dup = findDuplicateKey(headerText);
  if (dup !== null) fail(`the header names '${dup}' twice`);

  const metadata: Metadata = {};
  const entries: { name: string; dtype: DType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__['${k}'] must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`tensor '${name}': entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in DTYPES)) fail(`tensor '${name}': unsupported dtype ${JSON.stringify(dtype)}`);
    if (!isValidShape(shape)) fail(`tensor '${name}': shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    if (
      !Array.isArray(offsets) || offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
    ) {
      fail(`tensor '${name}': data_offsets must be [begin, end] non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    entries.push({ name, dtype: dtype as DType, shape: shape as number[], begin, end });
  }

  const bufferStart = 8 + headerLength;
  const bufferLength = bytes.length - bufferStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of entries) {
    if (e.end < e.begin) fail(`tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] end before they begin`);
    if (e.end > bufferLength) {
      fail(`tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] run past the end of the ${bufferLength}-byte data buffer`);
    }
    if (e.begin < expected) fail(`tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap the previous tensor (ends at ${expected})`);
    if (e.begin > expected) fail(`tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] leave a hole after byte ${expected}`);
    const want = elementCount(e.shape) * DTYPES[e.dtype].size;
    if (e.end - e.begin !== want) {
      fail(
        `tensor '${e.name}': ${e.dtype} shape [${e.shape.join(', ')}] needs ${want} bytes but data_offsets [${e.begin}, ${e.end}] hold ${e.end - e.begin}`,
      );
    }
    expected = e.end;
  }
  if (expected !== bufferLength) {
    fail(`the data buffer has ${bufferLength - expected} trailing bytes that no tensor covers`);
  }

  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    // Copy into a fresh buffer: the file's offsets need not be aligned for typed-array views.
    // (Uint8Array.from copies; Buffer#slice would return a view into Node's shared pool.)
    const copy = Uint8Array.from(bytes.subarray(bufferStart + e.begin, bufferStart + e.end));
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: DTYPES[e.dtype].make(copy.buffer) });
  }
  return { tensors, metadata };
}

/**
 * JSON.parse keeps the last of duplicate keys silently; the format forbids them. Scans the
 * top-level object's keys (nested objects are skipped over) and returns the first repeated one.
 */
function findDuplicateKey(text: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      depth++;
      if (depth === 1 && c === '{') expectKey = true;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
    i++;
  }
  return null;
}

/** Writes a safetensors file atomically (temporary file in the same directory, fsync, rename). */
export function saveFile(path: string, tensors: Record<string, SafeTensor> | Map<string, SafeTensor>, metadata?: Metadata): void {
  writeFileAtomic(path, serialize(tensors, metadata));
}

/** Reads and validates a safetensors file; errors name the path. */
export function loadFile(path: string): SafetensorsFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new SafetensorsError(`${path}: cannot read: ${(e as Error).message}`);
  }
  return deserialize(bytes, path);
}

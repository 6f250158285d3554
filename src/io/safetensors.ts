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
import { Tensor } from '../tensor';
import { writeFileAtomic } from './atomic';
import { FileReadError, openRegularFile, readExactly, type RegularFile } from './regular-file';

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

/**
 * The most tensors a header may list. The format sets no bound, but every entry costs parsing,
 * validation and allocations, and V8 builds a JSON object of many keys slowly: a header of 1.5
 * million empty tensors took 8-27 s and 1.8 GB before this bound, 100,000 still take 2-4 s.
 * Ten thousand is far beyond any model this library trains (the seed's Net and its optimizer
 * state are 20 tensors) and costs well under a second.
 */
export const MAX_TENSORS = 10_000;

/** The dtype's entry, looked up as an own property only ('constructor' is not a dtype). */
function dtypeInfo(dtype: unknown): DTypeInfo | undefined {
  return typeof dtype === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, dtype) ? DTYPES[dtype as DType] : undefined;
}

export function dtypeSize(dtype: DType): number {
  const info = dtypeInfo(dtype);
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

/** The safetensors dtype of each tensor dtype (safetensors' BOOL is one byte, as bool's storage here). */
export const SAFETENSORS_DTYPE = { float32: 'F32', int32: 'I32', bool: 'BOOL' } as const;

/** A torchlet Tensor as a safetensors entry (its elements in C order). */
export function toSafeTensor(t: Tensor): SafeTensor {
  return { dtype: SAFETENSORS_DTYPE[t.dtype], shape: [...t.shape], data: t._dense() };
}

/** Tensors or safetensors entries, by name. */
export type TensorsToSave = Record<string, SafeTensor | Tensor> | Map<string, SafeTensor | Tensor>;

/**
 * Serialises tensors (in the given order) and string metadata into one buffer. Torchlet Tensors
 * (a module's stateDict()) are accepted as they are.
 */
export function serialize(tensors: TensorsToSave, metadata?: Metadata): Uint8Array {
  assertLittleEndianHost();
  const given = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const entries = given.map(([name, t]): [string, SafeTensor] => [name, t instanceof Tensor ? toSafeTensor(t) : t]);
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
    const info = dtypeInfo(t.dtype);
    if (!info) {
      throw new SafetensorsError(`safetensors: tensor '${name}' has unsupported dtype '${t.dtype}' ` +
        "(give Tensors or { dtype: 'F32', shape, data } entries; io.save writes PyTorch's own format for any object)");
    }
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

type Fail = (msg: string) => never;

function failer(source: string): Fail {
  return (msg: string): never => {
    throw new SafetensorsError(`${source}: not a valid safetensors file: ${msg}`);
  };
}

interface HeaderEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** The header length N from the first 8 bytes, checked against the limit and the file size. */
function headerLengthOf(first8: Uint8Array, fileLength: number, fail: Fail): number {
  if (fileLength < 8) fail(`${fileLength} bytes is too short to hold the 8-byte header length`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLength = Number(n);
  if (8 + headerLength > fileLength) fail(`header length ${headerLength} runs past the end of the file (${fileLength} bytes)`);
  return headerLength;
}

/**
 * Parses and validates the JSON header against the length of the data buffer that follows it:
 * at most MAX_TENSORS entries (counted on the raw bytes, before anything is built), exact UTF-8, no
 * duplicate names, known dtypes, offsets that tile the buffer. Returns the entries in file order.
 */
function parseHeader(headerBytes: Uint8Array, bufferLength: number, fail: Fail): { entries: HeaderEntry[]; metadata: Metadata } {
  if (headerBytes.length < 2 || headerBytes[0] !== 0x7b /* '{' */) fail("the JSON header must start with '{'");
  const keys = scanTopLevelKeys(headerBytes, MAX_TENSORS + 1 /* and __metadata__ */);
  if (keys.overLimit) fail(`the header lists more than ${MAX_TENSORS} tensors, the most this reader accepts`);
  let headerText = '';
  try {
    headerText = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    fail('the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header is not a JSON object');
  if (keys.duplicate !== null) fail(`the header names '${keys.duplicate}' twice`);

  const metadata: Metadata = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__['${k}'] must be a string, got ${JSON.stringify(v)}`);
        // An own data property even for a key like '__proto__' (plain assignment would set the prototype).
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`tensor '${name}': entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (!dtypeInfo(dtype)) fail(`tensor '${name}': unsupported dtype ${JSON.stringify(dtype)}`);
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
  return { entries, metadata };
}

/**
 * Parses a safetensors buffer. Throws SafetensorsError naming `source` (e.g. the file path) and
 * what is wrong for every malformed input; never returns a partially read file.
 */
export function deserialize(bytes: Uint8Array, source = 'buffer'): SafetensorsFile {
  assertLittleEndianHost();
  const fail = failer(source);
  const headerLength = headerLengthOf(bytes, bytes.length, fail);
  const bufferStart = 8 + headerLength;
  const { entries, metadata } = parseHeader(bytes.subarray(8, bufferStart), bytes.length - bufferStart, fail);
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
 * Scans the top-level object's keys (nested objects are skipped over) in the raw header bytes,
 * before anything is decoded or built: the first repeated key (JSON.parse keeps the last of
 * duplicates silently; the format forbids them) and whether there are more than `maxKeys`, in
 * which case the scan stops there. Working on bytes is exact for UTF-8: the structural
 * characters are ASCII and never occur inside a multi-byte sequence.
 */
function scanTopLevelKeys(bytes: Uint8Array, maxKeys: number): { duplicate: string | null; overLimit: boolean } {
  const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c;
  const OPEN = [0x7b, 0x5b], CLOSE = [0x7d, 0x5d]; // { [  } ]
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const seen = new Set<string>();
  let duplicate: string | null = null;
  let depth = 0;
  let i = 0;
  let expectKey = false;
  while (i < bytes.length) {
    const c = bytes[i];
    if (c === QUOTE) {
      let j = i + 1;
      while (j < bytes.length && bytes[j] !== QUOTE) j += bytes[j] === BACKSLASH ? 2 : 1;
      if (depth === 1 && expectKey) {
        let key: string;
        try {
          key = JSON.parse(decoder.decode(bytes.subarray(i, j + 1))) as string;
        } catch {
          return { duplicate, overLimit: false }; // not UTF-8 or not JSON: the full parse says which
        }
        if (seen.has(key)) duplicate ??= key;
        seen.add(key);
        if (seen.size > maxKeys) return { duplicate, overLimit: true };
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (OPEN.includes(c)) {
      depth++;
      if (depth === 1 && c === OPEN[0]) expectKey = true;
    } else if (CLOSE.includes(c)) {
      depth--;
    } else if (c === COMMA && depth === 1) {
      expectKey = true;
    }
    i++;
  }
  return { duplicate, overLimit: false };
}

/** Writes a safetensors file atomically (temporary file in the same directory, fsync, rename). */
export function saveFile(path: string, tensors: TensorsToSave, metadata?: Metadata): void {
  writeFileAtomic(path, serialize(tensors, metadata));
}

/**
 * Reads and validates a safetensors file; errors name the path. Bounded: anything but a regular
 * file (a FIFO, /dev/zero, a directory) is refused before a byte is read; then the 8-byte length
 * and the header (at most MAX_HEADER_BYTES) are read and validated against the file's size, and
 * only then is each tensor's data read, straight into its own buffer.
 */
export function loadFile(path: string): SafetensorsFile {
  assertLittleEndianHost();
  const fail = failer(path);
  let file: RegularFile;
  try {
    file = openRegularFile(path);
  } catch (e) {
    throw new SafetensorsError((e as Error).message);
  }
  try {
    const first8 = new Uint8Array(Math.min(8, file.size));
    readExactly(file, first8, 0);
    const headerLength = headerLengthOf(first8, file.size, fail);
    const headerBytes = new Uint8Array(headerLength);
    readExactly(file, headerBytes, 8);
    const bufferStart = 8 + headerLength;
    const { entries, metadata } = parseHeader(headerBytes, file.size - bufferStart, fail);
    const tensors = new Map<string, SafeTensor>();
    for (const e of entries) {
      const bytes = new Uint8Array(e.end - e.begin);
      readExactly(file, bytes, bufferStart + e.begin);
      tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: DTYPES[e.dtype].make(bytes.buffer) });
    }
    return { tensors, metadata };
  } catch (e) {
    if (e instanceof FileReadError) throw new SafetensorsError(e.message);
    throw e;
  } finally {
    fs.closeSync(file.fd);
  }
}

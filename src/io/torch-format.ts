/**
 * torch.save / torch.load: PyTorch's own file format (the zip format, default since 1.6), so that
 * `torch.save(model.state_dict(), 'x.pth')` loads here and what `io.save` writes loads in PyTorch.
 *
 *   <folder>/data.pkl     the object, pickled (protocol 2); each storage is a persistent id
 *                         ('storage', torch.FloatStorage, key, location, numel)
 *   <folder>/data/<key>   each storage's elements, raw little-endian
 *   <folder>/version      "3"
 *
 * A tensor is torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
 * hooks): a view on its storage, so tensors that share a storage in the file share one here.
 * Loading never runs code: the pickle is read by pickle-read.ts with the allow-list below
 * (what PyTorch's weights_only loader accepts for tensors). This library has float32, int32 and
 * bool only: other storages are converted when every element is exact (float64, float16,
 * bfloat16 -> float32; int64, int16, int8, uint8 -> int32) and refused otherwise.
 */
import * as fs from 'fs';
import * as os from 'os';
import { Tensor } from '../tensor';
import { DType, TensorData } from '../storage';
import { writeFileAtomic } from './atomic';
import { unpickle, PickleGlobal, UnpicklingError } from './pickle-read';
import { pickle, PickleCall, PickleGlobalRef, PicklePersistent, PickleTuple } from './pickle-write';
import { FileReadError, openRegularFile, readExactly } from './regular-file';
import { MAX_FILE_BYTES, TorchFileError, entryOf, readTorchZip, writeTorchZip } from './torch-zip';

export { TorchFileError } from './torch-zip';
export { UnpicklingError } from './pickle-read';
export { PicklingError } from './pickle-write';

/** The data.pkl of a legitimate file is about a hundred bytes per tensor. */
const MAX_PICKLE_BYTES = 10_000_000;

interface StorageType {
  itemSize: number;
  /** Reads `n` little-endian elements into this library's storage, or explains why not. */
  decode: (bytes: Uint8Array, n: number) => TensorData | string;
}

const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

function floats(read: (v: DataView, i: number) => number, size: number, exactCheck: boolean, name: string) {
  return (bytes: Uint8Array, n: number): TensorData | string => {
    const v = dv(bytes);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = read(v, i * size);
      out[i] = x;
      if (exactCheck && out[i] !== x && !Number.isNaN(x)) {
        return `element ${i} of a ${name} storage is ${x}, which float32 cannot hold exactly ` +
          `(this library has no ${name}; convert it in PyTorch with .float())`;
      }
    }
    return out;
  };
}

function ints(read: (v: DataView, i: number) => number | bigint, size: number, name: string) {
  return (bytes: Uint8Array, n: number): TensorData | string => {
    const v = dv(bytes);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const x = read(v, i * size);
      if (typeof x === 'bigint' ? x < -2147483648n || x > 2147483647n : false) {
        return `element ${i} of a ${name} storage is ${x}, outside int32 (this library's widest integer dtype)`;
      }
      out[i] = Number(x);
    }
    return out;
  };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const STORAGE_TYPES: Record<string, StorageType> = {
  FloatStorage: { itemSize: 4, decode: floats((v, i) => v.getFloat32(i, true), 4, false, 'float32') },
  DoubleStorage: { itemSize: 8, decode: floats((v, i) => v.getFloat64(i, true), 8, true, 'float64') },
  HalfStorage: { itemSize: 2, decode: floats((v, i) => halfToFloat(v.getUint16(i, true)), 2, false, 'float16') },
  BFloat16Storage: {
    itemSize: 2,
    decode: floats((v, i) => new Float32Array(new Uint32Array([v.getUint16(i, true) << 16]).buffer)[0], 2, false, 'bfloat16'),
  },
  LongStorage: { itemSize: 8, decode: ints((v, i) => v.getBigInt64(i, true), 8, 'int64') },
  IntStorage: { itemSize: 4, decode: ints((v, i) => v.getInt32(i, true), 4, 'int32') },
  ShortStorage: { itemSize: 2, decode: ints((v, i) => v.getInt16(i, true), 2, 'int16') },
  CharStorage: { itemSize: 1, decode: ints((v, i) => v.getInt8(i), 1, 'int8') },
  ByteStorage: { itemSize: 1, decode: ints((v, i) => v.getUint8(i), 1, 'uint8') },
  BoolStorage: {
    itemSize: 1,
    decode: (bytes, n) => {
      const out = Uint8Array.from(bytes.subarray(0, n));
      const bad = out.findIndex((b) => b > 1);
      return bad < 0 ? out : `element ${bad} of a bool storage is the byte ${out[bad]}, not 0 or 1`;
    },
  },
};

/** The storage class io.save writes for each dtype. */
const STORAGE_OF: Record<DType, string> = { float32: 'torch.FloatStorage', int32: 'torch.IntStorage', bool: 'torch.BoolStorage' };

/** A storage as the unpickler hands it to _rebuild_tensor_v2: one base tensor per storage key. */
class LoadedStorage {
  constructor(readonly key: string, readonly base: Tensor) {}
}

function isSizeList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0);
}

function checkHooks(hooks: unknown): void {
  if (hooks !== null && !(typeof hooks === 'object' && Object.keys(hooks as object).length === 0)) {
    throw new Error('backward hooks saved with a tensor are not supported');
  }
}

/** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
function rebuildTensor(args: unknown[]): Tensor {
  if (args.length !== 6 && args.length !== 7) throw new Error(`expected 6 or 7 arguments, got ${args.length}`);
  const [storage, offset, size, stride, requiresGrad, hooks] = args;
  if (!(storage instanceof LoadedStorage)) throw new Error('the first argument is not a storage');
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) throw new Error(`invalid storage offset ${String(offset)}`);
  if (!isSizeList(size) || !isSizeList(stride) || size.length !== stride.length) {
    throw new Error(`invalid size ${JSON.stringify(size)} or stride ${JSON.stringify(stride)}`);
  }
  checkHooks(hooks);
  if (args.length === 7 && args[6] !== null && Object.keys(args[6] as object).length > 0) {
    throw new Error('tensor metadata is not supported');
  }
  const n = storage.base.numel;
  const numel = size.reduce((a, b) => a * b, 1);
  const last = (offset as number) + size.reduce((acc, d, i) => acc + (d - 1) * stride[i], 0);
  if (numel > 0 && last >= n) {
    throw new Error(`a tensor of size [${size.join(', ')}], stride [${stride.join(', ')}] at offset ${String(offset)} ` +
      `reaches element ${last} of storage '${storage.key}', which has ${n}`);
  }
  // Tensors over one storage share it (as PyTorch's do) but not a version counter: they are not views of each other.
  const t = Tensor._alias(storage.base, { shape: size, strides: stride, offset: offset as number }, false, false);
  if (requiresGrad === true) t.requiresGrad = true;
  return t;
}

/** torch._utils._rebuild_parameter(data, requires_grad, backward_hooks): a tensor with requiresGrad. */
function rebuildParameter(args: unknown[]): Tensor {
  if (args.length !== 3) throw new Error(`expected 3 arguments, got ${args.length}`);
  const [data, requiresGrad, hooks] = args;
  if (!(data instanceof Tensor)) throw new Error('the data is not a tensor');
  checkHooks(hooks);
  data.requiresGrad = requiresGrad === true;
  return data;
}

function orderedDict(args: unknown[]): Record<string, unknown> {
  if (args.length !== 0) throw new Error('only an empty OrderedDict() is built; its items follow as SETITEMS');
  return {};
}

const GLOBALS = new Map<string, ((args: unknown[]) => unknown) | null>([
  ['collections.OrderedDict', orderedDict],
  ['torch._utils._rebuild_tensor_v2', rebuildTensor],
  ['torch._utils._rebuild_parameter', rebuildParameter],
  ...Object.keys(STORAGE_TYPES).map((s): [string, null] => [`torch.${s}`, null]),
]);

/** What a file that is not a PyTorch zip is, for the error. */
function describeNonZip(head: Uint8Array): string {
  if (head[0] === 0x80 && head[1] <= 5) {
    return "a raw pickle: PyTorch's legacy format (torch.save before 1.6, or _use_new_zipfile_serialization=False), " +
      'which is not supported; re-save it with a newer PyTorch';
  }
  if (head.length >= 9 && head[8] === 0x7b) return 'a safetensors file: read it with io.loadFile';
  return 'neither a PyTorch zip file (it does not start with "PK\\x03\\x04") nor a safetensors file';
}

/**
 * Reads what torch.save wrote. Dicts and OrderedDicts become plain objects (int keys as their
 * decimal strings), lists and tuples arrays, tensors Tensors (see the file comment for dtypes).
 */
export function load(path: string): unknown {
  if (os.endianness() !== 'LE') throw new TorchFileError('io.load: big-endian hosts are not supported');
  let bytes: Uint8Array;
  try {
    const f = openRegularFile(path);
    try {
      if (f.size > MAX_FILE_BYTES) throw new TorchFileError(`${path}: ${f.size} bytes, more than the ${MAX_FILE_BYTES}-byte limit`);
      bytes = new Uint8Array(f.size);
      readExactly(f, bytes, 0);
    } finally {
      fs.closeSync(f.fd);
    }
  } catch (e) {
    if (e instanceof FileReadError) throw new TorchFileError(e.message);
    throw e;
  }
  if (!(bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04)) {
    throw new TorchFileError(`${path}: ${bytes.length === 0 ? 'an empty file' : describeNonZip(bytes)}`);
  }
  const archive = readTorchZip(bytes, path);
  const byteorder = archive.entries.get('byteorder');
  if (byteorder !== undefined && Buffer.from(byteorder).toString('utf8') !== 'little') {
    throw new TorchFileError(`${path}: byte order '${Buffer.from(byteorder).toString('utf8')}' is not supported`);
  }
  const pkl = entryOf(archive, 'data.pkl', path);
  if (pkl.length > MAX_PICKLE_BYTES) throw new TorchFileError(`${path}: data.pkl is ${pkl.length} bytes, more than ${MAX_PICKLE_BYTES}`);
  const storages = new Map<string, { type: string; storage: LoadedStorage }>();
  const persistentLoad = (pid: unknown): LoadedStorage => {
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      throw new UnpicklingError(`${path}: data.pkl: unsupported persistent id ${JSON.stringify(pid)} (only storages are read)`);
    }
    const [, type, key, , numel] = pid as [string, unknown, unknown, unknown, unknown];
    const typeName = type instanceof PickleGlobal ? type.name.replace(/^torch\./, '') : '';
    const info = Object.prototype.hasOwnProperty.call(STORAGE_TYPES, typeName) ? STORAGE_TYPES[typeName] : undefined;
    if (info === undefined) throw new UnpicklingError(`${path}: data.pkl: a storage of unknown type ${String(type)}`);
    if (typeof key !== 'string' || !Number.isSafeInteger(numel) || (numel as number) < 0) {
      throw new UnpicklingError(`${path}: data.pkl: invalid storage key ${JSON.stringify(key)} or size ${String(numel)}`);
    }
    const seen = storages.get(key);
    if (seen !== undefined) {
      if (seen.type !== typeName) throw new UnpicklingError(`${path}: storage '${key}' is read as both ${seen.type} and ${typeName}`);
      return seen.storage;
    }
    const raw = entryOf(archive, `data/${key}`, path);
    const want = (numel as number) * info.itemSize;
    if (raw.length !== want) {
      throw new TorchFileError(`${path}: storage '${key}' (${typeName}) should be ${want} bytes (${String(numel)} elements) but its entry has ${raw.length}`);
    }
    const data = info.decode(raw, numel as number);
    if (typeof data === 'string') throw new TorchFileError(`${path}: storage '${key}': ${data}`);
    const storage = new LoadedStorage(key, new Tensor(data, [data.length]));
    storages.set(key, { type: typeName, storage });
    return storage;
  };
  const result = unpickle(pkl, { globals: GLOBALS, persistentLoad, source: `${path}: data.pkl` });
  if (result instanceof LoadedStorage || result instanceof PickleGlobal) {
    throw new TorchFileError(`${path}: the file holds a bare storage or class, which is not supported`);
  }
  return result;
}

/**
 * Writes `obj` (a Tensor, a state dict, an optimizer state dict, or nested objects, Maps, arrays,
 * numbers, strings, booleans and null of them) in PyTorch's format, atomically. Tensors keep their
 * strides and offset, and tensors sharing a storage share it in the file.
 */
export function save(obj: unknown, path: string): void {
  if (os.endianness() !== 'LE') throw new TorchFileError('io.save: big-endian hosts are not supported');
  const keys = new Map<object, string>();
  const storages: Array<[string, Uint8Array]> = [];
  const custom = (value: unknown): unknown => {
    if (!(value instanceof Tensor)) return value;
    const data = value._storage.data;
    let key = keys.get(value._storage);
    if (key === undefined) {
      key = String(keys.size);
      keys.set(value._storage, key);
      storages.push([`data/${key}`, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]);
    }
    const storage = new PicklePersistent(['storage', new PickleGlobalRef(STORAGE_OF[value.dtype]), key, 'cpu', data.length]);
    return new PickleCall('torch._utils._rebuild_tensor_v2', [
      storage, value._offset, new PickleTuple(value.shape), new PickleTuple(value.stride()), value.requiresGrad,
      new Map(),
    ]);
  };
  const pkl = pickle(obj, custom);
  writeFileAtomic(path, writeTorchZip('archive', [['data.pkl', pkl], ...storages, ['version', Buffer.from('3\n')]]));
}

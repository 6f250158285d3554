/**
 * A pickle writer for protocol 2, the protocol torch.save uses, emitting only the opcodes
 * pickle-read.ts reads back. The caller turns its own objects (tensors) into `PickleCall`s and
 * `PicklePersistent`s through `custom`; everything else must be plain data.
 *
 * JavaScript -> Python: plain object -> dict (keys that are canonical non-negative integers,
 * like an optimizer state's "0", become int keys: JavaScript cannot tell 0 from "0" as a key,
 * and PyTorch's optimizer state needs ints), Map -> collections.OrderedDict, array -> list,
 * integer number -> int, other number -> float, bigint -> int, string -> str, null -> None,
 * boolean -> bool. Anything else (undefined, functions, typed arrays, class instances) is
 * refused, naming where it is.
 */

/** `module.name(*args)`: GLOBAL, the arguments as a tuple, REDUCE. */
export class PickleCall {
  constructor(readonly global: string, readonly args: readonly unknown[]) {}
}

/** A persistent id (BINPERSID), as torch writes for storages. */
export class PicklePersistent {
  constructor(readonly id: readonly unknown[]) {}
}

/** A bare GLOBAL reference (a storage class inside a persistent id). */
export class PickleGlobalRef {
  constructor(readonly global: string) {}
}

/** A Python tuple (arrays are written as lists). */
export class PickleTuple {
  constructor(readonly items: readonly unknown[]) {}
}

export class PicklingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PicklingError';
  }
}

const INT_KEY = /^(0|[1-9][0-9]{0,15})$/;

export function pickle(root: unknown, custom: (value: unknown, where: string) => unknown): Uint8Array {
  const chunks: number[] = [];
  const bytes = (...b: number[]): void => { for (const x of b) chunks.push(x); };
  const raw = (b: Uint8Array): void => { for (const x of b) chunks.push(x); };
  const u32 = (n: number): void => bytes(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  const str = (s: string): void => {
    const b = Buffer.from(s, 'utf8');
    bytes(0x58); // BINUNICODE
    u32(b.length);
    raw(b);
  };
  const global = (name: string): void => {
    const dot = name.lastIndexOf('.');
    bytes(0x63); // GLOBAL
    raw(Buffer.from(`${name.slice(0, dot)}\n${name.slice(dot + 1)}\n`, 'utf8'));
  };
  const int = (v: bigint): void => {
    if (v >= -(2n ** 31n) && v < 2n ** 31n) {
      const n = Number(v);
      if (n >= 0 && n < 256) bytes(0x4b, n); // BININT1
      else if (n >= 0 && n < 65536) bytes(0x4d, n & 0xff, n >> 8); // BININT2
      else { bytes(0x4a); u32(n); } // BININT
      return;
    }
    // LONG1: little-endian two's complement, as short as the sign allows.
    const out: number[] = [];
    let x = v;
    for (;;) {
      out.push(Number(x & 0xffn));
      x >>= 8n;
      const signBit = (out[out.length - 1] & 0x80) !== 0;
      if ((x === 0n && !signBit) || (x === -1n && signBit)) break;
    }
    bytes(0x8a, out.length, ...out);
  };
  const tuple = (items: readonly unknown[], where: string): void => {
    bytes(0x28); // MARK
    items.forEach((item, i) => write(item, `${where}[${i}]`));
    bytes(0x74); // TUPLE
  };
  const ancestors = new Set<unknown>();

  const write = (value: unknown, where: string): void => {
    const v = custom(value, where);
    if (v === null) { bytes(0x4e); return; }
    if (v === true) { bytes(0x88); return; }
    if (v === false) { bytes(0x89); return; }
    if (typeof v === 'string') { str(v); return; }
    if (typeof v === 'bigint') { int(v); return; }
    if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) int(BigInt(v));
      else {
        bytes(0x47); // BINFLOAT, big-endian
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, v, false);
        raw(b);
      }
      return;
    }
    if (v instanceof PickleGlobalRef) { global(v.global); return; }
    if (v instanceof PickleTuple) { tuple(v.items, where); return; }
    if (v instanceof PicklePersistent) { tuple(v.id, where); bytes(0x51); return; } // BINPERSID
    if (v instanceof PickleCall) { global(v.global); tuple(v.args, where); bytes(0x52); return; } // REDUCE
    if (v === undefined || typeof v !== 'object') {
      throw new PicklingError(`cannot save ${where}: ${v === undefined ? 'undefined' : typeof v} has no PyTorch equivalent`);
    }
    if (ancestors.has(v)) throw new PicklingError(`cannot save ${where}: it contains itself`);
    ancestors.add(v);
    if (Array.isArray(v)) {
      bytes(0x5d); // EMPTY_LIST
      if (v.length > 0) {
        bytes(0x28);
        v.forEach((item, i) => write(item, `${where}[${i}]`));
        bytes(0x65); // APPENDS
      }
    } else if (v instanceof Map || Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
      const entries: Array<[unknown, unknown]> = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
      if (v instanceof Map) {
        global('collections.OrderedDict');
        bytes(0x29, 0x52); // EMPTY_TUPLE, REDUCE
      } else {
        bytes(0x7d); // EMPTY_DICT
      }
      if (entries.length > 0) {
        bytes(0x28);
        for (const [k, item] of entries) {
          if (typeof k === 'string' && !(v instanceof Map) && INT_KEY.test(k)) int(BigInt(k));
          else if (typeof k === 'string' || typeof k === 'number') write(k, `${where} key`);
          else throw new PicklingError(`cannot save ${where}: a key of type ${typeof k} (keys must be strings or numbers)`);
          write(item, `${where}.${String(k)}`);
        }
        bytes(0x75); // SETITEMS
      }
    } else {
      throw new PicklingError(`cannot save ${where}: a ${(v as object).constructor?.name ?? 'object'} has no PyTorch equivalent ` +
        '(save Tensors, plain objects, Maps, arrays, numbers, strings, booleans and null)');
    }
    ancestors.delete(v);
  };

  bytes(0x80, 2); // PROTO 2
  write(root, 'the object');
  bytes(0x2e); // STOP
  return Uint8Array.from(chunks);
}

/**
 * A restricted unpickler: the subset of Python's pickle (protocol 2, plus the protocol-4 opcodes
 * that only carry data) that torch.save writes for tensors, state dicts and optimizer state.
 *
 * Nothing here ever calls anything a file names. A GLOBAL is looked up in the caller's
 * allow-list (`globals`) and refused, by name, when absent: a pickle naming `os.system` fails at
 * that opcode, before any argument is read. REDUCE calls only the allow-listed builders, BUILD
 * is accepted only on dicts (PyTorch's state dicts carry `_metadata` that way, dropped here),
 * and every other opcode that can instantiate objects (INST, OBJ, NEWOBJ, STACK_GLOBAL, EXT*) is
 * refused. Every read is bounds-checked; a pickle that ends early is an error naming the byte.
 *
 * Python values become: dict/OrderedDict -> plain object (keys str or int, the int as its decimal
 * string, as JavaScript objects have it), list and tuple -> array (tuples frozen), int -> number
 * (bigint beyond 2^53), float -> number, str -> string, None -> null, bool -> boolean.
 */

export class UnpicklingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnpicklingError';
  }
}

/** What GLOBAL pushes: the allow-listed name, resolved later by REDUCE or the persistent loader. */
export class PickleGlobal {
  constructor(readonly name: string, readonly call: ((args: unknown[]) => unknown) | null) {}
}

export interface UnpickleOptions {
  /** 'module.name' -> builder (called by REDUCE with the argument tuple) or null (a marker only). */
  globals: ReadonlyMap<string, ((args: unknown[]) => unknown) | null>;
  /** BINPERSID: turns a persistent id (a tuple, as torch writes) into a value. */
  persistentLoad: (pid: unknown) => unknown;
  /** Names the source in errors ("net.pt: data.pkl"). */
  source: string;
}

/**
 * The most containers (dicts, lists, tuples, built objects) one pickle may create. Each opcode
 * is one byte, so without this a 10 MB pickle of EMPTY_LIST opcodes would build ten million
 * arrays; a state dict needs about seven per tensor.
 */
export const MAX_PICKLE_OBJECTS = 1_000_000;

/** A Python dict built by the unpickler; converted to a plain object as it is created. */
function newDict(): Record<string, unknown> {
  return {};
}

function isDict(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

const MARK = Symbol('mark');

export function unpickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  const fail = (msg: string): never => {
    throw new UnpicklingError(`${options.source}: ${msg}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const need = (n: number, what: string): void => {
    if (pos + n > bytes.length) fail(`the pickle ends at byte ${bytes.length} while reading ${what} at byte ${pos} (truncated?)`);
  };
  const u8 = (): number => { need(1, 'an argument'); return bytes[pos++]; };
  const u16 = (): number => { need(2, 'an argument'); const v = view.getUint16(pos, true); pos += 2; return v; };
  const i32 = (): number => { need(4, 'an argument'); const v = view.getInt32(pos, true); pos += 4; return v; };
  const u32 = (): number => { need(4, 'an argument'); const v = view.getUint32(pos, true); pos += 4; return v; };
  const utf8 = (n: number): string => {
    need(n, `a ${n}-byte string`);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(pos, (pos += n)));
    } catch {
      return fail(`a string before byte ${pos} is not valid UTF-8`);
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail(`the pickle ends inside a GLOBAL name at byte ${pos} (truncated?)`);
    const s = utf8(end - pos);
    pos = end + 1;
    return s;
  };
  const longLE = (n: number): number | bigint => {
    need(n, `a ${n}-byte integer`);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[pos + i]);
    if (n > 0 && bytes[pos + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    pos += n;
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  let created = 0;
  const made = <T>(v: T): T => {
    if (++created > MAX_PICKLE_OBJECTS) fail(`more than ${MAX_PICKLE_OBJECTS} objects (at byte ${pos - 1}), beyond any tensor file`);
    return v;
  };
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  const pop = (): unknown => {
    if (stack.length === 0) fail(`stack underflow at byte ${pos - 1}`);
    const v = stack.pop();
    if (v === MARK) fail(`unexpected MARK at byte ${pos - 1}`);
    return v;
  };
  const top = (): unknown => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK) fail(`stack underflow at byte ${pos - 1}`);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail(`no MARK for the opcode at byte ${pos - 1}`);
    const items = stack.splice(at);
    items.shift();
    return items;
  };
  const setItem = (dict: unknown, key: unknown, value: unknown): void => {
    if (!isDict(dict)) fail(`SETITEM on something that is not a dict at byte ${pos - 1}`);
    let k: string;
    if (typeof key === 'string') k = key;
    else if (typeof key === 'number' && Number.isInteger(key)) k = String(key);
    else return fail(`a dict key of type ${describe(key)} at byte ${pos - 1}: only str and int keys are supported`);
    Object.defineProperty(dict, k, { value, enumerable: true, writable: true, configurable: true });
  };
  const append = (list: unknown, items: unknown[]): void => {
    if (!Array.isArray(list) || Object.isFrozen(list)) fail(`APPEND to something that is not a list at byte ${pos - 1}`);
    for (const item of items) (list as unknown[]).push(item);
  };
  const put = (index: number): void => {
    memo.set(index, top());
  };
  const get = (index: number): void => {
    if (!memo.has(index)) fail(`memo entry ${index} read before it was written (byte ${pos - 1})`);
    stack.push(memo.get(index));
  };

  for (;;) {
    if (pos >= bytes.length) fail(`the pickle ends at byte ${bytes.length} without a STOP opcode (truncated?)`);
    const at = pos;
    const op = bytes[pos++];
    switch (op) {
      case 0x80: { // PROTO
        const p = u8();
        if (p > 5) fail(`pickle protocol ${p} is not supported`);
        break;
      }
      case 0x95: // FRAME (protocol 4): a length hint only
        need(8, 'a frame length');
        pos += 8;
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`STOP at byte ${at} with ${stack.length} values on the stack (expected 1)`);
        return pop();
      case 0x63: { // GLOBAL
        const module = line();
        const name = line();
        const full = `${module}.${name}`;
        if (!options.globals.has(full)) {
          fail(`refusing to load the global '${full}' (byte ${at}): only tensors, storages and OrderedDict are allowed; ` +
            'this file may try to run code');
        }
        stack.push(new PickleGlobal(full, options.globals.get(full)!));
        break;
      }
      case 0x71: put(u8()); break; // BINPUT
      case 0x72: put(u32()); break; // LONG_BINPUT
      case 0x94: put(memo.size); break; // MEMOIZE
      case 0x68: get(u8()); break; // BINGET
      case 0x6a: get(u32()); break; // LONG_BINGET
      case 0x7d: stack.push(made(newDict())); break; // EMPTY_DICT
      case 0x5d: stack.push(made([])); break; // EMPTY_LIST
      case 0x29: stack.push(made(Object.freeze([]))); break; // EMPTY_TUPLE
      case 0x28: stack.push(MARK); break; // MARK
      case 0x58: stack.push(utf8(u32())); break; // BINUNICODE
      case 0x8c: stack.push(utf8(u8())); break; // SHORT_BINUNICODE
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(longLE(u8())); break; // LONG1
      case 0x8b: { // LONG4
        const n = u32();
        if (n > 64) fail(`a ${n}-byte integer at byte ${at} is beyond any value a tensor file holds`);
        stack.push(longLE(n));
        break;
      }
      case 0x47: { // BINFLOAT, big-endian
        need(8, 'a float');
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      }
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4e: stack.push(null); break; // NONE
      case 0x74: stack.push(made(Object.freeze(popMark()))); break; // TUPLE
      case 0x85: stack.push(made(Object.freeze([pop()]))); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(made(Object.freeze([a, b]))); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(made(Object.freeze([a, b, c]))); break; } // TUPLE3
      case 0x73: { const v = pop(); const k = pop(); setItem(top(), k, v); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2 !== 0) fail(`SETITEMS with an odd number of items at byte ${at}`);
        const dict = top();
        for (let i = 0; i < items.length; i += 2) setItem(dict, items[i], items[i + 1]);
        break;
      }
      case 0x61: { const v = pop(); append(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      case 0x51: stack.push(made(options.persistentLoad(pop()))); break; // BINPERSID
      case 0x52: { // REDUCE
        const args = pop();
        const callable = pop();
        if (!(callable instanceof PickleGlobal) || callable.call === null) {
          fail(`REDUCE at byte ${at} calls ${callable instanceof PickleGlobal ? `'${callable.name}', which cannot be called` : describe(callable)}`);
        }
        if (!Array.isArray(args)) fail(`REDUCE at byte ${at}: the arguments are not a tuple`);
        const { name, call } = callable as PickleGlobal;
        try {
          stack.push(made(call!(args as unknown[])));
        } catch (e) {
          if (e instanceof UnpicklingError) throw e;
          fail(`${name} at byte ${at}: ${(e as Error).message}`);
        }
        break;
      }
      case 0x62: { // BUILD: only a dict's attributes (a state dict's _metadata), which are dropped
        const state = pop();
        const target = top();
        if (!isDict(target) || !(isDict(state) || state === null)) {
          fail(`BUILD at byte ${at} sets the state of ${describe(target)}: only a dict's attributes are accepted`);
        }
        break;
      }
      default:
        fail(`unsupported pickle opcode ${JSON.stringify(String.fromCharCode(op))} (0x${op.toString(16).padStart(2, '0')}) at byte ${at}: ` +
          'only the subset torch.save writes for tensors and state dicts is read');
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PickleGlobal) return v.name;
  if (Array.isArray(v)) return Object.isFrozen(v) ? 'tuple' : 'list';
  if (isDict(v)) return 'dict';
  return typeof v === 'object' ? (v as object).constructor?.name ?? 'object' : typeof v;
}

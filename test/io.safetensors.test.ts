import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import {
  serialize, deserialize, saveFile, loadFile, SafetensorsError, SafeTensor,
} from '../src/io/safetensors';
import { writeFileAtomic } from '../src/io/atomic';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-io-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Builds a file from a header object and raw buffer, exactly as written (for bad files). */
function rawFile(header: unknown, buffer: Uint8Array = new Uint8Array(0), headerText?: string): Uint8Array {
  const json = Buffer.from(headerText ?? JSON.stringify(header), 'utf8');
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

function expectBad(bytes: Uint8Array, pattern: RegExp): void {
  let err: unknown;
  try {
    deserialize(bytes, 'bad.safetensors');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SafetensorsError);
  expect((err as Error).message).toMatch(/^bad\.safetensors: not a valid safetensors file: /);
  expect((err as Error).message).toMatch(pattern);
}

describe('safetensors round trip', () => {
  const tensors: Record<string, SafeTensor> = {
    'conv1.weight': { dtype: 'F32', shape: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i * 0.25 - 2) },
    'conv1.bias': { dtype: 'F32', shape: [2], data: new Float32Array([Math.PI, -0]) },
    ints: { dtype: 'I32', shape: [3], data: new Int32Array([-1, 0, 2147483647]) },
    longs: { dtype: 'I64', shape: [2], data: new BigInt64Array([-5n, 1n << 40n]) },
    doubles: { dtype: 'F64', shape: [1, 2], data: new Float64Array([1e-300, NaN]) },
    bytes: { dtype: 'U8', shape: [3], data: new Uint8Array([0, 128, 255]) },
    half: { dtype: 'F16', shape: [1], data: new Uint16Array([0x3c00]) },
    scalar: { dtype: 'F32', shape: [], data: new Float32Array([7]) },
    empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
  };

  test('values, shapes, dtypes and metadata survive; layout follows the format', () => {
    const bytes = serialize(tensors, { format: 'pt', note: 'héllo {"json"}' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    expect(bytes[8]).toBe('{'.charCodeAt(0));
    const back = deserialize(bytes);
    expect(back.metadata).toEqual({ format: 'pt', note: 'héllo {"json"}' });
    expect([...back.tensors.keys()]).toEqual(Object.keys(tensors));
    for (const [name, t] of Object.entries(tensors)) {
      const got = back.tensors.get(name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(got.data.constructor).toBe(t.data.constructor);
      expect(Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength))
        .toEqual(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  });

  test('saveFile/loadFile through the file system; header padding is spaces', () => {
    const file = path.join(dir, 'a.safetensors');
    saveFile(file, tensors);
    const raw = fs.readFileSync(file);
    const n = Number(raw.readBigUInt64LE(0));
    const header = raw.subarray(8, 8 + n).toString('utf8');
    expect(header.trimEnd()).toBe(header.replace(/ +$/, ''));
    expect(JSON.parse(header)['conv1.bias']).toEqual({ dtype: 'F32', shape: [2], data_offsets: [72, 80] });
    const back = loadFile(file);
    expect(Array.from(back.tensors.get('conv1.weight')!.data as Float32Array)).toEqual(Array.from(tensors['conv1.weight'].data as Float32Array));
  });

  test('reads subarray views and unaligned offsets', () => {
    const big = new Float32Array([9, 9, 1, 2, 3]);
    const bytes = serialize({ u: { dtype: 'U8', shape: [1], data: new Uint8Array([1]) }, f: { dtype: 'F32', shape: [3], data: big.subarray(2) } });
    const back = deserialize(bytes);
    expect(Array.from(back.tensors.get('f')!.data as Float32Array)).toEqual([1, 2, 3]);
  });

  test('serialize refuses inconsistent tensors', () => {
    expect(() => serialize({ a: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(/shape \[3\].*2 values/);
    expect(() => serialize({ a: { dtype: 'I32', shape: [2], data: new Float32Array(2) } })).toThrow(/I32 but its data is a Float32Array/);
    expect(() => serialize({ a: { dtype: 'F32', shape: [1.5], data: new Float32Array(1) } })).toThrow(/invalid shape/);
    expect(() => serialize({ __metadata__: { dtype: 'F32', shape: [1], data: new Float32Array(1) } })).toThrow(/reserved/);
  });
});

describe('safetensors rejects malformed files', () => {
  const four = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
  const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } };

  test('a well-formed hand-written file is accepted', () => {
    const back = deserialize(rawFile(ok, four));
    expect(Array.from(back.tensors.get('b')!.data as Float32Array)).toEqual([3, 4]);
  });
  test('too short for the header length', () => expectBad(new Uint8Array(5), /too short/));
  test('header length past the end of the file', () => {
    const bytes = rawFile(ok, four);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(bytes.length), true);
    expectBad(bytes, /runs past the end of the file/);
  });
  test('absurd header length (u64 max)', () => {
    const bytes = rawFile(ok, four);
    new DataView(bytes.buffer).setBigUint64(0, 0xffffffffffffffffn, true);
    expectBad(bytes, /exceeds/);
  });
  test('header that is not JSON', () => expectBad(rawFile(null, four, '{"a": [0, '), /not valid JSON/));
  test('header that does not start with {', () => expectBad(rawFile(null, four, '  [1, 2]'), /must start with '\{'/));
  test('header that is a JSON array', () => expectBad(rawFile(null, four, '{}'.replace('{}', '{"a":1}')), /entry is not an object/));
  test('duplicate tensor names', () => {
    const text = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}';
    expectBad(rawFile(null, four, text), /names 'a' twice/);
  });
  test('offsets past the buffer', () => {
    expectBad(rawFile({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 32] } }, four), /run past the end of the 16-byte data buffer/);
  });
  test('overlapping offsets', () => {
    expectBad(rawFile({
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [3], data_offsets: [4, 16] },
    }, four), /tensor 'b'.*overlap/);
  });
  test('a hole between tensors', () => {
    expectBad(rawFile({
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
    }, four), /tensor 'b'.*hole/);
  });
  test('end before begin', () => expectBad(rawFile({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, four), /end before they begin/));
  test('offsets that do not match dtype * shape', () => {
    expectBad(rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, four), /shape \[3\] needs 12 bytes.*hold 16/);
    expectBad(rawFile({ a: { dtype: 'F64', shape: [4], data_offsets: [0, 16] } }, four), /F64 shape \[4\] needs 32 bytes/);
  });
  test('unsupported dtype', () => expectBad(rawFile({ a: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, four), /unsupported dtype "F128"/));
  test('non-integer or negative shapes', () => {
    expectBad(rawFile({ a: { dtype: 'F32', shape: [2.5], data_offsets: [0, 16] } }, four), /shape must be a list of non-negative integers/);
    expectBad(rawFile({ a: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, four), /non-negative integers/);
    expectBad(rawFile({ a: { dtype: 'F32', shape: '4', data_offsets: [0, 16] } }, four), /non-negative integers/);
  });
  test('malformed data_offsets', () => {
    expectBad(rawFile({ a: { dtype: 'F32', shape: [4], data_offsets: [0] } }, four), /data_offsets must be/);
    expectBad(rawFile({ a: { dtype: 'F32', shape: [4], data_offsets: [0, '16'] } }, four), /data_offsets must be/);
  });
  test('trailing bytes after the last tensor', () => {
    const more = new Uint8Array(20);
    more.set(four);
    expectBad(rawFile(ok, more), /4 trailing bytes/);
  });
  test('metadata values must be strings', () => {
    expectBad(rawFile({ __metadata__: { epoch: 3 } }), /__metadata__\['epoch'\] must be a string/);
  });
  test('loadFile names the path of a missing file', () => {
    expect(() => loadFile(path.join(dir, 'nope.safetensors'))).toThrow(/nope\.safetensors: cannot read/);
  });
});

describe('atomic writes', () => {
  test('no temporary files are left behind', () => {
    const file = path.join(dir, 'x.bin');
    writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    writeFileAtomic(file, 'second');
    expect(fs.readFileSync(file, 'utf8')).toBe('second');
    expect(fs.readdirSync(dir)).toEqual(['x.bin']);
  });

  test('a failed write leaves the existing file intact and no temporary file', () => {
    const file = path.join(dir, 'keep.safetensors');
    saveFile(file, { a: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } });
    const before = fs.readFileSync(file);
    // Serialisation fails before anything is written...
    expect(() => saveFile(file, { a: { dtype: 'F32', shape: [2], data: new Float32Array(1) } })).toThrow();
    // ...and the rename fails when the target is a directory.
    const asDir = path.join(dir, 'adir');
    fs.mkdirSync(asDir);
    fs.writeFileSync(path.join(asDir, 'inside'), 'x');
    expect(() => writeFileAtomic(asDir, 'data')).toThrow();
    expect(fs.readFileSync(file)).toEqual(before);
    expect(fs.readdirSync(dir).sort()).toEqual(['adir', 'keep.safetensors']);
  });

  test('a write into a missing directory fails cleanly', () => {
    expect(() => writeFileAtomic(path.join(dir, 'missing', 'f'), 'x')).toThrow(/ENOENT/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

// PyTorch is not a test dependency; when Debian's python3-torch happens to be installed, check
// that a file we write is what PyTorch reads (hand-written parser: safetensors isn't installed).
const systemPython = '/usr/bin/python3';
const hasTorch = fs.existsSync(systemPython) &&
  spawnSync(systemPython, ['-c', 'import torch'], { stdio: 'ignore', timeout: 30000 }).status === 0;
(hasTorch ? test : test.skip)('PyTorch reads our file (optional: only where torch is installed)', () => {
  const file = path.join(dir, 'py.safetensors');
  saveFile(file, {
    'fc.weight': { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6.5]) },
    'fc.bias': { dtype: 'F32', shape: [2], data: new Float32Array([-1, 0.125]) },
    idx: { dtype: 'I64', shape: [2], data: new BigInt64Array([3n, -7n]) },
  }, { format: 'pt' });
  const script = `
import json, struct, sys, torch
raw = open(sys.argv[1], 'rb').read()
n, = struct.unpack('<Q', raw[:8])
header = json.loads(raw[8:8 + n])
buf = bytearray(raw[8 + n:])
dt = {'F32': torch.float32, 'I64': torch.int64}
out = {'__metadata__': header.pop('__metadata__')}
for name, e in header.items():
    b, end = e['data_offsets']
    t = torch.frombuffer(buf[b:end], dtype=dt[e['dtype']]).reshape(e['shape']) if end > b else torch.empty(e['shape'])
    out[name] = {'shape': list(t.shape), 'values': t.flatten().tolist()}
print(json.dumps(out))
`;
  const r = spawnSync(systemPython, ['-c', script, file], { encoding: 'utf8', timeout: 60000 });
  expect(r.status).toBe(0);
  const got = JSON.parse(r.stdout);
  expect(got.__metadata__).toEqual({ format: 'pt' });
  expect(got['fc.weight']).toEqual({ shape: [2, 3], values: [1, 2, 3, 4, 5, 6.5] });
  expect(got['fc.bias']).toEqual({ shape: [2], values: [-1, 0.125] });
  expect(got.idx).toEqual({ shape: [2], values: [3, -7] });
});

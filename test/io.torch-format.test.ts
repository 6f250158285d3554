/**
 * io.save / io.load against files written by PyTorch 1.13's torch.save (scripts/gen-fixtures-pt.py,
 * which also checks that torch.load reads what io.save writes), malformed and malicious files,
 * and round trips here.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { zipSync } from 'fflate';
import { Tensor, setBackend, getBackend, io, models, tensor } from '../src';
import type { BackendName } from '../src/backend';

const DIR = path.join(__dirname, 'fixtures', 'pt');
const fixture = (name: string): string => path.join(DIR, name);

interface TensorJson { dtype: string; shape: number[]; stride: number[]; offset: number; values?: Array<string | boolean | number>; b64?: string }
const expected = JSON.parse(fs.readFileSync(fixture('expected.json'), 'utf8')) as {
  net: { input: TensorJson; logits: TensorJson; keys: string[] };
  sgd: { state: Record<string, { momentum_buffer: TensorJson }>; param_groups: Array<Record<string, unknown>> };
  mixed: Record<string, TensorJson> & { nested: unknown };
};

/** The dtype io.load gives for each PyTorch dtype. */
const LOADED_DTYPE: Record<string, string> = {
  float32: 'float32', float64: 'float32', float16: 'float32', int64: 'int32', int32: 'int32', uint8: 'int32', bool: 'bool',
};

/** The values in C order: decimals, booleans, or base64 little-endian float32 for long arrays. */
function values(j: TensorJson): number[] {
  if (j.b64 !== undefined) {
    const bytes = Buffer.from(j.b64, 'base64');
    return Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
  }
  return j.values!.map(Number);
}

function expectTensor(t: unknown, j: TensorJson): void {
  expect(t).toBeInstanceOf(Tensor);
  const x = t as Tensor;
  expect(x.dtype).toBe(LOADED_DTYPE[j.dtype]);
  expect([...x.shape]).toEqual(j.shape);
  expect([...x.stride()]).toEqual(j.stride);
  expect(x._offset).toBe(j.offset);
  expect(Array.from(x.dataSync())).toEqual(values(j).map((v) => (x.dtype === 'float32' ? Math.fround(v) : v)));
}

/** Deep equality where tensors compare by dtype, layout, values and requiresGrad. */
function expectSame(got: unknown, want: unknown, where: string): void {
  if (want instanceof Tensor) {
    expect(got).toBeInstanceOf(Tensor);
    const g = got as Tensor;
    expect([where, g.dtype, [...g.shape], [...g.stride()], g._offset, g.requiresGrad]).toEqual(
      [where, want.dtype, [...want.shape], [...want.stride()], want._offset, want.requiresGrad]);
    expect(Array.from(g.dataSync())).toEqual(Array.from(want.dataSync()));
  } else if (want !== null && typeof want === 'object') {
    expect([where, Object.keys(got as object)]).toEqual([where, Object.keys(want)]);
    for (const k of Object.keys(want)) expectSame((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], `${where}.${k}`);
  } else {
    expect([where, got]).toEqual([where, want]);
  }
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-pt-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('io.load reads torch.save files (PyTorch 1.13)', () => {
  test("the seed Net's state_dict, in PyTorch's key order", () => {
    const sd = io.load(fixture('net.pt')) as Record<string, Tensor>;
    expect(Object.keys(sd)).toEqual(expected.net.keys);
    expect(sd['conv1.weight'].shape).toEqual([6, 3, 5, 5]);
  });

  describe.each(['js', 'wasm'] as BackendName[])('%s backend', (backend) => {
    let previous: BackendName;
    beforeAll(() => {
      previous = getBackend().name;
      expect(setBackend(backend).name).toBe(backend);
    });
    afterAll(() => {
      setBackend(previous);
    });
    test.each(['net.pt', 'net-deflated.pt'])("model.loadStateDict(io.load('%s')) gives PyTorch's logits", (file) => {
      const net = new models.Net();
      net.loadStateDict(io.load(fixture(file)) as Record<string, Tensor>);
      const x = new Tensor(Float32Array.from(values(expected.net.input)), expected.net.input.shape);
      const logits = net.forward(x).dataSync();
      const want = values(expected.net.logits);
      expect(logits.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(Math.abs(logits[i] - want[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i])));
    });
  });

  test('an SGD-momentum state_dict after one step: momentum buffers and param_groups', () => {
    const sd = io.load(fixture('sgd.pt')) as { state: Record<string, { momentum_buffer: Tensor }>; param_groups: unknown[] };
    expect(Object.keys(sd.state)).toEqual(Object.keys(expected.sgd.state));
    for (const [k, s] of Object.entries(expected.sgd.state)) expectTensor(sd.state[k].momentum_buffer, s.momentum_buffer);
    expect(sd.param_groups).toEqual(expected.sgd.param_groups);
  });

  test('int64/uint8/float64/float16 converted exactly, bool kept, strides and offsets kept', () => {
    const m = io.load(fixture('mixed.pt')) as Record<string, unknown>;
    for (const [k, j] of Object.entries(expected.mixed)) if (k !== 'nested') expectTensor(m[k], j as TensorJson);
    const { inf, ...rest } = m.nested as Record<string, unknown>;
    expect(rest).toEqual(expected.mixed.nested);
    expect(inf).toBe(Infinity);
  });

  test('tensors over one storage share it (a write through one shows in the others), not a version counter', () => {
    const m = io.load(fixture('mixed.pt')) as Record<string, Tensor>;
    const { base, t, slice, row } = m;
    expect(t._storage).toBe(base._storage);
    expect(slice._storage).toBe(base._storage);
    expect(row._storage).toBe(base._storage);
    expect(t._versionCounter).not.toBe(base._versionCounter);
    base._writeDense(new Float32Array(24).fill(7));
    expect(Array.from(slice.dataSync())).toEqual(new Array(9).fill(7));
  });

  test('a Parameter comes back with requiresGrad', () => {
    const m = io.load(fixture('mixed.pt')) as Record<string, Tensor>;
    expect(m.param.requiresGrad).toBe(true);
    expect(m.t.requiresGrad).toBe(false);
  });
});

describe('io.load refuses, saying why', () => {
  test.each([
    ['evil-os-system.pt', /refusing to load the global 'os\.system'/],
    ['int64-out-of-range.pt', /storage '0': element 0 of a int64 storage is 2147483648, outside int32/],
    ['float64-inexact.pt', /element 0 of a float64 storage is 0\.1, which float32 cannot hold exactly/],
    ['truncated.pt', /not a complete zip archive \(truncated or corrupt\?\)/],
    ['short-storage.pt', /storage '0' \(LongStorage\) should be 48 bytes \(6 elements\) but its entry has 44/],
  ])('%s', (file, message) => {
    expect(() => io.load(fixture(file))).toThrow(message);
  });

  test('the malicious pickle runs nothing (its global is refused before REDUCE)', () => {
    const spy = jest.spyOn(process.stderr, 'write');
    expect(() => io.load(fixture('evil-os-system.pt'))).toThrow(io.UnpicklingError);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  const write = (name: string, bytes: Uint8Array): string => {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, bytes);
    return p;
  };
  const zipOf = (pkl: number[]): Uint8Array => zipSync({ 'archive/data.pkl': Uint8Array.from(pkl), 'archive/version': Buffer.from('3\n') });

  test('files that are not PyTorch zips say what they are', () => {
    const st = path.join(tmp, 'x.safetensors');
    io.saveFile(st, { w: tensor([1, 2]) });
    expect(() => io.load(st)).toThrow(/a safetensors file: read it with io\.loadFile/);
    expect(() => io.load(write('legacy.pt', Uint8Array.from([0x80, 0x02, 0x8a, 0x0a])))).toThrow(/legacy format/);
    expect(() => io.load(write('junk.pt', Buffer.from('hello world')))).toThrow(/neither a PyTorch zip file/);
    expect(() => io.load(write('empty.pt', new Uint8Array(0)))).toThrow(/an empty file/);
    expect(() => io.load(tmp)).toThrow(/not a regular file \(a directory\)/);
  });

  test('opcodes that build arbitrary objects are refused by name', () => {
    // PROTO 2, EMPTY_TUPLE, NEWOBJ
    expect(() => io.load(write('newobj.pt', zipOf([0x80, 2, 0x29, 0x81, 0x2e])))).toThrow(/unsupported pickle opcode .* \(0x81\) at byte 3/);
    // STACK_GLOBAL (protocol 4): the name comes from the stack, so it is refused outright
    expect(() => io.load(write('stackglobal.pt', zipOf([0x80, 4, 0x93, 0x2e])))).toThrow(/\(0x93\)/);
  });

  test('a pickle that ends early names the byte', () => {
    // PROTO 2, BINUNICODE announcing 100 bytes
    expect(() => io.load(write('short.pt', zipOf([0x80, 2, 0x58, 100, 0, 0, 0, 0x61])))).toThrow(
      /data\.pkl: the pickle ends at byte 8 while reading a 100-byte string at byte 7/,
    );
    expect(() => io.load(write('nostop.pt', zipOf([0x80, 2, 0x4e])))).toThrow(/without a STOP opcode/);
  });

  test('a tensor reaching past its storage is refused', () => {
    const f = path.join(tmp, 'ok.pt');
    io.save({ w: tensor([1, 2, 3]) }, f);
    const bytes = fs.readFileSync(f);
    // The size tuple (3,) is BININT1 3 in the pickle; make it 4.
    const pklAt = bytes.indexOf(Buffer.from('_rebuild_tensor_v2'));
    const sizeAt = bytes.indexOf(Buffer.from([0x28, 0x4b, 3, 0x74]), pklAt);
    bytes[sizeAt + 2] = 4;
    expect(() => io.load(write('past.pt', bytes))).toThrow(/reaches element 3 of storage '0', which has 3/);
  });

  test('a deflated entry announcing more than deflate can produce (a zip bomb) is refused before inflating', () => {
    const bytes = zipSync({ 'archive/data.pkl': new Uint8Array(1000), 'archive/version': Buffer.from('3\n') }, { level: 9 });
    // Central directory entry of data.pkl: its uncompressed size at +24.
    const cd = Buffer.from(bytes).indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(cd + 24, 2 ** 31, true);
    expect(() => io.load(write('bomb.pt', bytes))).toThrow(/more than deflate can produce \(a zip bomb\?\)/);
  });
});

describe('io.save writes what io.load (and torch.load: see scripts/gen-fixtures-pt.py) reads', () => {
  test('round trip of every fixture: values, dtypes, strides, offsets, shared storages, nesting', () => {
    for (const name of ['net', 'sgd', 'mixed']) {
      const a = io.load(fixture(`${name}.pt`));
      const f = path.join(tmp, `${name}.pt`);
      io.save(a, f);
      const b = io.load(f);
      expectSame(b, a, name);
    }
    const m = io.load(path.join(tmp, 'mixed.pt')) as Record<string, Tensor>;
    expect(m.t._storage).toBe(m.base._storage);
    expect([...m.slice.stride()]).toEqual([6, 2]);
    expect(m.slice._offset).toBe(6);
    expect(m.param.requiresGrad).toBe(true);
  });

  test("net.stateDict() saved and loaded into another Net gives the same outputs", () => {
    const a = new models.Net();
    const b = new models.Net();
    const f = path.join(tmp, 'mine.pt');
    io.save(a.stateDict(), f);
    b.loadStateDict(io.load(f) as Record<string, Tensor>);
    const x = new Tensor(Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin(i)), [1, 3, 32, 32]);
    expect(Array.from(b.forward(x).dataSync())).toEqual(Array.from(a.forward(x).dataSync()));
  });

  test('entries are stored and 64-byte aligned, as PyTorch writes them', () => {
    const f = path.join(tmp, 'aligned.pt');
    io.save({ a: tensor([1, 2, 3]), b: tensor([true, false]), c: [1, 'x', null] }, f);
    const bytes = fs.readFileSync(f);
    let at = 0;
    let count = 0;
    while (bytes.readUInt32LE(at) === 0x04034b50) {
      expect(bytes.readUInt16LE(at + 8)).toBe(0); // method: stored
      const dataAt = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
      expect(dataAt % 64).toBe(0);
      at = dataAt + bytes.readUInt32LE(at + 18);
      count++;
    }
    expect(count).toBe(4); // data.pkl, data/0, data/1, version
  });

  test('Maps, bigints and integer-like keys; refusals name where', () => {
    const f = path.join(tmp, 'misc.pt');
    io.save(new Map<string, unknown>([['b', 2n ** 70n], ['a', { 0: 'zero', x: -1.5 }]]), f);
    expect(io.load(f)).toEqual({ b: 2n ** 70n, a: { 0: 'zero', x: -1.5 } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => io.save(cyclic, f)).toThrow(/cannot save the object\.self: it contains itself/);
    expect(() => io.save({ a: [undefined] }, f)).toThrow(/cannot save the object\.a\[0\]: undefined has no PyTorch equivalent/);
    expect(() => io.save({ a: new Float32Array(2) }, f)).toThrow(/a Float32Array has no PyTorch equivalent/);
  });
});

describe('io.saveFile (safetensors) takes a stateDict of Tensors', () => {
  test('io.saveFile(path, net.stateDict()) writes F32 entries', () => {
    const net = new models.Net();
    const f = path.join(tmp, 'net.safetensors');
    io.saveFile(f, net.stateDict());
    const back = io.loadFile(f);
    expect([...back.tensors.keys()]).toEqual(Object.keys(net.stateDict()));
    const w = back.tensors.get('fc3.weight')!;
    expect(w.dtype).toBe('F32');
    expect(Array.from(w.data as Float32Array)).toEqual(Array.from(net.fc3.weight.dataSync()));
  });
});

describe('io.load bounds', () => {
  test('a pickle building more than MAX_PICKLE_OBJECTS containers is refused', () => {
    const { MAX_PICKLE_OBJECTS } = jest.requireActual('../src/io/pickle-read') as { MAX_PICKLE_OBJECTS: number };
    const pkl = new Uint8Array(MAX_PICKLE_OBJECTS + 3).fill(0x5d); // EMPTY_LIST, over and over
    pkl[0] = 0x80;
    pkl[1] = 2;
    const f = path.join(tmp, 'many.pt');
    fs.writeFileSync(f, zipSync({ 'archive/data.pkl': pkl, 'archive/version': Buffer.from('3\n') }));
    expect(() => io.load(f)).toThrow(/more than 1000000 objects \(at byte 1000002\)/);
  });
});

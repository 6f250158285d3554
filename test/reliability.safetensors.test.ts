/**
 * The safetensors reader is bounded, as the reference implementation: only regular files are
 * read (never /dev/zero or a FIFO), the header is read and validated before any data, the
 * tensor count is capped, dtypes are own properties only, names are exact UTF-8.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deserialize, loadFile, MAX_TENSORS, saveFile, SafetensorsError } from '../src/io/safetensors';
import { ensureBuilt, runNode } from './helpers/dist';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-st-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** 8-byte length, then exactly these header bytes, then `data`. */
function fileBytes(header: Uint8Array | string, data: Uint8Array = new Uint8Array(0)): Buffer {
  const h = typeof header === 'string' ? Buffer.from(header, 'utf8') : Buffer.from(header);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, data]);
}

/** Runs loadFile(file) in a child process: its error message and its peak memory in MB. */
function loadInChild(file: string, timeoutMs = 20000): { message: string; maxRssMb: number; killed: boolean } {
  const r = runNode(`
    const { loadFile } = require(lib + '/io/safetensors');
    let message = 'loaded';
    try { loadFile(process.argv[1]); } catch (e) { message = e.message; }
    console.log(JSON.stringify({ message, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  `, { timeoutMs, args: [file] });
  if (r.signal) return { message: '', maxRssMb: NaN, killed: true };
  if (r.status !== 0) throw new Error(r.stderr);
  return { ...JSON.parse(r.stdout), killed: false };
}

describe('only regular files are read, with bounded memory (child processes)', () => {
  beforeAll(() => ensureBuilt());

  test('a 1.9 GB file with a broken header is rejected without reading its data', () => {
    const file = path.join(dir, 'big.safetensors');
    fs.writeFileSync(file, fileBytes('{"a": not json}  '));
    fs.truncateSync(file, 1.9e9); // sparse: costs no disk
    const r = loadInChild(file);
    expect(r.message).toMatch(/big\.safetensors: not a valid safetensors file: the header is not valid JSON/);
    expect(r.maxRssMb).toBeLessThan(300);
  });

  test('/dev/zero is refused, not read without end', () => {
    const r = loadInChild('/dev/zero');
    expect(r.killed).toBe(false);
    expect(r.message).toBe('/dev/zero: not a regular file (a character device)');
    expect(r.maxRssMb).toBeLessThan(300);
  });

  test('a FIFO is refused, not waited on', () => {
    const fifo = path.join(dir, 'fifo.safetensors');
    execFileSync('mkfifo', [fifo]);
    const r = loadInChild(fifo, 15000);
    expect(r.killed).toBe(false);
    expect(r.message).toBe(`${fifo}: not a regular file (a FIFO)`);
  });
});

test('a directory is refused by name', () => {
  expect(() => loadFile(dir)).toThrow(SafetensorsError);
  expect(() => loadFile(dir)).toThrow(`${dir}: not a regular file (a directory)`);
});

test('a file shorter than its header says is rejected before any data is read', () => {
  const file = path.join(dir, 'short.safetensors');
  const bytes = fileBytes(JSON.stringify({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }), new Uint8Array(8));
  fs.writeFileSync(file, bytes);
  expect(() => loadFile(file)).toThrow(/short\.safetensors: not a valid safetensors file: tensor 'a': data_offsets \[0, 16\] run past the end of the 8-byte data buffer/);
});

test('loadFile reads what saveFile wrote, every tensor in its own buffer', () => {
  const file = path.join(dir, 'ok.safetensors');
  saveFile(file, {
    b: { dtype: 'U8', shape: [3], data: Uint8Array.from([1, 2, 3]) },
    w: { dtype: 'F32', shape: [2], data: Float32Array.from([0.5, -2]) },
  }, { note: 'x' });
  const back = loadFile(file);
  expect(Array.from(back.tensors.get('w')!.data as Float32Array)).toEqual([0.5, -2]);
  expect(Array.from(back.tensors.get('b')!.data as Uint8Array)).toEqual([1, 2, 3]);
  expect(back.metadata).toEqual({ note: 'x' });
});

describe('the header is parsed with bounds', () => {
  test(`more than MAX_TENSORS (${MAX_TENSORS}) tensors are refused before they are built`, () => {
    // 1.5 million empty tensors took 8-27 s and 1.8 GB before the bound; 200,000 make the point.
    // The header is built as fixed-width entries (a repeated pattern, then each index written
    // in place): fast.
    const count = 200_000;
    const entry = Buffer.from('"t0000000":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},');
    const header = Buffer.alloc(1 + count * entry.length);
    header[0] = 0x7b; // '{'
    header.fill(entry, 1);
    for (let i = 0; i < count; i++) header.write(String(i).padStart(7, '0'), 1 + i * entry.length + 2, 'latin1');
    header[header.length - 1] = 0x7d; // the last ',' becomes '}'
    const file = path.join(dir, 'many.safetensors');
    fs.writeFileSync(file, fileBytes(header));
    const start = Date.now();
    expect(() => loadFile(file)).toThrow(new RegExp(`the header lists more than ${MAX_TENSORS} tensors`));
    // Building the 200,000 entries took seconds (1.5 million took 8-27 s); refusing them first
    // takes well under one. The bound is loose because CI machines are shared and noisy.
    expect(Date.now() - start).toBeLessThan(5000);
  });

  test('exactly MAX_TENSORS tensors (and metadata) are accepted', () => {
    const entries: string[] = ['"__metadata__":{"k":"v"}'];
    for (let i = 0; i < MAX_TENSORS; i++) entries.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
    expect(deserialize(fileBytes(`{${entries.join(',')}}`)).tensors.size).toBe(MAX_TENSORS);
  });

  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])('dtype %j is not a dtype', (dtype) => {
    const bytes = fileBytes(JSON.stringify({ a: { dtype, shape: [0], data_offsets: [0, 0] } }));
    expect(() => deserialize(bytes, 'p.safetensors')).toThrow(`p.safetensors: not a valid safetensors file: tensor 'a': unsupported dtype "${dtype}"`);
  });

  test('tensor names must be valid UTF-8', () => {
    const header = Buffer.concat([Buffer.from('{"a'), Buffer.from([0xff, 0xfe]), Buffer.from('":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}')]);
    expect(() => deserialize(fileBytes(header), 'u.safetensors')).toThrow('u.safetensors: not a valid safetensors file: the header is not valid UTF-8');
    // A truncated multi-byte sequence too.
    const cut = Buffer.concat([Buffer.from('{"'), Buffer.from('é').subarray(0, 1), Buffer.from('":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}')]);
    expect(() => deserialize(fileBytes(cut))).toThrow(/not valid UTF-8/);
    // Valid multi-byte names are fine.
    expect([...deserialize(fileBytes('{"poids.é":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}')).tensors.keys()]).toEqual(['poids.é']);
  });

  test("a metadata key '__proto__' stays an ordinary key", () => {
    const back = deserialize(fileBytes('{"__metadata__":{"__proto__":"x","a":"b"}}'));
    expect(Object.getPrototypeOf(back.metadata)).toBe(Object.prototype);
    expect(Object.keys(back.metadata)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(back.metadata, '__proto__')?.value).toBe('x');
  });
});

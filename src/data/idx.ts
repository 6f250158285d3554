/**
 * IDX files (the MNIST family's format): a 4-byte magic number (two zero bytes, a type code,
 * the number of dimensions), big-endian uint32 sizes, then the data. Only uint8 (0x08) exists
 * in the data sets we read.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';

export interface IdxArray {
  data: Uint8Array;
  shape: number[];
}

/** Reads a file, gunzipping it when its name ends in .gz; errors name the file. */
export function readMaybeGzip(file: string): Uint8Array {
  const raw = fs.readFileSync(file);
  if (!file.endsWith('.gz')) return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  try {
    const out = zlib.gunzipSync(raw);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new Error(`${file}: not a valid gzip file or truncated (${(e as Error).message})`);
  }
}

/** Parses an uint8 IDX array with `ndim` dimensions, checking magic number and length. */
export function parseIdx(bytes: Uint8Array, ndim: number, file: string): IdxArray {
  const expectedMagic = 0x0800 | ndim;
  if (bytes.length < 4) throw new Error(`${file}: too short for an IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    const hex = (n: number) => '0x' + n.toString(16).padStart(8, '0');
    throw new Error(
      `${file}: wrong IDX magic number ${hex(magic)} (expected ${hex(expectedMagic)}: uint8 data with ${ndim} dimension${ndim > 1 ? 's' : ''})`,
    );
  }
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength) throw new Error(`${file}: truncated IDX header (${bytes.length} of ${headerLength} bytes)`);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d));
  const count = shape.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerLength;
  if (actual < count) {
    throw new Error(`${file}: truncated: header says [${shape.join(', ')}] = ${count} bytes of data, found ${actual}`);
  }
  if (actual > count) {
    throw new Error(`${file}: ${actual - count} unexpected trailing bytes after [${shape.join(', ')}] = ${count} bytes of data`);
  }
  return { data: bytes.subarray(headerLength), shape };
}

/** Encodes an uint8 IDX file (used by tests and fixture writers). */
export function encodeIdx(data: Uint8Array, shape: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 | shape.length);
  shape.forEach((s, d) => view.setUint32(4 + 4 * d, s));
  out.set(data, 4 + 4 * shape.length);
  return out;
}

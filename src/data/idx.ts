/**
 * IDX files (the MNIST family's format): a 4-byte magic number (two zero bytes, a type code,
 * the number of dimensions), big-endian uint32 sizes, then the data. Only uint8 (0x08) exists
 * in the data sets we read.
 */
import * as fs from 'fs';
import { checkLabels } from './image-dataset';
import { openRegularFile, readExactly, readRegularFile } from '../io/regular-file';
import { lazy } from '../lazy';

// Loaded at the first gzip file: zlib (with stream) is not needed by a program that reads none.
const zlib = lazy(() => require('zlib') as typeof import('zlib'));

export interface IdxArray {
  data: Uint8Array;
  shape: number[];
}

/**
 * The most data one IDX file may announce (2 GiB): no file of the MNIST family comes close
 * (EMNIST's largest is 550 MB), and it bounds what a forged header can make us allocate.
 */
export const IDX_MAX_DATA_BYTES = 2 ** 31;

/** Compressed bytes read to find the header of a .gz file; they inflate to at most ~4 MB. */
const GZIP_HEADER_PREFIX = 4096;

/**
 * Reads a file, gunzipping it when its name ends in .gz, refusing anything above `maxBytes`
 * (after decompression: inflating stops there, so a gzip bomb costs no more than the bound).
 * `bound` says where the bound comes from, for the error. Errors name the file.
 */
export function readMaybeGzip(file: string, maxBytes = IDX_MAX_DATA_BYTES, bound = 'the IDX size limit'): Uint8Array {
  if (!file.endsWith('.gz')) {
    const raw = readRegularFile(file, maxBytes, { limitReason: bound });
    return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  }
  // Deflate cannot shrink incompressible data, but its overhead is tiny: 5 bytes per 16 KB block.
  const raw = readRegularFile(file, maxBytes + Math.ceil(maxBytes / 1000) + 65536, { limitReason: `compressed, for ${bound}` });
  try {
    const out = zlib().gunzipSync(raw, { maxOutputLength: Math.max(1, maxBytes) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`${file}: decompresses to more than ${maxBytes} bytes (${bound}); refusing it (a gzip bomb, or data past the end)`);
    }
    throw new Error(`${file}: not a valid gzip file or truncated (${(e as Error).message})`);
  }
}

/** The first bytes of `file` after decompression, at least the `want` an IDX header needs if it has them. */
function readHead(file: string, want: number): Uint8Array {
  const f = openRegularFile(file);
  try {
    const compressed = file.endsWith('.gz');
    const head = new Uint8Array(Math.min(f.size, compressed ? GZIP_HEADER_PREFIX : want));
    readExactly(f, head, 0);
    if (!compressed) return head;
    let out: Buffer;
    try {
      // A prefix of the stream: Z_SYNC_FLUSH returns what it inflates to instead of failing on
      // the missing end.
      out = zlib().gunzipSync(head, { finishFlush: zlib().constants.Z_SYNC_FLUSH, maxOutputLength: GZIP_HEADER_PREFIX * 1100 });
    } catch (e) {
      throw new Error(`${file}: not a valid gzip file or truncated (${(e as Error).message})`);
    }
    if (out.length < want) {
      throw new Error(
        `${file}: not a valid gzip file or truncated (its first ${head.length} compressed bytes inflate to ${out.length} bytes, ` +
          `less than the ${want}-byte IDX header)`,
      );
    }
    return out;
  } finally {
    fs.closeSync(f.fd);
  }
}

/** Magic number and sizes of an uint8 IDX array with `ndim` dimensions, from its first bytes. */
export function parseIdxHeader(bytes: Uint8Array, ndim: number, file: string): number[] {
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
  if (count > IDX_MAX_DATA_BYTES) {
    throw new Error(`${file}: the IDX header announces [${shape.join(', ')}] = ${count} bytes, more than the ${IDX_MAX_DATA_BYTES}-byte limit`);
  }
  return shape;
}

/**
 * Reads an uint8 IDX file (gzipped or not) with `ndim` dimensions, header first: `check` sees
 * the shape before any data is read (so a wrong file fails at once, by name), and the data read
 * is bounded by what the header announces.
 */
export function readIdx(file: string, ndim: number, check?: (shape: number[]) => void): IdxArray {
  const headerLength = 4 + 4 * ndim;
  const shape = parseIdxHeader(readHead(file, headerLength), ndim, file);
  check?.(shape);
  const size = headerLength + shape.reduce((a, b) => a * b, 1);
  return parseIdx(readMaybeGzip(file, size, `the size its IDX header announces, [${shape.join(', ')}] plus the header`), ndim, file);
}

/** Parses an uint8 IDX array with `ndim` dimensions, checking magic number and length. */
export function parseIdx(bytes: Uint8Array, ndim: number, file: string): IdxArray {
  const shape = parseIdxHeader(bytes, ndim, file);
  const headerLength = 4 + 4 * ndim;
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

/**
 * An MNIST-style pair of IDX files: [N, size, size] uint8 images and [N] labels below
 * `numClasses`. Each header is checked before its data is read, so a file of another image size
 * or count fails at once, by name, and the read is bounded by what the header announces.
 */
export function readIdxImagesAndLabels(where: string, imagesFile: string, labelsFile: string, size: number,
  numClasses: number, setName = where): { images: IdxArray; labels: IdxArray } {
  let count = -1;
  const images = readIdx(imagesFile, 3, ([n, h, w]) => {
    if (h !== size || w !== size) throw new Error(`${where}: ${imagesFile} holds ${h}x${w} images; ${setName}'s are ${size}x${size}`);
    count = n;
  });
  const labels = readIdx(labelsFile, 1, ([n]) => {
    if (n !== count) throw new Error(`${where}: ${imagesFile} has ${count} images but ${labelsFile} has ${n} labels`);
  });
  checkLabels(labels.data, numClasses, labelsFile);
  return { images, labels };
}

/**
 * Decoding image files into RGB uint8 HWC images, the counterpart of torchvision's default
 * loader (`PIL.Image.open(f).convert("RGB")`). PNG goes through pngjs and JPEG through jpeg-js,
 * both pure JavaScript (no native binaries); the format is told by the file's first bytes, not
 * its name. Alpha is dropped and gray is repeated into three channels, as PIL's convert("RGB").
 *
 * Bounded: files above IMAGE_MAX_FILE_BYTES and images above IMAGE_MAX_PIXELS are refused
 * before decoding (a PNG's size is read from its header first). Every error names the file.
 */
import * as fs from 'fs';
import { FileReadError, openRegularFile, readExactly } from '../io/regular-file';
import type { Image } from './types';
import { lazy } from '../lazy';

const jpegJs = lazy(() => require('jpeg-js') as typeof import('jpeg-js'));
const pngjs = lazy(() => require('pngjs') as typeof import('pngjs'));

/** 256 MiB: far above any training image, far below what would exhaust memory. */
export const IMAGE_MAX_FILE_BYTES = 256 * 1024 * 1024;
/** 2 * PIL's MAX_IMAGE_PIXELS (89,478,485), the size at which PIL refuses a file as a decompression bomb. */
export const IMAGE_MAX_PIXELS = 178956970;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type ImageFormat = 'png' | 'jpeg';

export function imageFormat(bytes: Uint8Array): ImageFormat | null {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

function checkPixels(width: number, height: number, file: string): void {
  if (width * height > IMAGE_MAX_PIXELS) {
    throw new Error(`${file}: ${width}x${height} image (${width * height} pixels) exceeds the limit of ${IMAGE_MAX_PIXELS} pixels (a decompression bomb?)`);
  }
}

/** The RGB channels of an RGBA buffer. */
function rgbaToRgb(rgba: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    out[p * 3] = rgba[p * 4];
    out[p * 3 + 1] = rgba[p * 4 + 1];
    out[p * 3 + 2] = rgba[p * 4 + 2];
  }
  return out;
}

/** Decodes PNG or JPEG bytes into an RGB uint8 HWC image; `file` names the source in errors. */
export function decodeImage(bytes: Uint8Array, file: string): Image<Uint8Array> {
  const format = imageFormat(bytes);
  if (format === null) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${file}: not a PNG or JPEG file (first bytes: ${head || 'none, the file is empty'}); only PNG and JPEG are decoded`);
  }
  let width: number;
  let height: number;
  let rgb: Uint8Array;
  try {
    if (format === 'png') {
      if (bytes.length < 24) throw new Error('truncated before the IHDR chunk');
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      checkPixels(view.getUint32(16), view.getUint32(20), file);
      const png = pngjs().PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      ({ width, height } = png);
      rgb = rgbaToRgb(png.data, width * height);
    } else {
      const jpeg = jpegJs().decode(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        maxResolutionInMP: IMAGE_MAX_PIXELS / 1e6,
        maxMemoryUsageInMB: 2048,
      });
      ({ width, height } = jpeg);
      rgb = jpeg.data;
    }
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    if (message.startsWith(file)) throw e;
    throw new Error(`${file}: cannot decode ${format === 'png' ? 'PNG' : 'JPEG'}: ${message}`);
  }
  if (rgb.length !== width * height * 3) throw new Error(`${file}: the ${format} decoder gave ${rgb.length} bytes for ${width}x${height} RGB`);
  return { data: rgb, shape: [height, width, 3], layout: 'HWC' };
}

/** The size, modification time and inode of a file: what tells that it was replaced or rewritten. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ino: number;
}

export function identityOf(st: fs.Stats): FileIdentity {
  return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

/**
 * Reads and decodes an image file (bounded, regular files only). With `expected`, the file
 * must still be the one that was seen then: a file replaced or rewritten since is refused.
 */
export function loadImageFile(file: string, expected?: FileIdentity, who = 'loadImage'): Image<Uint8Array> {
  let bytes: Buffer;
  const f = openRegularFile(file);
  try {
    const now = identityOf(fs.fstatSync(f.fd));
    if (expected && !sameIdentity(now, expected)) {
      throw new FileReadError(
        `${who}: ${file} changed since the data set was built (size ${expected.size} -> ${now.size}, ` +
          `mtime ${new Date(expected.mtimeMs).toISOString()} -> ${new Date(now.mtimeMs).toISOString()}, inode ${expected.ino} -> ${now.ino}); ` +
          'refusing to train on other data than was listed: build the data set again',
      );
    }
    if (f.size > IMAGE_MAX_FILE_BYTES) throw new FileReadError(`${file}: ${f.size} bytes, more than the ${IMAGE_MAX_FILE_BYTES}-byte limit for an image file`);
    bytes = Buffer.allocUnsafe(f.size);
    readExactly(f, bytes, 0);
  } finally {
    fs.closeSync(f.fd);
  }
  return decodeImage(bytes, file);
}

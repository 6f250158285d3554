/**
 * The zip container of PyTorch's file format (torch.save since 1.6), read and written with
 * fflate. Every entry sits under one folder (`archive/`, or the file's stem in torch 1.13):
 * `data.pkl`, `data/<key>` per storage, `version`.
 *
 * Reading is bounded: the file itself (at most MAX_FILE_BYTES), then each entry's sizes from the
 * central directory are checked before anything is inflated: in total at most MAX_TOTAL_BYTES,
 * a stored entry's two sizes equal, a deflated one at most DEFLATE_MAX_RATIO times its compressed
 * size (deflate cannot do better, so more is a zip bomb). fflate inflates into a buffer of the
 * announced size, so memory never exceeds what was checked.
 *
 * Writing follows PyTorch: entries STORED, each one's data 64-byte aligned (padding in an extra
 * field, as PyTorch's writer does), so that storages can be memory-mapped.
 */
import type { Zippable } from 'fflate';
import { lazy } from '../lazy';

const fflate = lazy(() => require('fflate') as typeof import('fflate'));

export const MAX_FILE_BYTES = 2 ** 31 - 1;
export const MAX_TOTAL_BYTES = 2 ** 31 - 1;
/** Deflate's best ratio is 1032:1; an entry announcing more is lying. */
const DEFLATE_MAX_RATIO = 1032;
const ALIGN = 64;

export class TorchFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TorchFileError';
  }
}

export interface TorchArchive {
  /** The folder every entry is under ("archive"). */
  prefix: string;
  /** Entries by their name after the folder ("data.pkl", "data/0", "version"). */
  entries: Map<string, Uint8Array>;
}

export function readTorchZip(bytes: Uint8Array, source: string): TorchArchive {
  const fail = (msg: string): never => {
    throw new TorchFileError(`${source}: ${msg}`);
  };
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = fflate().unzipSync(bytes, {
      filter: (f) => {
        if (f.compression !== 0 && f.compression !== 8) {
          fail(`zip entry '${f.name}' uses compression method ${f.compression}; only stored and deflated entries are read`);
        }
        if (f.compression === 0 && f.size !== f.originalSize) {
          fail(`zip entry '${f.name}' is stored but announces ${f.size} bytes compressed and ${f.originalSize} uncompressed`);
        }
        if (f.compression === 8 && f.originalSize > Math.max(f.size, 1) * DEFLATE_MAX_RATIO) {
          fail(`zip entry '${f.name}' announces ${f.originalSize} bytes from ${f.size} compressed, more than deflate can produce (a zip bomb?)`);
        }
        total += f.originalSize;
        if (total > MAX_TOTAL_BYTES) fail(`the zip entries announce more than ${MAX_TOTAL_BYTES} bytes in total`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof TorchFileError) throw e;
    return fail(`not a complete zip archive (truncated or corrupt?): ${(e as Error).message}`);
  }
  const names = Object.keys(files);
  if (names.length === 0) fail('the zip archive is empty');
  const prefix = names[0].split('/')[0];
  const entries = new Map<string, Uint8Array>();
  for (const name of names) {
    const slash = name.indexOf('/');
    if (slash < 0 || name.slice(0, slash) !== prefix) {
      fail(`zip entry '${name}' is not under the archive's folder '${prefix}/' (not a PyTorch file?)`);
    }
    entries.set(name.slice(slash + 1), files[name]);
  }
  return { prefix, entries };
}

/** Checks an entry's length against the size the pickle expects (a truncated copy inside a valid zip). */
export function entryOf(archive: TorchArchive, name: string, source: string): Uint8Array {
  const e = archive.entries.get(name);
  if (e === undefined) throw new TorchFileError(`${source}: the archive has no '${archive.prefix}/${name}' entry`);
  return e;
}

/** The zip bytes of `entries` (name after the folder -> bytes), stored and 64-byte aligned. */
export function writeTorchZip(prefix: string, entries: Array<[string, Uint8Array]>): Uint8Array {
  const zippable: Zippable = {};
  let offset = 0;
  for (const [name, data] of entries) {
    const full = `${prefix}/${name}`;
    const nameLength = Buffer.byteLength(full, 'utf8');
    // Local header: 30 bytes, the name, then the extra field (4-byte header + padding).
    const unpadded = offset + 30 + nameLength + 4;
    const pad = (ALIGN - (unpadded % ALIGN)) % ALIGN;
    zippable[full] = [data, { level: 0, mtime: new Date(1980, 0, 1), extra: { 0x4246: new Uint8Array(pad) } }];
    offset = unpadded + pad + data.length;
  }
  return fflate().zipSync(zippable);
}

/**
 * CIFAR-10, binary version: `<root>/cifar-10-batches-bin/data_batch_{1..5}.bin` and
 * `test_batch.bin`. Each record is 1 label byte then 3072 image bytes: the red, green and blue
 * 32x32 planes, row-major, i.e. already CHW.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readRegularFile } from '../io/regular-file';
import { downloadFile } from './download';
import { safeExtract } from './extract';
import { checkLabels, ImageDataset } from './image-dataset';
import type { TransformLike } from './transforms';
import { checkOptions, optionNames } from '../options';
import { checkBooleanOptions, DATASET_UNSUPPORTED } from './options';

export const CIFAR10_CLASSES = ['plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
export const CIFAR10_DIR = 'cifar-10-batches-bin';
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILES = ['test_batch.bin'];
export const CIFAR10_IMAGE_SHAPE = [3, 32, 32] as const;
export const CIFAR10_RECORD_BYTES = 1 + 3 * 32 * 32;
/** A bound on one batch file (the real ones are 30 MB): about 700,000 records. */
export const CIFAR10_MAX_FILE_BYTES = 2 ** 31;

export interface CIFAR10Options {
  /** Directory holding (or to receive) `cifar-10-batches-bin/`. */
  root: string;
  /** Training set (data_batch_1..5, 50000 images) or test set (10000). Default true. */
  train?: boolean;
  /** Only honoured by the async `CIFAR10.create`: download when the files are missing. */
  download?: boolean;
  transform?: TransformLike;
  /** Overrides for tests and mirrors. */
  url?: string;
  md5?: string;
  /** Download attempts (default 3). */
  attempts?: number;
  /** Delay between attempts in ms (default 1000). */
  retryDelayMs?: number;
  /** Download progress on stderr (default true). */
  progress?: boolean;
  /** Give up on a connection that sends nothing for this long (default 60 s). */
  timeoutMs?: number;
  /** Give up on the whole download, retries included, after this long (default 1 hour). */
  deadlineMs?: number;
}

const CIFAR10_OPTIONS = optionNames<CIFAR10Options>({
  root: true, train: true, download: true, transform: true, url: true, md5: true, attempts: true, retryDelayMs: true,
  progress: true, timeoutMs: true, deadlineMs: true,
});

function checkCifar10Options(where: string, options: CIFAR10Options): void {
  checkOptions(where, options, CIFAR10_OPTIONS, DATASET_UNSUPPORTED);
  checkBooleanOptions(where, options, ['train', 'download', 'progress']);
}

/** True when every CIFAR-10 binary file is present under `root`. */
export function cifar10Present(root: string): boolean {
  const dir = path.join(root, CIFAR10_DIR);
  return [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES].every((f) => fs.existsSync(path.join(dir, f)));
}

/**
 * Downloads and extracts CIFAR-10 into `root` unless it is already there. The archive goes to a
 * temporary file, is checked against its MD5, and only then extracted (safely) into a temporary
 * folder inside `root`; the complete `cifar-10-batches-bin/` is then renamed into place, so an
 * interrupted run never leaves a half-written folder that looks present. A previous incomplete
 * folder is replaced. The archive and the temporary folders are deleted afterwards.
 */
export async function downloadCIFAR10(root: string, options: Omit<CIFAR10Options, 'root' | 'train' | 'transform'> = {}): Promise<void> {
  // The dataset's options are accepted too: CIFAR10.create passes its own along.
  checkCifar10Options('downloadCIFAR10', options as CIFAR10Options);
  if (cifar10Present(root)) return;
  fs.mkdirSync(root, { recursive: true });
  const url = options.url ?? CIFAR10_URL;
  const archiveName = path.basename(new URL(url).pathname) || 'cifar-10-binary.tar.gz'; // throws before mkdtemp
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-cifar10-'));
  const archive = path.join(tmpDir, archiveName);
  try {
    await downloadFile(url, archive, {
      md5: options.md5 ?? CIFAR10_MD5,
      attempts: options.attempts,
      retryDelayMs: options.retryDelayMs,
      progress: options.progress,
      timeoutMs: options.timeoutMs,
      deadlineMs: options.deadlineMs,
    });
    // Same file system as the destination, so the final rename is atomic.
    const staging = fs.mkdtempSync(path.join(root, '.cifar10-extract-'));
    try {
      await safeExtract(archive, staging);
      if (!cifar10Present(staging)) {
        throw new Error(`${url}: the archive did not contain ${CIFAR10_DIR}/ with ${[...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES].join(', ')}`);
      }
      const dest = path.join(root, CIFAR10_DIR);
      // An incomplete folder from an earlier run, or whatever else is at that name (a symbolic
      // link is moved itself, never followed), is moved aside into staging and deleted below.
      try {
        fs.renameSync(dest, path.join(staging, 'previous-incomplete'));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      fs.renameSync(path.join(staging, CIFAR10_DIR), dest);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** Reads CIFAR-10 binary files into one images buffer and one labels buffer, validating them. */
export function readCifarFiles(files: string[], howToGet: string): { images: Uint8Array; labels: Uint8Array } {
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length > 0) {
    throw new Error(`CIFAR-10 files not found: ${missing.join(', ')} (looked in ${path.dirname(missing[0])}). ${howToGet}`);
  }
  const buffers = files.map((file) => {
    // A directory, FIFO or device at a batch file's name is refused by name, not read.
    const buf = readRegularFile(file, CIFAR10_MAX_FILE_BYTES);
    if (buf.length === 0) throw new Error(`${file}: empty file, expected records of ${CIFAR10_RECORD_BYTES} bytes`);
    if (buf.length % CIFAR10_RECORD_BYTES !== 0) {
      throw new Error(
        `${file}: size ${buf.length} is not a multiple of the ${CIFAR10_RECORD_BYTES}-byte record ` +
          `(1 label + 3072 pixels): truncated or not a CIFAR-10 binary file ` +
          `(${Math.floor(buf.length / CIFAR10_RECORD_BYTES)} whole records and ${buf.length % CIFAR10_RECORD_BYTES} extra bytes)`,
      );
    }
    return buf;
  });
  const total = buffers.reduce((n, b) => n + b.length / CIFAR10_RECORD_BYTES, 0);
  const imageBytes = CIFAR10_RECORD_BYTES - 1;
  const images = new Uint8Array(total * imageBytes);
  const labels = new Uint8Array(total);
  let n = 0;
  buffers.forEach((buf, f) => {
    const records = buf.length / CIFAR10_RECORD_BYTES;
    const fileLabels = new Uint8Array(records);
    for (let r = 0; r < records; r++) {
      const at = r * CIFAR10_RECORD_BYTES;
      fileLabels[r] = buf[at];
      images.set(buf.subarray(at + 1, at + CIFAR10_RECORD_BYTES), (n + r) * imageBytes);
    }
    checkLabels(fileLabels, CIFAR10_CLASSES.length, files[f]);
    labels.set(fileLabels, n);
    n += records;
  });
  return { images, labels };
}

export class CIFAR10 extends ImageDataset {
  readonly classes: readonly string[] = CIFAR10_CLASSES;
  readonly root: string;
  readonly train: boolean;

  /** Reads the files synchronously; use `await CIFAR10.create({ ..., download: true })` to fetch them first. */
  constructor(readonly options: CIFAR10Options) {
    checkCifar10Options('CIFAR10', options);
    const train = options.train ?? true;
    const dir = path.join(options.root, CIFAR10_DIR);
    const files = (train ? CIFAR10_TRAIN_FILES : CIFAR10_TEST_FILES).map((f) => path.join(dir, f));
    const howToGet =
      `Get them with \`await CIFAR10.create({ root: ${JSON.stringify(options.root)}, download: true })\`, ` +
      `or download ${CIFAR10_URL} and extract it into ${options.root}.`;
    const { images, labels } = readCifarFiles(files, howToGet);
    super(images, labels, CIFAR10_IMAGE_SHAPE, options.transform);
    this.root = options.root;
    this.train = train;
  }

  /** As torchvision's constructor: downloads (if `download` and missing) then reads. */
  static async create(options: CIFAR10Options): Promise<CIFAR10> {
    checkCifar10Options('CIFAR10.create', options);
    if (options.download) await downloadCIFAR10(options.root, options);
    return new CIFAR10(options);
  }
}

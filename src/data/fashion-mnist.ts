/**
 * Fashion-MNIST from its IDX files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-…`), gzipped or not, looked up in `root`, `root/FashionMNIST/raw` (torchvision's
 * layout) and then Debian's `dataset-fashion-mnist` directory. Images are 1x28x28 uint8.
 * `await FashionMNIST.create({ root, download: true })` first fetches the missing files into
 * `root/FashionMNIST/raw` from torchvision's mirror, as MNIST does (MD5-checked, atomic,
 * resumable file by file).
 */
import * as fs from 'fs';
import * as path from 'path';
import { readIdxImagesAndLabels } from './idx';
import { checkMirrors, downloadIdxFiles, idxDownloadOptions, type IdxDownloadOptions } from './idx-download';
import { ImageDataset } from './image-dataset';
import type { TransformLike } from './transforms';
import { checkOptions, optionNames } from '../options';
import { checkBooleanOptions, DATASET_UNSUPPORTED } from './options';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;
export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
/** torchvision 0.14's mirror. */
export const FASHION_MNIST_MIRRORS = ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'];
/** torchvision's resources: the gzipped files and their MD5s. */
export const FASHION_MNIST_RESOURCES: ReadonlyArray<readonly [string, string]> = [
  ['train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'],
  ['train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'],
  ['t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'],
  ['t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310'],
];

export interface FashionMNISTOptions extends IdxDownloadOptions {
  /** Searched first (also `root/FashionMNIST/raw`). */
  root: string;
  /** Training set (60000 images) or test set (10000). Default true. */
  train?: boolean;
  transform?: TransformLike;
  /** Fallback directory; default /usr/share/datasets/fashion-mnist, `null` for none. */
  systemDir?: string | null;
  /** Only honoured by the async `FashionMNIST.create`: download the files that are missing. */
  download?: boolean;
}

const FASHION_MNIST_OPTIONS = optionNames<FashionMNISTOptions>({
  root: true, train: true, transform: true, systemDir: true, download: true, mirrors: true, md5s: true, attempts: true,
  retryDelayMs: true, progress: true, timeoutMs: true, deadlineMs: true,
});

function checkFashionOptions(where: string, options: FashionMNISTOptions): void {
  checkOptions(where, options, FASHION_MNIST_OPTIONS, DATASET_UNSUPPORTED);
  checkBooleanOptions(where, options, ['train', 'download', 'progress']);
  checkMirrors(where, options.mirrors);
}

/** torchvision's folder for the raw files, where downloads go. */
export function fashionMnistRawDir(root: string): string {
  return path.join(root, 'FashionMNIST', 'raw');
}

function candidateDirs(root: string, systemDir: string | null): string[] {
  const dirs = [root, path.join(root, 'FashionMNIST', 'raw'), path.join(root, 'fashion-mnist')];
  if (systemDir) dirs.push(systemDir);
  return dirs;
}

const SPLIT_FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;
const IMAGE_SIZE = 28;

/** Path of `name` or `name.gz` in `dir`, or null. */
export function idxFileIn(dir: string, name: string): string | null {
  for (const file of [path.join(dir, name), path.join(dir, name + '.gz')]) {
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/** Path of `name` or `name.gz` in the first directory that has it, or null. */
export function findIdxFile(name: string, dirs: string[]): string | null {
  for (const dir of dirs) {
    const file = idxFileIn(dir, name);
    if (file) return file;
  }
  return null;
}

/**
 * The one folder Fashion-MNIST is read from: the first candidate holding any of its four files.
 * Both splits, images and labels, come from that folder only, so a training split in one folder
 * is never silently paired with a test split (or labels) from another.
 */
export function findFashionMnistDir(root: string, systemDir: string | null = FASHION_MNIST_SYSTEM_DIR): string | null {
  const all = [...SPLIT_FILES.train, ...SPLIT_FILES.test];
  return candidateDirs(root, systemDir).find((dir) => all.some((name) => idxFileIn(dir, name) !== null)) ?? null;
}

/** True when both files of the requested split are in the Fashion-MNIST folder. */
export function fashionMnistPresent(root: string, train = true, systemDir: string | null = FASHION_MNIST_SYSTEM_DIR): boolean {
  const dir = findFashionMnistDir(root, systemDir);
  return dir !== null && SPLIT_FILES[train ? 'train' : 'test'].every((name) => idxFileIn(dir, name) !== null);
}

export class FashionMNIST extends ImageDataset {
  readonly classes: readonly string[] = FASHION_MNIST_CLASSES;
  readonly root: string;
  readonly train: boolean;
  readonly systemDir: string | null;
  /** The files actually read. */
  readonly files: { images: string; labels: string };

  constructor(options: FashionMNISTOptions) {
    checkFashionOptions('FashionMNIST', options);
    const train = options.train ?? true;
    const systemDir = options.systemDir === undefined ? FASHION_MNIST_SYSTEM_DIR : options.systemDir;
    const dirs = candidateDirs(options.root, systemDir);
    const dir = findFashionMnistDir(options.root, systemDir);
    const [imagesName, labelsName] = SPLIT_FILES[train ? 'train' : 'test'];
    const find = (name: string): string => {
      if (!dir) {
        throw new Error(
          `FashionMNIST: ${name}[.gz] not found; looked in ${dirs.join(', ')}. ` +
            `Install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or put the IDX files from ` +
            `https://github.com/zalandoresearch/fashion-mnist (data/fashion) into ${options.root}, or get them with ` +
            `\`await FashionMNIST.create({ root: ${JSON.stringify(options.root)}, download: true })\`.`,
        );
      }
      const file = idxFileIn(dir, name);
      if (!file) {
        const elsewhere = findIdxFile(name, dirs.filter((d) => d !== dir));
        throw new Error(
          `FashionMNIST: ${dir} holds Fashion-MNIST files but not ${name}[.gz]; both splits must come from one folder` +
            (elsewhere ? `, so ${elsewhere} is not used` : '') + `. Put all four files in ${dir}.`,
        );
      }
      return file;
    };
    const imagesFile = find(imagesName);
    const labelsFile = find(labelsName);
    const { images, labels } = readIdxImagesAndLabels('FashionMNIST', imagesFile, labelsFile, IMAGE_SIZE, FASHION_MNIST_CLASSES.length, 'Fashion-MNIST');
    super(images.data, labels.data, [1, images.shape[1], images.shape[2]], options.transform);
    this.root = options.root;
    this.train = train;
    this.systemDir = systemDir;
    this.files = { images: imagesFile, labels: labelsFile };
  }

  /** As torchvision's constructor: downloads (if `download` and missing) then reads. */
  static async create(options: FashionMNISTOptions): Promise<FashionMNIST> {
    checkFashionOptions('FashionMNIST.create', options);
    if (options.download) await downloadFashionMNIST(options.root, { ...idxDownloadOptions(options), systemDir: options.systemDir });
    return new FashionMNIST(options);
  }
}

/**
 * Downloads the Fashion-MNIST files missing from root/FashionMNIST/raw from torchvision's
 * mirror, unless the folder FashionMNIST reads from (see findFashionMnistDir; Debian's included)
 * already holds all four. Each file is MD5-checked and renamed into place only when complete.
 */
export async function downloadFashionMNIST(root: string, options: IdxDownloadOptions & { systemDir?: string | null } = {}): Promise<void> {
  const { systemDir, ...download } = options;
  checkFashionOptions('downloadFashionMNIST', { root, ...download });
  const system = systemDir === undefined ? FASHION_MNIST_SYSTEM_DIR : systemDir;
  if (fashionMnistPresent(root, true, system) && fashionMnistPresent(root, false, system)) return;
  const rawDir = fashionMnistRawDir(root);
  await downloadIdxFiles('downloadFashionMNIST', rawDir, FASHION_MNIST_RESOURCES, FASHION_MNIST_MIRRORS, (name) => idxFileIn(rawDir, name) !== null, download);
}

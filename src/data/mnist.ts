/**
 * MNIST, as torchvision.datasets.MNIST: the four IDX files (gzipped or not) in
 * `root/MNIST/raw` (torchvision's layout) or `root`; 1x28x28 uint8 images, labels 0..9.
 * `await MNIST.create({ root, download: true })` first fetches the missing files from
 * torchvision's mirrors, each checked against torchvision's MD5 and renamed into place only
 * when complete, so an interrupted download resumes with the files still missing.
 */
import * as path from 'path';
import { readIdxImagesAndLabels } from './idx';
import { ImageDataset } from './image-dataset';
import { idxFileIn } from './fashion-mnist';
import { checkMirrors, downloadIdxFiles, idxDownloadOptions, type IdxDownloadOptions } from './idx-download';
import type { TransformLike } from './transforms';
import { checkOptions, optionNames } from '../options';
import { checkBooleanOptions, DATASET_UNSUPPORTED } from './options';

export const MNIST_CLASSES = [
  '0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine',
] as const;
/** torchvision 0.14's mirrors, tried in order. */
export const MNIST_MIRRORS = ['http://yann.lecun.com/exdb/mnist/', 'https://ossci-datasets.s3.amazonaws.com/mnist/'];
/** torchvision's resources: the gzipped files and their MD5s. */
export const MNIST_RESOURCES: ReadonlyArray<readonly [string, string]> = [
  ['train-images-idx3-ubyte.gz', 'f68b3c2dcbeaaa9fbdd348bbdeb94873'],
  ['train-labels-idx1-ubyte.gz', 'd53e105ee54ea40749a09fcbcd1e9432'],
  ['t10k-images-idx3-ubyte.gz', '9fb629c4189551a2d022fa330f9573f3'],
  ['t10k-labels-idx1-ubyte.gz', 'ec29112dd5afa0611ce80d1b7f02629c'],
];
const SPLIT_FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;
const IMAGE_SIZE = 28;

export interface MNISTOptions extends IdxDownloadOptions {
  /** Holds (or receives) `MNIST/raw/`; the files are also looked for in root itself. */
  root: string;
  /** Training set (60000 images) or test set (10000). Default true. */
  train?: boolean;
  transform?: TransformLike;
  /** Only honoured by the async `MNIST.create`: download the files that are missing. */
  download?: boolean;
}

const MNIST_OPTIONS = optionNames<MNISTOptions>({
  root: true, train: true, transform: true, download: true, mirrors: true, md5s: true, attempts: true, retryDelayMs: true,
  progress: true, timeoutMs: true, deadlineMs: true,
});

function checkMnistOptions(where: string, options: MNISTOptions): void {
  checkOptions(where, options, MNIST_OPTIONS, DATASET_UNSUPPORTED);
  checkBooleanOptions(where, options, ['train', 'download', 'progress']);
  checkMirrors(where, options.mirrors);
}

/** torchvision's folder for the raw files. */
export function mnistRawDir(root: string): string {
  return path.join(root, 'MNIST', 'raw');
}

/** The file (plain or .gz) of `name`, in root/MNIST/raw or root, or null. */
function findMnistFile(root: string, name: string): string | null {
  for (const dir of [mnistRawDir(root), root]) {
    const file = idxFileIn(dir, name);
    if (file) return file;
  }
  return null;
}

/** True when both files of the split are present. */
export function mnistPresent(root: string, train = true): boolean {
  return SPLIT_FILES[train ? 'train' : 'test'].every((name) => findMnistFile(root, name) !== null);
}

/**
 * Downloads every MNIST file not yet present into root/MNIST/raw, trying the mirrors in order;
 * each file is MD5-checked and renamed into place only when complete, so a run interrupted
 * between files leaves only complete files, and the next run fetches the rest.
 */
export async function downloadMNIST(root: string, options: IdxDownloadOptions = {}): Promise<void> {
  checkMnistOptions('downloadMNIST', options as MNISTOptions);
  await downloadIdxFiles('downloadMNIST', mnistRawDir(root), MNIST_RESOURCES, MNIST_MIRRORS, (name) => findMnistFile(root, name) !== null, options);
}

export class MNIST extends ImageDataset {
  readonly classes: readonly string[] = MNIST_CLASSES;
  readonly root: string;
  readonly train: boolean;
  /** The files actually read. */
  readonly files: { images: string; labels: string };

  /** Reads the files synchronously; use `await MNIST.create({ ..., download: true })` to fetch them first. */
  constructor(options: MNISTOptions) {
    checkMnistOptions('MNIST', options);
    const train = options.train ?? true;
    const find = (name: string): string => {
      const file = findMnistFile(options.root, name);
      if (file === null) {
        throw new Error(`MNIST: ${name}[.gz] not found in ${mnistRawDir(options.root)} or ${options.root}. ` +
          `Get the files with \`await MNIST.create({ root: ${JSON.stringify(options.root)}, download: true })\`.`);
      }
      return file;
    };
    const [imagesName, labelsName] = SPLIT_FILES[train ? 'train' : 'test'];
    const imagesFile = find(imagesName);
    const labelsFile = find(labelsName);
    const { images, labels } = readIdxImagesAndLabels('MNIST', imagesFile, labelsFile, IMAGE_SIZE, MNIST_CLASSES.length);
    super(images.data, labels.data, [1, IMAGE_SIZE, IMAGE_SIZE], options.transform);
    this.root = options.root;
    this.train = train;
    this.files = { images: imagesFile, labels: labelsFile };
  }

  /** As torchvision's constructor: downloads (if `download` and missing) then reads. */
  static async create(options: MNISTOptions): Promise<MNIST> {
    checkMnistOptions('MNIST.create', options);
    if (options.download) {
      await downloadMNIST(options.root, idxDownloadOptions(options));
    }
    return new MNIST(options);
  }
}


/**
 * Fashion-MNIST from its IDX files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-…`), gzipped or not, looked up in `root`, `root/FashionMNIST/raw` (torchvision's
 * layout) and then Debian's `dataset-fashion-mnist` directory. Images are 1x28x28 uint8.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseIdx, readMaybeGzip } from './idx';
import { checkLabels, ImageDataset } from './image-dataset';
import { transformToSpec, type TransformLike } from './transforms';
import type { Spec } from './types';
import { checkOptions, optionNames } from '../options';
import { checkBooleanOptions, DATASET_UNSUPPORTED } from './options';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;
export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

export interface FashionMNISTOptions {
  /** Searched first (also `root/FashionMNIST/raw`). */
  root: string;
  /** Training set (60000 images) or test set (10000). Default true. */
  train?: boolean;
  transform?: TransformLike;
  /** Fallback directory; default /usr/share/datasets/fashion-mnist, `null` for none. */
  systemDir?: string | null;
}

const FASHION_MNIST_OPTIONS = optionNames<FashionMNISTOptions>({ root: true, train: true, transform: true, systemDir: true });
const FASHION_MNIST_UNSUPPORTED = {
  ...DATASET_UNSUPPORTED,
  download: "it is read from root or Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)",
};

function candidateDirs(root: string, systemDir: string | null): string[] {
  const dirs = [root, path.join(root, 'FashionMNIST', 'raw'), path.join(root, 'fashion-mnist')];
  if (systemDir) dirs.push(systemDir);
  return dirs;
}

/** Path of `name` or `name.gz` in the first directory that has it, or null. */
export function findIdxFile(name: string, dirs: string[]): string | null {
  for (const dir of dirs) {
    for (const file of [path.join(dir, name), path.join(dir, name + '.gz')]) {
      if (fs.existsSync(file)) return file;
    }
  }
  return null;
}

/** True when both files of the requested split can be found. */
export function fashionMnistPresent(root: string, train = true, systemDir: string | null = FASHION_MNIST_SYSTEM_DIR): boolean {
  const prefix = train ? 'train' : 't10k';
  const dirs = candidateDirs(root, systemDir);
  return findIdxFile(`${prefix}-images-idx3-ubyte`, dirs) !== null && findIdxFile(`${prefix}-labels-idx1-ubyte`, dirs) !== null;
}

export class FashionMNIST extends ImageDataset {
  readonly classes: readonly string[] = FASHION_MNIST_CLASSES;
  readonly root: string;
  readonly train: boolean;
  readonly systemDir: string | null;
  /** The files actually read. */
  readonly files: { images: string; labels: string };

  constructor(options: FashionMNISTOptions) {
    checkOptions('FashionMNIST', options, FASHION_MNIST_OPTIONS, FASHION_MNIST_UNSUPPORTED);
    checkBooleanOptions('FashionMNIST', options, ['train']);
    const train = options.train ?? true;
    const systemDir = options.systemDir === undefined ? FASHION_MNIST_SYSTEM_DIR : options.systemDir;
    const prefix = train ? 'train' : 't10k';
    const dirs = candidateDirs(options.root, systemDir);
    const find = (name: string): string => {
      const file = findIdxFile(name, dirs);
      if (!file) {
        throw new Error(
          `FashionMNIST: ${name}[.gz] not found; looked in ${dirs.join(', ')}. ` +
            `Install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or put the IDX files from ` +
            `https://github.com/zalandoresearch/fashion-mnist (data/fashion) into ${options.root}.`,
        );
      }
      return file;
    };
    const imagesFile = find(`${prefix}-images-idx3-ubyte`);
    const labelsFile = find(`${prefix}-labels-idx1-ubyte`);
    const images = parseIdx(readMaybeGzip(imagesFile), 3, imagesFile);
    const labels = parseIdx(readMaybeGzip(labelsFile), 1, labelsFile);
    if (images.shape[0] !== labels.shape[0]) {
      throw new Error(`FashionMNIST: ${imagesFile} has ${images.shape[0]} images but ${labelsFile} has ${labels.shape[0]} labels`);
    }
    checkLabels(labels.data, FASHION_MNIST_CLASSES.length, labelsFile);
    super(images.data, labels.data, [1, images.shape[1], images.shape[2]], options.transform);
    this.root = options.root;
    this.train = train;
    this.systemDir = systemDir;
    this.files = { images: imagesFile, labels: labelsFile };
  }

  workerSpec(): Spec {
    return {
      kind: 'FashionMNIST',
      options: { root: path.resolve(this.root), train: this.train, systemDir: this.systemDir, transform: transformToSpec(this.transform) },
    };
  }
}

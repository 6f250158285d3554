/**
 * ImageFolder, as torchvision.datasets.ImageFolder (0.14): `root/<class>/.../<file>`, classes the
 * sorted names of root's subfolders, class indices in that order, samples found by walking each
 * class folder (links followed) in sorted order, kept when the name ends (case-insensitively)
 * with one of IMG_EXTENSIONS or, with `isValidFile`, when that says so. `get(i)` loads sample i
 * as an RGB uint8 HWC image (PNG and JPEG decoded in pure JavaScript, src/data/image-decode.ts),
 * then applies `transform` and `targetTransform`.
 *
 * Every sample's size, modification time and inode are recorded when the folder is scanned,
 * and a file that no longer matches is refused when loaded (issue 13: a file replaced mid-run
 * must neither crash the run obscurely nor silently change what it trains on). DataLoader
 * workers get the scanned list, not the folder, so they load exactly the same files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { checkOptions, describeValue, optionNames } from '../options';
import { identityOf, loadImageFile, type FileIdentity } from './image-decode';
import { applyTransform, transformToSpec, type TransformLike } from './transforms';
import { checkIndex, type Dataset, type Image, type Spec } from './types';

/** torchvision.datasets.folder.IMG_EXTENSIONS. */
export const IMG_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'];

export interface ImageFolderOptions<T = unknown> {
  root: string;
  transform?: TransformLike;
  /** Maps the class index to the target (a function: not available with DataLoader workers). */
  targetTransform?: (target: number) => T;
  /** Loads a file into an image (default: PNG/JPEG decoding to RGB uint8 HWC). */
  loader?: (file: string) => Image;
  /** Decides which files are samples, instead of the extension list. */
  isValidFile?: (file: string) => boolean;
}

const IMAGE_FOLDER_OPTIONS = optionNames<ImageFolderOptions>({ root: true, transform: true, targetTransform: true, loader: true, isValidFile: true });

/** What a worker needs to rebuild the data set without scanning: the scan itself. */
export interface ScannedFolder {
  root: string;
  classes: string[];
  samples: Array<[string, number]>;
  identities: FileIdentity[];
}

/** torchvision's find_classes: the sorted names of the folders in `root` (links to folders count). */
export function findClasses(root: string): { classes: string[]; classToIdx: Record<string, number> } {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch (e) {
    throw new Error(`ImageFolder: cannot list ${root}: ${(e as Error).message}`);
  }
  const classes = entries.filter((e) => isDirectory(path.join(root, e.name), e)).map((e) => e.name).sort(byCodePoint);
  if (classes.length === 0) throw new Error(`ImageFolder: Couldn't find any class folder in ${root}.`);
  const classToIdx: Record<string, number> = Object.create(null);
  classes.forEach((c, i) => (classToIdx[c] = i));
  return { classes, classToIdx };
}

function isDirectory(full: string, entry: fs.Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return fs.statSync(full).isDirectory();
  } catch {
    return false;
  }
}

/** Python's string order (code points), which `sorted` uses. */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i].codePointAt(0)! - y[i].codePointAt(0)!;
  }
  return x.length - y.length;
}

/** os.walk(dir, followlinks=True), as [folder, file names] pairs; a folder seen twice (a link cycle) is walked once. */
function walk(dir: string, seen = new Set<string>()): Array<[string, string[]]> {
  let real: string;
  try {
    real = fs.realpathSync(dir);
  } catch {
    return [];
  }
  if (seen.has(real)) return [];
  seen.add(real);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // os.walk ignores folders it cannot list
  }
  const files: string[] = [];
  const out: Array<[string, string[]]> = [[dir, files]];
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (isDirectory(full, e)) out.push(...walk(full, seen));
    else files.push(e.name);
  }
  return out;
}

function hasAllowedExtension(file: string, extensions: readonly string[]): boolean {
  const lower = file.toLowerCase();
  return extensions.some((ext) => lower.endsWith(ext));
}

/** torchvision's make_dataset: [file, class index] for every valid file, in torchvision's order. */
export function makeDataset(root: string, classToIdx: Record<string, number>, isValidFile: (file: string) => boolean, extensions: readonly string[] | null): Array<[string, number]> {
  const samples: Array<[string, number]> = [];
  const found = new Set<string>();
  const classes = Object.keys(classToIdx).sort(byCodePoint);
  for (const cls of classes) {
    const dir = path.join(root, cls);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) continue;
    const folders = walk(dir).sort((a, b) => byCodePoint(a[0], b[0]));
    for (const [folder, names] of folders) {
      for (const name of [...names].sort(byCodePoint)) {
        const file = path.join(folder, name);
        if (isValidFile(file)) {
          samples.push([file, classToIdx[cls]]);
          found.add(cls);
        }
      }
    }
  }
  const empty = classes.filter((c) => !found.has(c));
  if (empty.length > 0) {
    let message = `ImageFolder: Found no valid file for the classes ${empty.join(', ')}. `;
    if (extensions !== null) message += `Supported extensions are: ${extensions.join(', ')}`;
    throw new Error(message);
  }
  return samples;
}

function checkFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`ImageFolder: ${name} must be a function, got ${describeValue(value)}`);
}

export class ImageFolder<T = number> implements Dataset<[Image, T]> {
  readonly root: string;
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  /** [file, class index] per sample. */
  readonly samples: Array<[string, number]>;
  /** The class index of every sample. */
  readonly targets: number[];
  /** The extensions a file must have, or null when `isValidFile` decides. */
  readonly extensions: readonly string[] | null;
  readonly transform?: TransformLike;
  readonly targetTransform?: (target: number) => T;
  readonly loader?: (file: string) => Image;
  private readonly identities: FileIdentity[];

  /** `scanned` is for DataLoader workers: the main thread's scan, used instead of scanning again. */
  constructor(options: ImageFolderOptions<T>, scanned?: ScannedFolder) {
    checkOptions('ImageFolder', options, IMAGE_FOLDER_OPTIONS);
    if (typeof options.root !== 'string') throw new TypeError(`ImageFolder: root must be a path, got ${describeValue(options.root)}`);
    checkFunction(options.targetTransform, 'targetTransform');
    checkFunction(options.loader, 'loader');
    checkFunction(options.isValidFile, 'isValidFile');
    this.root = options.root;
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
    this.loader = options.loader;
    this.extensions = options.isValidFile ? null : IMG_EXTENSIONS;
    if (scanned) {
      this.classes = scanned.classes;
      this.samples = scanned.samples;
      this.identities = scanned.identities;
    } else {
      const { classes } = findClasses(options.root);
      this.classes = classes;
      const valid = options.isValidFile ?? ((file: string) => hasAllowedExtension(file, IMG_EXTENSIONS));
      const classToIdx = Object.fromEntries(classes.map((c, i) => [c, i]));
      this.samples = makeDataset(options.root, classToIdx, valid, this.extensions);
      this.identities = this.samples.map(([file]) => {
        try {
          return identityOf(fs.statSync(file));
        } catch (e) {
          throw new Error(`ImageFolder: cannot read ${file}: ${(e as Error).message}`);
        }
      });
    }
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    this.targets = this.samples.map(([, t]) => t);
  }

  get length(): number {
    return this.samples.length;
  }

  /** The untransformed image of sample `index` and its class index. */
  raw(index: number): [Image, number] {
    checkIndex(index, this.length, 'ImageFolder');
    const [file, target] = this.samples[index];
    if (!this.loader) return [loadImageFile(file, this.identities[index], 'ImageFolder'), target];
    return [this.loader(file), target];
  }

  get(index: number): [Image, T] {
    const [image, target] = this.raw(index);
    const sample = applyTransform(this.transform, image);
    return [sample, this.targetTransform ? this.targetTransform(target) : (target as unknown as T)];
  }

  workerSpec(): Spec {
    for (const [name, fn] of [['loader', this.loader], ['targetTransform', this.targetTransform]] as const) {
      if (fn) throw new Error(`ImageFolder: a ${name} function cannot be sent to a DataLoader worker thread; use numWorkers: 0`);
    }
    const scanned: ScannedFolder = { root: this.root, classes: this.classes, samples: this.samples, identities: this.identities };
    return { kind: 'ImageFolder', options: { root: path.resolve(this.root), transform: transformToSpec(this.transform), scanned } };
  }

  /** Rebuilds the data set a worker was sent (see workerSpec), without scanning the folder. */
  static fromWorkerOptions(options: { root: string; transform?: TransformLike; scanned: ScannedFolder }): ImageFolder {
    return new ImageFolder({ root: options.root, transform: options.transform }, options.scanned);
  }
}

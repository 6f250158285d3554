/**
 * ImageFolder against torchvision 0.14's, on the committed tree test/fixtures/vision/folder
 * (PNG and JPEG files written by PIL; scripts/gen-fixtures-vision.py) and on trees this test
 * writes with pngjs: classes, samples, targets, decoded pixels, errors, and loading in workers.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import {
  CenterCrop, Compose, DataLoader, ImageFolder, IMG_EXTENSIONS, liveWorkerCount, Normalize, Resize, ToTensor,
} from '../src/data';
import type { Image } from '../src/data';
import { maxAbsDiff, readVisionFixture, visionArray, VISION_DIR, type VisionArrayJson } from './helpers/vision-fixtures';
import { ensureBuilt } from './helpers/dist';

interface FolderFixture {
  classes: string[];
  class_to_idx: Record<string, number>;
  samples: Array<[string, number]>;
  targets: number[];
  extensions: string[];
  images: Record<string, VisionArrayJson>;
  to_tensor: Record<string, VisionArrayJson>;
}
const fixture = readVisionFixture<FolderFixture>('folder.json');
const FOLDER = path.join(VISION_DIR, 'folder');

/**
 * Largest |jpeg-js - PIL| in uint8 levels, per file. PIL decodes with libjpeg-turbo (integer
 * ISLOW IDCT, "fancy" triangular chroma upsampling); jpeg-js has its own IDCT and repeats
 * subsampled chroma. Measured on these files: 4:4:4 quality 90, max 3 (mean 0.47); grayscale,
 * max 1 (mean 0.06); 4:2:0 quality 75 on a noisy picture, max 17 (mean 4.2), from the chroma
 * upsampling alone. The bounds leave a little room above the measured values.
 */
const JPEG_TOLERANCE: Record<string, { max: number; mean: number }> = {
  'b_dog/q90_444.jpg': { max: 4, mean: 0.6 },
  'c_bird/gray.jpg': { max: 2, mean: 0.1 },
  'a_cat/UPPER.JPEG': { max: 20, mean: 5 },
};

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-imagefolder-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Writes an RGBA PNG whose pixel (x, y) has channels [x*40+seed, y*40, seed*3, 255 - x]. */
function writePng(file: string, w: number, h: number, seed: number): Uint8Array {
  const png = new PNG({ width: w, height: h });
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const px = [(x * 40 + seed) & 0xff, (y * 40) & 0xff, (seed * 3) & 0xff, 255 - x];
      png.data.set(px, (y * w + x) * 4);
      rgb.set(px.slice(0, 3), (y * w + x) * 3);
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(png));
  return rgb;
}

describe("ImageFolder on PIL's files, against torchvision", () => {
  const ds = new ImageFolder({ root: FOLDER });

  test('classes, classToIdx, samples, targets and extensions', () => {
    expect(ds.classes).toEqual(fixture.classes);
    expect(ds.classToIdx).toEqual(fixture.class_to_idx);
    expect(ds.samples.map(([file, t]) => [path.relative(FOLDER, file), t])).toEqual(fixture.samples);
    expect(ds.targets).toEqual(fixture.targets);
    expect(IMG_EXTENSIONS).toEqual(fixture.extensions);
    expect(ds.extensions).toEqual(fixture.extensions);
    expect(ds.length).toBe(fixture.samples.length);
  });

  test.each(fixture.samples.map(([rel]) => [rel]))('%s decodes as PIL does (PNG exactly; JPEG within the stated tolerance)', (rel) => {
    const index = fixture.samples.findIndex(([r]) => r === rel);
    const [image, target] = ds.get(index) as [Image<Uint8Array>, number];
    expect(target).toBe(fixture.targets[index]);
    expect(image.layout).toBe('HWC');
    expect(image.shape).toEqual(fixture.images[rel].shape);
    const expected = visionArray(fixture.images[rel]) as Uint8Array;
    const tensor = new ToTensor().apply(image);
    const expectedTensor = visionArray(fixture.to_tensor[rel]);
    if (rel.toLowerCase().endsWith('.png')) {
      expect(Array.from(image.data)).toEqual(Array.from(expected));
      expect(Array.from(tensor.data)).toEqual(Array.from(expectedTensor)); // ToTensor: torchvision's values bit for bit
    } else {
      const bound = JPEG_TOLERANCE[rel];
      expect(maxAbsDiff(image.data, expected)).toBeLessThanOrEqual(bound.max);
      const mean = image.data.reduce((s, v, i) => s + Math.abs(v - expected[i]), 0) / expected.length;
      expect(mean).toBeLessThanOrEqual(bound.mean);
      expect(maxAbsDiff(tensor.data, expectedTensor)).toBeLessThanOrEqual(bound.max / 255 + 1e-7);
    }
  });
});

describe('ImageFolder on trees the test writes', () => {
  test('pixels, transform, targetTransform, isValidFile and loader', () => {
    const a = writePng(path.join(tmp, 'b', 'x.png'), 3, 2, 1);
    const b = writePng(path.join(tmp, 'a', 'deep', 'er', 'y.PNG'), 2, 2, 2);
    fs.writeFileSync(path.join(tmp, 'a', 'skip.gif'), 'GIF89a');
    const ds = new ImageFolder({ root: tmp });
    expect(ds.classes).toEqual(['a', 'b']);
    expect(ds.samples).toEqual([[path.join(tmp, 'a', 'deep', 'er', 'y.PNG'), 0], [path.join(tmp, 'b', 'x.png'), 1]]);
    expect(Array.from(ds.get(0)[0].data)).toEqual(Array.from(b));
    expect(Array.from(ds.get(1)[0].data)).toEqual(Array.from(a));
    const t = new ImageFolder({ root: tmp, transform: new ToTensor(), targetTransform: (k) => `class ${k}` });
    const [x, y] = t.get(1);
    expect([x.shape, y]).toEqual([[3, 2, 3], 'class 1']);
    expect(x.data[1]).toBeCloseTo(a[3] / 255, 7);
    const valid = new ImageFolder({ root: tmp, isValidFile: (f) => f.endsWith('.gif') || f.endsWith('.png') });
    expect(valid.samples.map(([f]) => path.basename(f))).toEqual(['skip.gif', 'x.png']);
    expect(valid.extensions).toBeNull();
    const custom = new ImageFolder({ root: tmp, loader: (f) => ({ data: Uint8Array.of(f.length), shape: [1, 1, 1] }) });
    expect(custom.get(0)[0].data[0]).toBe(path.join(tmp, 'a', 'deep', 'er', 'y.PNG').length);
  });

  test("torchvision's errors: no class folder, a class without valid files", () => {
    fs.writeFileSync(path.join(tmp, 'loose.png'), 'x');
    expect(() => new ImageFolder({ root: tmp })).toThrow(`ImageFolder: Couldn't find any class folder in ${tmp}.`);
    writePng(path.join(tmp, 'cat', 'a.png'), 1, 1, 0);
    fs.mkdirSync(path.join(tmp, 'dog'));
    fs.mkdirSync(path.join(tmp, 'emu'));
    fs.writeFileSync(path.join(tmp, 'emu', 'notes.txt'), 'x');
    expect(() => new ImageFolder({ root: tmp })).toThrow(
      'ImageFolder: Found no valid file for the classes dog, emu. Supported extensions are: .jpg, .jpeg, .png, .ppm, .bmp, .pgm, .tif, .tiff, .webp',
    );
    expect(() => new ImageFolder({ root: tmp, isValidFile: (f) => f.endsWith('a.png') })).toThrow(/Found no valid file for the classes dog, emu\. $/);
    expect(() => new ImageFolder({ root: path.join(tmp, 'nope') })).toThrow(/ImageFolder: cannot list .*nope/);
    expect(() => new ImageFolder({ root: tmp, target_transform: 1 } as never)).toThrow("ImageFolder: unknown option 'target_transform' (did you mean 'targetTransform'?)");
  });

  test('bad files: a clear error naming the file', () => {
    writePng(path.join(tmp, 'c', 'good.png'), 2, 2, 0);
    const png = fs.readFileSync(path.join(tmp, 'c', 'good.png'));
    fs.writeFileSync(path.join(tmp, 'c', 'text.png'), 'hello, not a picture');
    fs.writeFileSync(path.join(tmp, 'c', 'truncated.png'), png.subarray(0, png.length - 20));
    fs.writeFileSync(path.join(tmp, 'c', 'truncated.jpg'), fs.readFileSync(path.join(FOLDER, 'b_dog', 'q90_444.jpg')).subarray(0, 300));
    fs.writeFileSync(path.join(tmp, 'c', 'empty.jpeg'), '');
    const ds = new ImageFolder({ root: tmp });
    const fileOf = (name: string) => ds.samples.findIndex(([f]) => path.basename(f) === name);
    expect(() => ds.get(fileOf('text.png'))).toThrow(`${path.join(tmp, 'c', 'text.png')}: not a PNG or JPEG file (first bytes: 68 65 6c 6c 6f 2c 20 6e); only PNG and JPEG are decoded`);
    expect(() => ds.get(fileOf('truncated.png'))).toThrow(new RegExp(`^${path.join(tmp, 'c', 'truncated.png')}: cannot decode PNG: `));
    expect(() => ds.get(fileOf('truncated.jpg'))).toThrow(new RegExp(`^${path.join(tmp, 'c', 'truncated.jpg')}: cannot decode JPEG: `));
    expect(() => ds.get(fileOf('empty.jpeg'))).toThrow(/empty\.jpeg: not a PNG or JPEG file \(first bytes: none, the file is empty\)/);
    expect(ds.get(fileOf('good.png'))[0].shape).toEqual([2, 2, 3]);
  });

  test('a file replaced or rewritten after the scan is refused, not silently used', () => {
    const file = path.join(tmp, 'k', 'a.png');
    writePng(file, 2, 2, 0);
    const ds = new ImageFolder({ root: tmp });
    expect(ds.get(0)[0].shape).toEqual([2, 2, 3]);
    writePng(`${file}.new`, 4, 4, 9);
    fs.renameSync(`${file}.new`, file);
    expect(() => ds.get(0)).toThrow(new RegExp(`ImageFolder: ${file} changed since the data set was built \\(size \\d+ -> \\d+, .*inode \\d+ -> \\d+\\)`));
    fs.rmSync(file);
    expect(() => ds.get(0)).toThrow(new RegExp(`${file}: cannot read: ENOENT`));
  });

  test('DataLoader workers load the scanned list with the same transforms; functions cannot cross', async () => {
    ensureBuilt();
    for (let i = 0; i < 10; i++) writePng(path.join(tmp, `class${i % 3}`, `img${i}.png`), 5 + i, 6, i);
    const transform = new Compose([new Resize(6), new CenterCrop(4), new ToTensor(), new Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25])]);
    const ds = new ImageFolder({ root: tmp, transform });
    const run = (numWorkers: number) => [...new DataLoader(ds, { batchSize: 3, numWorkers })].map(([x, y]) => [Array.from(x.dataSync()), Array.from(y.dataSync())]);
    const inline = run(0);
    expect(inline[0][0].length).toBe(3 * 3 * 4 * 4);
    expect(run(2)).toEqual(inline);
    // A file replaced between epochs: the worker refuses it, naming it.
    const victim = ds.samples[4][0];
    writePng(`${victim}.new`, 9, 9, 1);
    fs.renameSync(`${victim}.new`, victim);
    expect(() => run(2)).toThrow(new RegExp(`DataLoader worker \\d: .*${path.basename(victim)} changed since the data set was built`, 's'));
    expect(() => new DataLoader(new ImageFolder({ root: tmp, targetTransform: (t) => t }), { numWorkers: 1 })).toThrow(
      'ImageFolder: a targetTransform function cannot be sent to a DataLoader worker thread; use numWorkers: 0',
    );
    for (let t = 0; t < 200 && liveWorkerCount() > 0; t++) await new Promise((r) => setTimeout(r, 10));
  });
});

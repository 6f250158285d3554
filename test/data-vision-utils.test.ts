/**
 * data.utils.makeGrid / saveImage against torchvision 0.14's utils.make_grid / save_image
 * (fixtures by scripts/gen-fixtures-vision-utils.py): the grids bit for bit on both backends
 * (normalize's clamp_/sub_/div_ run through the kernels), and the PNG files pixel for pixel,
 * ours and torchvision's decoded from the same input tensors.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import { data, setBackend, getBackend, Tensor, tensor, zeros } from '../src';
import type { BackendName } from '../src';
import { quantizeGrid } from '../src/data/vision-utils';
import { f32, type F32Json } from './helpers/fixtures';

interface GridCase { name: string; input: F32Json; asList: boolean; options: data.MakeGridOptions; grid: F32Json }
interface SaveCase { name: string; file: string; input: F32Json; options: data.SaveImageOptions }

const DIR = path.join(__dirname, 'fixtures', 'vision');
const grids = (JSON.parse(fs.readFileSync(path.join(DIR, 'make_grid.json'), 'utf8')) as { cases: GridCase[] }).cases;
const saves = (JSON.parse(fs.readFileSync(path.join(DIR, 'save_image.json'), 'utf8')) as { cases: SaveCase[] }).cases;

function tensorOf(a: F32Json): Tensor {
  const { shape, data: values } = f32(a);
  return tensor(values).reshape(shape);
}

/** The differing positions of two arrays (at most a few, for the message). */
function differences(actual: ArrayLike<number>, expected: ArrayLike<number>): string[] {
  const out: string[] = [];
  for (let i = 0; i < expected.length && out.length < 5; i++) {
    if (!Object.is(actual[i], expected[i])) out.push(`[${i}] ${actual[i]} vs ${expected[i]}`);
  }
  return out;
}

function decodePng(file: string): { width: number; height: number; data: Buffer; colorType: number } {
  const png = PNG.sync.read(fs.readFileSync(file));
  return { width: png.width, height: png.height, data: png.data, colorType: (png as unknown as { colorType: number }).colorType };
}

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-vision-utils-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.each(['js', 'wasm'] as BackendName[])('makeGrid against torchvision.utils.make_grid (%s backend)', (backend) => {
  let previous: BackendName;
  beforeAll(() => { previous = getBackend().name; setBackend(backend); });
  afterAll(() => setBackend(previous));

  test.each(grids.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const x = tensorOf(c.input);
    const before = x.dataSync();
    const arg = c.asList ? x.unbind(0) : x;
    const grid = data.utils.makeGrid(arg, c.options as data.MakeGridOptions);
    const want = f32(c.grid);
    expect(grid.shape).toEqual(want.shape);
    expect(differences(grid.dataSync(), want.data)).toEqual([]);
    expect(Array.from(x.dataSync())).toEqual(Array.from(before)); // normalize works on a copy
  });
});

test('a batch of one 3-channel image comes back as a view of it, as torchvision returns it', () => {
  const x = zeros(1, 3, 2, 2);
  const grid = data.makeGrid(x);
  expect(grid.shape).toEqual([3, 2, 2]);
  grid.fill_(1);
  expect(x.sum().item()).toBe(12);
});

describe('saveImage against torchvision.utils.save_image', () => {
  test.each(saves.map((c) => [c.name, c] as const))('%s: the same pixels as the PNG torchvision wrote', (_name, c) => {
    const file = path.join(tmp, c.file);
    data.utils.saveImage(tensorOf(c.input), file, c.options);
    const ours = decodePng(file);
    const theirs = decodePng(path.join(DIR, 'save_image', c.file));
    expect([ours.width, ours.height, ours.colorType]).toEqual([theirs.width, theirs.height, theirs.colorType]);
    expect(differences(ours.data, theirs.data)).toEqual([]);
  });

  test("the fixtures can tell torchvision's rounding from a naive one", () => {
    // Math.round(x * 255) in double differs from float32 mul(255).add_(0.5) then truncation
    // at some of the fixtures' k/255 and (k + 0.5)/255 values, so the pixel test can fail.
    let differ = 0;
    for (const c of saves.filter((s) => !s.options.normalize)) {
      const grid = data.makeGrid(tensorOf(c.input), c.options);
      const exact = quantizeGrid(grid);
      const g = grid.dataSync();
      const [channels, h, w] = grid.shape;
      for (let ch = 0; ch < channels; ch++) {
        for (let p = 0; p < h * w; p++) {
          const naive = Math.min(255, Math.max(0, Math.round(g[ch * h * w + p] * 255)));
          if (naive !== exact[p * channels + ch]) differ++;
        }
      }
    }
    expect(differ).toBeGreaterThan(0);
  });

  test('writes atomically: no temporary file is left, and an existing file is replaced whole', () => {
    const file = path.join(tmp, 'replace.png');
    fs.writeFileSync(file, 'old');
    data.saveImage(zeros(2, 1, 3, 3), file, { format: 'PNG' });
    expect(decodePng(file).width).toBe(3 * 2 + 2 * 3);
    expect(fs.readdirSync(tmp).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});

describe('bad input throws a clear error', () => {
  const x = zeros(2, 1, 4, 4);
  test.each([
    ['a 1-D tensor', () => data.makeGrid(zeros(5)), /expected a 4-D batch .* got a 1-D tensor of shape \[5\]/],
    ['a 5-D tensor', () => data.makeGrid(zeros(1, 2, 1, 4, 4)), /got a 5-D tensor/],
    ['not a tensor', () => data.makeGrid(5 as unknown as Tensor), /tensor or list of tensors expected, got number 5/],
    ['a list with a non-tensor', () => data.makeGrid([zeros(1, 2, 2), 3] as unknown as Tensor[]), /got a list containing number 3/],
    ['an empty list', () => data.makeGrid([]), /non-empty/],
    ['images of different sizes', () => data.makeGrid([zeros(1, 2, 2), zeros(1, 3, 3)]), /equal size/],
    ['an int tensor', () => data.makeGrid(zeros(2, 1, 2, 2).to('int32')), /float32/],
    ['nrow 0', () => data.makeGrid(x, { nrow: 0 }), /nrow must be at least 1/],
    ['padding -1', () => data.makeGrid(x, { padding: -1 }), /padding must be at least 0/],
    ['a non-integer nrow', () => data.makeGrid(x, { nrow: 2.5 }), /nrow must be an integer/],
    ['valueRange not a pair', () => data.makeGrid(x, { normalize: true, valueRange: [0] as unknown as [number, number] }), /valueRange has to be a pair/],
    ['normalize not a boolean', () => data.makeGrid(x, { normalize: 1 as unknown as boolean }), /normalize must be a boolean/],
    ['a snake_case option', () => data.makeGrid(x, { value_range: [0, 1] } as object), /unknown option 'value_range' \(did you mean 'valueRange'\?\)/],
    ["torchvision's old 'range'", () => data.makeGrid(x, { range: [0, 1] } as object), /option 'range' is not supported/],
    ['an unknown option', () => data.saveImage(x, path.join(tmp, 'a.png'), { quality: 90 } as object), /unknown option 'quality'/],
    ['a .jpg file', () => data.saveImage(x, path.join(tmp, 'a.jpg')), /cannot write format 'JPG'.*only PNG/],
    ['format JPEG', () => data.saveImage(x, path.join(tmp, 'a.png'), { format: 'jpeg' }), /cannot write format 'JPEG'/],
    ['no extension', () => data.saveImage(x, path.join(tmp, 'a')), /unknown file extension/],
    ['2-channel images', () => data.saveImage(zeros(2, 2, 4, 4), path.join(tmp, 'b.png')), /cannot write an image of 2 channels/],
  ])('%s', (_what, call, message) => {
    expect(call).toThrow(message);
  });

  test('nothing is written when saving fails', () => {
    expect(() => data.saveImage(zeros(2, 2, 4, 4), path.join(tmp, 'c.png'))).toThrow();
    expect(fs.existsSync(path.join(tmp, 'c.png'))).toBe(false);
  });
});

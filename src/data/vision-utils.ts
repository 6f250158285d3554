/**
 * torchvision.utils' make_grid and save_image (torchvision 0.14), camelCased: a batch of
 * images laid out as one image, and that image written as a PNG file.
 *
 *     import { data } from 'torchlet';
 *     data.utils.saveImage(batch.view(64, 1, 28, 28), 'results/sample_1.png');
 *
 * The arithmetic is torchvision's, step for step, in float32 tensor ops (normalize's clamp_,
 * sub_, div_; save_image's mul(255).add_(0.5).clamp_(0, 255) and the cast to uint8), so the
 * pixels are the very bytes torchvision writes. Options torchvision does not have throw, where
 * torchvision's **kwargs would swallow them.
 */
import * as path from 'path';
import { Tensor } from '../tensor';
import { noGrad } from '../autograd';
import { full } from '../creation';
import { cat, stack } from '../ops/join';
import { writeFileAtomic } from '../io/atomic';
import { checkOptions, describeValue, optionNames } from '../options';
import { lazy } from '../lazy';

const pngjs = lazy(() => require('pngjs') as typeof import('pngjs'));

export interface MakeGridOptions {
  /** Images per row of the grid (torchvision's nrow). Default 8. */
  nrow?: number;
  /** Pixels between and around the images. Default 2. */
  padding?: number;
  /** Shift the values into [0, 1] by valueRange, or by the min and max of the values. Default false. */
  normalize?: boolean;
  /** [min, max] for normalize (torchvision's value_range); null: the values' own min and max. */
  valueRange?: readonly [number, number] | null;
  /** Normalize each image by its own min and max (torchvision's scale_each). Default false. */
  scaleEach?: boolean;
  /** The value of the padding pixels (torchvision's pad_value). Default 0. */
  padValue?: number;
}

export interface SaveImageOptions extends MakeGridOptions {
  /** The file format; by default told from the file name's extension. Only 'png' is written. */
  format?: string | null;
}

const MAKE_GRID_OPTIONS = optionNames<MakeGridOptions>({
  nrow: true, padding: true, normalize: true, valueRange: true, scaleEach: true, padValue: true,
});
const SAVE_IMAGE_OPTIONS = [...MAKE_GRID_OPTIONS, ...optionNames<Pick<SaveImageOptions, 'format'>>({ format: true })];
/** torchvision's removed name (checkOptions already points value_range and the like at their camelCase). */
const REMOVED = { range: "torchvision's old name for value_range; use 'valueRange'" };

function checkInteger(where: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${where}: ${name} must be an integer, got ${describeValue(value)}`);
  if (value < min) throw new Error(`${where}: ${name} must be at least ${min}, got ${value}`);
  return value;
}

function checkBoolean(where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${where}: ${name} must be a boolean, got ${describeValue(value)}`);
  return value;
}

/** The options with torchvision's defaults, each checked. */
function gridSettings(where: string, options: MakeGridOptions) {
  const nrow = checkInteger(where, 'nrow', options.nrow ?? 8, 1);
  const padding = checkInteger(where, 'padding', options.padding ?? 2, 0);
  const normalize = checkBoolean(where, 'normalize', options.normalize ?? false);
  const scaleEach = checkBoolean(where, 'scaleEach', options.scaleEach ?? false);
  const padValue = options.padValue ?? 0;
  if (typeof padValue !== 'number') throw new TypeError(`${where}: padValue must be a number, got ${describeValue(padValue)}`);
  const valueRange = options.valueRange ?? null;
  if (valueRange !== null && !(Array.isArray(valueRange) && valueRange.length === 2 && valueRange.every((v) => typeof v === 'number'))) {
    // torchvision: "value_range has to be a tuple (min, max) if specified. min and max are numbers"
    throw new TypeError(`${where}: valueRange has to be a pair [min, max] if specified. min and max are numbers; got ${describeValue(valueRange)}`);
  }
  return { nrow, padding, normalize, scaleEach, padValue, valueRange };
}

/**
 * torchvision's norm_ip: clamp_ into [low, high], then sub_(low).div_(max(high - low, 1e-5)).
 * The bounds are Python floats there, which the float32 kernels round to float32 (Math.fround
 * says so here, whatever our scalar ops do), while high - low and the 1e-5 floor are computed in
 * double before that rounding, as in Python.
 */
function normIp(img: Tensor, low: number, high: number): void {
  img.clamp_(Math.fround(low), Math.fround(high));
  img.sub_(Math.fround(low)).div_(Math.fround(Math.max(high - low, 1e-5)));
}

function normRange(t: Tensor, valueRange: readonly [number, number] | null): void {
  if (valueRange !== null) normIp(t, valueRange[0], valueRange[1]);
  else normIp(t, t.min().item(), t.max().item());
}

/** The input as torchvision's make_grid sees it: a 4-D batch with 1-channel images made 3-channel. */
function asBatch(where: string, input: Tensor | readonly Tensor[]): Tensor {
  let tensor: Tensor;
  if (input instanceof Tensor) {
    tensor = input;
  } else if (Array.isArray(input)) {
    input.forEach((t) => {
      if (!(t instanceof Tensor)) throw new TypeError(`${where}: tensor or list of tensors expected, got a list containing ${describeValue(t)}`);
    });
    tensor = stack(input, 0); // if list of tensors, convert to a 4D mini-batch Tensor
  } else {
    throw new TypeError(`${where}: tensor or list of tensors expected, got ${describeValue(input)}`);
  }
  if (tensor.dtype !== 'float32') throw new TypeError(`${where}: expected a float32 tensor of images, got dtype ${tensor.dtype}`);
  if (tensor.dim() < 2 || tensor.dim() > 4) {
    throw new Error(`${where}: expected a 4-D batch (B, C, H, W), a 3-D image (C, H, W) or a 2-D image (H, W), got a ${tensor.dim()}-D tensor of shape [${tensor.shape.join(', ')}]`);
  }
  if (tensor.dim() === 2) tensor = tensor.unsqueeze(0); // single image H x W
  if (tensor.dim() === 3) { // single image
    if (tensor.shape[0] === 1) tensor = cat([tensor, tensor, tensor], 0); // if single-channel, convert to 3-channel
    tensor = tensor.unsqueeze(0);
  }
  if (tensor.shape[1] === 1) tensor = cat([tensor, tensor, tensor], 1); // single-channel images
  return tensor;
}

/**
 * torchvision.utils.make_grid: the images of a (B, C, H, W) batch (or a list of (C, H, W)
 * images, or one (C, H, W) or (H, W) image) laid out `nrow` to a row with `padding` pixels of
 * `padValue` between and around them, as one (C, H', W') tensor. 1-channel images become
 * 3-channel. A batch of one image is returned as that image (a view of the input unless it was
 * normalized or made 3-channel), as torchvision returns it.
 */
export function makeGrid(tensor: Tensor | readonly Tensor[], options: MakeGridOptions = {}): Tensor {
  checkOptions('makeGrid', options, MAKE_GRID_OPTIONS, REMOVED);
  return gridOf('makeGrid', tensor, gridSettings('makeGrid', options));
}

function gridOf(where: string, input: Tensor | readonly Tensor[], o: ReturnType<typeof gridSettings>): Tensor {
  return noGrad(() => {
    let tensor = asBatch(where, input);
    if (o.normalize) {
      tensor = tensor.clone(); // avoid modifying tensor in-place
      if (o.scaleEach) {
        for (let i = 0; i < tensor.shape[0]; i++) normRange(tensor.select(0, i), o.valueRange); // loop over mini-batch dimension
      } else {
        normRange(tensor, o.valueRange);
      }
    }
    if (tensor.shape[0] === 1) return tensor.squeeze(0);

    // make the mini-batch of images into a grid
    const [nmaps, numChannels] = tensor.shape;
    const xmaps = Math.min(o.nrow, nmaps);
    const ymaps = Math.ceil(nmaps / xmaps);
    const height = tensor.shape[2] + o.padding;
    const width = tensor.shape[3] + o.padding;
    const grid = full([numChannels, height * ymaps + o.padding, width * xmaps + o.padding], o.padValue);
    let k = 0;
    for (let y = 0; y < ymaps; y++) {
      for (let x = 0; x < xmaps; x++) {
        if (k >= nmaps) break;
        grid.narrow(1, y * height + o.padding, height - o.padding).narrow(2, x * width + o.padding, width - o.padding).copy_(tensor.select(0, k));
        k++;
      }
    }
    return grid;
  });
}

/**
 * save_image's quantization of a (C, H, W) grid: grid.mul(255).add_(0.5).clamp_(0, 255) then
 * the cast to uint8 (truncation), as HWC bytes.
 */
export function quantizeGrid(grid: Tensor): Uint8Array {
  const [channels, height, width] = grid.shape;
  const scaled = noGrad(() => grid.mul(255).add_(0.5).clamp_(0, 255)).dataSync() as Float32Array;
  const hwc = new Uint8Array(scaled.length);
  const plane = height * width;
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < plane; p++) hwc[p * channels + c] = Math.trunc(scaled[c * plane + p]);
  }
  return hwc;
}

/** PIL's format name for what save_image would write: `format`, or the file name's extension. */
function formatOf(fp: string, format: string | null | undefined): string {
  if (format !== undefined && format !== null) {
    if (typeof format !== 'string') throw new TypeError(`saveImage: format must be a string, got ${describeValue(format)}`);
    return format.toUpperCase();
  }
  const ext = path.extname(fp).toLowerCase();
  if (ext === '') throw new Error(`saveImage: unknown file extension: '${fp}' has none; give one (.png) or the format option`); // PIL: ValueError("unknown file extension: ")
  return ext === '.png' ? 'PNG' : ext.slice(1).toUpperCase();
}

/** A (3 or 4, H, W) grid's quantized pixels as PNG bytes (RGB, or RGBA for 4 channels, as PIL's fromarray). */
function encodePng(grid: Tensor): Uint8Array {
  const [channels, height, width] = grid.shape;
  if (channels !== 3 && channels !== 4) {
    // PIL's Image.fromarray takes (H, W, 3) as RGB and (H, W, 4) as RGBA and refuses other channel counts.
    throw new TypeError(`saveImage: cannot write an image of ${channels} channels (shape [${grid.shape.join(', ')}]); PNG images here have 1 or 3 channels (written as RGB) or 4 (RGBA)`);
  }
  const hwc = quantizeGrid(grid);
  const { PNG } = pngjs();
  const png = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) {
    png.data[p * 4] = hwc[p * channels];
    png.data[p * 4 + 1] = hwc[p * channels + 1];
    png.data[p * 4 + 2] = hwc[p * channels + 2];
    png.data[p * 4 + 3] = channels === 4 ? hwc[p * channels + 3] : 255;
  }
  return PNG.sync.write(png, { colorType: channels === 4 ? 6 : 2 });
}

/**
 * torchvision.utils.save_image: makeGrid(tensor, options), quantized to uint8 as torchvision
 * does, written to the file `fp` as a PNG (the only format supported; told by `format` or the
 * extension). The file is replaced atomically: readers see the old image or the new one.
 */
export function saveImage(tensor: Tensor | readonly Tensor[], fp: string, options: SaveImageOptions = {}): void {
  checkOptions('saveImage', options, SAVE_IMAGE_OPTIONS, REMOVED);
  if (typeof fp !== 'string') throw new TypeError(`saveImage: fp must be a file name (string), got ${describeValue(fp)}`);
  const format = formatOf(fp, options.format);
  if (format !== 'PNG') throw new Error(`saveImage: cannot write format '${format}' (${fp}); only PNG is supported`);
  const { format: _format, ...gridOptions } = options;
  const grid = gridOf('saveImage', tensor, gridSettings('saveImage', gridOptions));
  writeFileAtomic(fp, encodePng(grid));
}

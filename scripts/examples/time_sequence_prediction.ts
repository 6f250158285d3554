/**
 * pytorch/examples time_sequence_prediction (commit 00ef8a7), generate_sine_wave.py and
 * train.py line for line: 100 sine waves with random phase offsets; a Sequence of two
 * LSTMCells and a Linear learns to predict each next value, trained with LBFGS on 97 waves,
 * then run 1000 values into the future on the other 3, plotted after every step.
 *
 *     node dist/scripts/examples/time_sequence_prediction.js [--steps N] (--help)
 *
 * Differences from the original, all forced or cosmetic:
 * - float32, not float64: train.py calls seq.double() and makes its states with
 *   dtype=torch.double; torchlet has no float64 modules, so the data (numpy's float64) is
 *   rounded to float32 and everything runs in float32. Its losses follow PyTorch's float32
 *   run of the same program closely and its float64 run less closely (the test says how much).
 * - The data is made in memory, not saved to traindata.pt and loaded back: `generateSineWave`
 *   reproduces numpy's np.random.seed(2); np.random.randint(-80, 80, 100) draw for draw (numpy's
 *   legacy seeding and masked rejection sampling over the same Mersenne Twister torch uses).
 * - The plots: the original saves predict%d.pdf with matplotlib; this writes predict<i>.svg with
 *   the library's line chart (io.lineChartSvg), the same curves (solid: the input span, dashed:
 *   the prediction), colors, title and axis labels, into the working directory as there.
 *
 * The flag and its default are the original's. `main(opts)` runs it from code; its defaults are
 * small (one step on 20-sample waves, 10 values of future) so that `npm test` can compare it with
 * PyTorch (test/examples.time-sequence-prediction.test.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { nn, optim, io, Tensor, Generator, manualSeed, noGrad, zeros, cat } from '../../src';
import { integer, strictFlags } from '../lib/train-args';
import { Log, consoleLog, pythonFloat, runWithFlagsIfMain } from './common';

// ------------------------------------------------------------------ generate_sine_wave.py

/** numpy's legacy RandomState(seed).randint(low, high, size): 32-bit draws, masked, rejected above the range. */
function numpyRandint(rng: Generator, low: number, high: number, size: number): number[] {
  const range = high - low - 1;
  let mask = range;
  for (let shift = 1; shift < 32; shift *= 2) mask |= mask >>> shift;
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    let v;
    while ((v = (rng.nextUint32() & mask) >>> 0) > range);
    out.push(low + v);
  }
  return out;
}

/** generate_sine_wave.py's arrays: x (N x L integers) and data = sin(x / T) (float64, row-major). */
export function generateSineWave(L = 1000): { x: Int32Array; data: Float64Array; N: number; L: number } {
  const rng = new Generator(2); // np.random.seed(2): numpy seeds its Mersenne Twister as torch does

  const T = 20;
  // L = 1000 (an argument here: the test shortens the waves; the rows do not depend on it)
  const N = 100;

  // x[:] = np.array(range(L)) + np.random.randint(-4 * T, 4 * T, N).reshape(N, 1)
  const offsets = numpyRandint(rng, -4 * T, 4 * T, N);
  const x = new Int32Array(N * L);
  for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) x[n * L + l] = l + offsets[n];
  const data = Float64Array.from(x, (v) => Math.sin(v / 1.0 / T)); // np.sin(x / 1.0 / T).astype('float64')
  return { x, data, N, L }; // torch.save(data, open('traindata.pt', 'wb'))
}

// ------------------------------------------------------------------ train.py

export class Sequence extends nn.Module {
  lstm1: nn.LSTMCell;
  lstm2: nn.LSTMCell;
  linear: nn.Linear;

  constructor() {
    super();
    this.lstm1 = new nn.LSTMCell(1, 51);
    this.lstm2 = new nn.LSTMCell(51, 51);
    this.linear = new nn.Linear(51, 1);
  }

  override forward(input: Tensor, future = 0): Tensor {
    const outputs: Tensor[] = [];
    // torch.zeros(input.size(0), 51, dtype=torch.double): float32 here (see the header)
    let hT = zeros(input.shape[0], 51);
    let cT = zeros(input.shape[0], 51);
    let hT2 = zeros(input.shape[0], 51);
    let cT2 = zeros(input.shape[0], 51);

    let output: Tensor | null = null;
    for (const inputT of input.split(1, 1)) { // input.split(1, dim=1)
      [hT, cT] = this.lstm1.call(inputT, [hT, cT]);
      [hT2, cT2] = this.lstm2.call(hT, [hT2, cT2]);
      output = this.linear.call(hT2);
      outputs.push(output); // outputs += [output]
    }
    for (let i = 0; i < future; i++) { // if we should predict the future
      [hT, cT] = this.lstm1.call(output!, [hT, cT]);
      [hT2, cT2] = this.lstm2.call(hT, [hT2, cT2]);
      output = this.linear.call(hT2);
      outputs.push(output); // outputs += [output]
    }
    return cat(outputs, 1); // torch.cat(outputs, dim=1)
  }
}

export interface TimeSequenceArgs {
  /** steps to run */
  steps: number;
}

export interface TimeSequenceOptions extends Partial<TimeSequenceArgs> {
  /** Where `print` goes; the console by default. */
  log?: Log;
  /** The waves' length (generate_sine_wave.py's L, 1000 there). */
  length?: number;
  /** How many values to predict past the input (train.py's `future = 1000`). */
  future?: number;
  /** Where predict<i>.svg go (the working directory, as the original's predict%d.pdf); null: no plots. */
  plots?: string | null;
}

/** The original's defaults (argparse's, and its sizes). */
export const ORIGINAL: Required<Omit<TimeSequenceOptions, 'log'>> = { steps: 15, length: 1000, future: 1000, plots: '.' };

/** main()'s defaults: small, for `npm test`. */
export const SMALL: Required<Omit<TimeSequenceOptions, 'log'>> = { steps: 1, length: 20, future: 10, plots: null };

export const HELP = `usage: time_sequence_prediction [-h] [--steps STEPS]

options:
  -h, --help     show this help message and exit
  --steps STEPS  steps to run`;

/** argparse's `parser.parse_args()`: the flags, or null for --help. Problems are UsageErrors. */
export function parseTimeSequenceArgs(argv: string[]): TimeSequenceArgs | null {
  const v = strictFlags(argv, { steps: { type: 'string' } });
  if (v.help) return null;
  return { steps: integer('steps', v.steps as string | undefined, ORIGINAL.steps, 0) };
}

/** The trained model, its optimizer and the last prediction (y), as the original leaves them. */
export interface TimeSequenceRun { seq: Sequence; optimizer: optim.LBFGS; y: Float32Array[] }

/** Runs train.py (after generate_sine_wave.py): trains, predicts and plots after every step. */
export async function main(opts: TimeSequenceOptions = {}): Promise<TimeSequenceRun> {
  const { log, ...rest } = opts;
  const print = log ?? consoleLog;
  const { steps, length, future: futureLength, plots } = { ...SMALL, ...rest };
  const opt = { steps }; // opt = parser.parse_args()
  // set random seed to 0
  // np.random.seed(0): numpy draws nothing more here
  manualSeed(0); // torch.manual_seed(0)
  // load data and make training set
  const { data: data64, N, L } = generateSineWave(length); // data = torch.load('traindata.pt')
  const data = new Tensor(Float32Array.from(data64), [N, L]); // float32 (see the header)
  const input = data.index('3:, :-1'); // torch.from_numpy(data[3:, :-1])
  const target = data.index('3:, 1:');
  const testInput = data.index(':3, :-1');
  const testTarget = data.index(':3, 1:');
  // build the model
  const seq = new Sequence();
  // seq.double(): float32 here (see the header)
  const criterion = new nn.MSELoss();
  // use LBFGS as optimizer since we can load the whole data to train
  const optimizer = new optim.LBFGS(seq.parameters(), { lr: 0.8 });
  let y: Float32Array[] = [];
  //begin to train
  for (let i = 0; i < opt.steps; i++) {
    print('STEP: ', i);
    const closure = (): Tensor => {
      optimizer.zeroGrad();
      const out = seq.call(input);
      const loss = criterion.call(out, target);
      print('loss:', pythonFloat(loss.item()));
      loss.backward();
      return loss;
    };
    optimizer.step(closure);
    // begin to predict, no need to track gradient here
    noGrad(() => {
      const future = futureLength; // future = 1000
      const pred = seq.call(testInput, future);
      const loss = criterion.call(pred.narrow(1, 0, pred.shape[1] - future), testTarget); // pred[:, :-future]
      print('test loss:', pythonFloat(loss.item()));
      y = pred.detach().unbind(0).map((row) => row.dataSync() as Float32Array); // pred.detach().numpy()
    });
    // draw the result
    if (plots !== null) fs.writeFileSync(path.join(plots, `predict${i}.svg`), drawPrediction(y, input.shape[1], futureLength));
  }
  return { seq, optimizer, y };
}

/**
 * The original's figure: plt.figure(figsize=(30,10)) (3000 x 1000 pixels at matplotlib's 100
 * dpi), its title and labels, and for rows 0, 1, 2 in red, green, blue: the values over the
 * input span as a line, the predicted future as a dotted (here dashed) line.
 */
export function drawPrediction(y: Float32Array[], inputSize: number, future: number): string {
  const series: io.Series[] = [];
  const draw = (yi: Float32Array, color: string): void => {
    // plt.plot(np.arange(input.size(1)), yi[:input.size(1)], color, linewidth = 2.0)
    series.push({ name: `${color}`, color, points: Array.from(yi.subarray(0, inputSize), (v, k) => [k, v] as const) });
    // plt.plot(np.arange(input.size(1), input.size(1) + future), yi[input.size(1):], color + ':', linewidth = 2.0)
    series.push({ name: `${color}:`, color, dashed: true, points: Array.from(yi.subarray(inputSize, inputSize + future), (v, k) => [inputSize + k, v] as const) });
  };
  draw(y[0], 'red');
  draw(y[1], 'green');
  draw(y[2], 'blue');
  return io.lineChartSvg({
    title: 'Predict future values for time sequences\n(Dashlines are predicted values)',
    xLabel: 'x', yLabel: 'y', series, width: 3000, height: 1000, legend: false,
  });
}

runWithFlagsIfMain(module, 'time_sequence_prediction', {
  parse: parseTimeSequenceArgs, HELP,
  main: (args) => main({ ...ORIGINAL, ...(args as TimeSequenceArgs) }),
});

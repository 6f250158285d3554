/**
 * pytorch/examples word_language_model/generate.py (commit 00ef8a7), line for line: loads the
 * model main.py saved (--checkpoint, as word_language_model.ts saves it), then samples --words
 * words from it one at a time, each drawn by torch.multinomial from exp(log-probabilities /
 * temperature) and fed back as the next input, into --outf (20 words a line).
 *
 *     node dist/scripts/examples/word_language_model_generate.js [--checkpoint ./model.pt] [--words N] ... (--help)
 *
 * `--cuda` is refused (no CUDA), `--mps` falls back to the CPU as the original does where MPS is
 * not available. A Transformer checkpoint cannot exist (main refuses --model Transformer), so
 * only the recurrent models' branch of the loop is ported.
 */
import * as fs from 'fs';
import { Tensor, manualSeed, noGrad, randint, multinomial } from '../../src';
import { integer, real, strictFlags, UsageError } from '../lib/train-args';
import { Log, consoleLog, runWithFlagsIfMain } from './common';
import { Corpus } from './word_language_model/data';
import { Hidden } from './word_language_model/model';
import { loadModel } from './word_language_model';

export interface GenerateArgs {
  data: string;
  checkpoint: string;
  outf: string;
  words: number;
  seed: number;
  cuda: boolean;
  mps: boolean;
  temperature: number;
  logInterval: number;
}

export interface GenerateMainOptions extends Partial<GenerateArgs> {
  /** Where `print` goes; the console by default. */
  log?: Log;
}

/** The original's defaults (argparse's). */
export const ORIGINAL: GenerateArgs = {
  data: './data/wikitext-2', checkpoint: './model.pt', outf: 'generated.txt', words: 1000, seed: 1111, cuda: false,
  mps: false, temperature: 1.0, logInterval: 100,
};

export const HELP = `usage: word_language_model_generate [-h] [--data DATA] [--checkpoint CHECKPOINT]
                                    [--outf OUTF] [--words WORDS] [--seed SEED] [--cuda]
                                    [--mps] [--temperature TEMPERATURE]
                                    [--log-interval LOG_INTERVAL]

PyTorch Wikitext-2 Language Model

options:
  -h, --help            show this help message and exit
  --data DATA           location of the data corpus
  --checkpoint CHECKPOINT
                        model checkpoint to use
  --outf OUTF           output file for generated text
  --words WORDS         number of words to generate
  --seed SEED           random seed
  --cuda                use CUDA
  --mps                 enables macOS GPU training
  --temperature TEMPERATURE
                        temperature - higher will increase diversity
  --log-interval LOG_INTERVAL
                        reporting interval

(torchlet: --cuda is refused; the checkpoint is one word_language_model saved.)`;

const TEMPERATURE_TOO_LOW = '--temperature has to be greater or equal 1e-3.';
const CUDA_UNSUPPORTED = '--cuda: Torch not compiled with CUDA enabled (torchlet runs on the CPU)';

/** argparse's `parser.parse_args()` and its parser.error for the temperature; null for --help. */
export function parseGenerateArgs(argv: string[]): GenerateArgs | null {
  const str = { type: 'string' } as const;
  const v = strictFlags(argv, {
    data: str, checkpoint: str, outf: str, words: str, seed: str, cuda: { type: 'boolean' }, mps: { type: 'boolean' },
    temperature: str, 'log-interval': str,
  });
  if (v.help) return null;
  const s = (k: string) => v[k] as string | undefined;
  const args: GenerateArgs = {
    data: s('data') ?? ORIGINAL.data,
    checkpoint: s('checkpoint') ?? ORIGINAL.checkpoint,
    outf: s('outf') ?? ORIGINAL.outf,
    words: integer('words', s('words'), ORIGINAL.words, 0),
    seed: integer('seed', s('seed'), ORIGINAL.seed, 0),
    cuda: Boolean(v.cuda),
    mps: Boolean(v.mps),
    temperature: real('temperature', s('temperature'), ORIGINAL.temperature, Number.isFinite, 'a number'),
    logInterval: integer('log-interval', s('log-interval'), ORIGINAL.logInterval, 1),
  };
  if (args.cuda) throw new UsageError(CUDA_UNSUPPORTED);
  if (args.temperature < 1e-3) throw new UsageError(TEMPERATURE_TOO_LOW);
  return args;
}

/** Generates as the original's module does; returns the words written to --outf. */
export async function main(opts: GenerateMainOptions = {}): Promise<string[]> {
  const { log, ...flags } = opts;
  const print: Log = log ?? consoleLog;
  const args: GenerateArgs = { ...ORIGINAL, ...flags };
  if (args.cuda) throw new Error(CUDA_UNSUPPORTED);

  // Set the random seed manually for reproducibility.
  manualSeed(args.seed);
  // No CUDA or MPS device here: no warnings, device = torch.device("cpu").

  if (args.temperature < 1e-3) {
    throw new Error(TEMPERATURE_TOO_LOW); // parser.error(...)
  }

  const model = loadModel(args.checkpoint); // torch.load(f, map_location=device)
  model.eval();

  const corpus = new Corpus(args.data);
  const ntokens = corpus.dictionary.length;

  // is_transformer_model is false: a Transformer checkpoint cannot be made here (see the header)
  let hidden: Hidden = model.initHidden(1);
  const input: Tensor = randint(0, ntokens, [1, 1]); // torch.randint(ntokens, (1, 1), dtype=torch.long)

  const words: string[] = [];
  const outf = fs.openSync(args.outf, 'w');
  try {
    noGrad(() => { // no tracking history
      for (let i = 0; i < args.words; i++) {
        let output: Tensor;
        [output, hidden] = model.call(input, hidden) as [Tensor, Hidden];
        const wordWeights = output.squeeze().div(args.temperature).exp(); // .cpu()
        const wordIdx = multinomial(wordWeights, 1).item(); // torch.multinomial(word_weights, 1)[0]
        input.fill_(wordIdx);

        const word = corpus.dictionary.idx2word[wordIdx];
        words.push(word);

        fs.writeSync(outf, word + (i % 20 === 19 ? '\n' : ' '));

        if (i % args.logInterval === 0) {
          print(`| Generated ${i}/${args.words} words`);
        }
      }
    });
  } finally {
    fs.closeSync(outf);
  }
  return words;
}

runWithFlagsIfMain(module, 'word_language_model_generate', { parse: parseGenerateArgs, HELP, main });

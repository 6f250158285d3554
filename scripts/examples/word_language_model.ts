/**
 * pytorch/examples word_language_model/main.py (commit 00ef8a7, the last before the example
 * required torch>=2.6), line for line: a word-level language model (RNN_TANH, RNN_RELU, LSTM or
 * GRU, optionally with tied weights) trained on Wikitext-2 by truncated backpropagation through
 * time, with gradient clipping, a hand-written SGD step and the learning rate divided by 4 when
 * the validation loss stops improving; the best model is saved and tested at the end.
 * generate.py is word_language_model_generate.ts; model.py and data.py are word_language_model/model.ts and data.ts.
 *
 *     node dist/scripts/examples/word_language_model.js [--model LSTM] [--epochs N] [--tied] ... (--help)
 *
 * The flags and their defaults are the original's; the corpus is read from ./data/wikitext-2
 * ({train,valid,test}.txt, shipped in the pytorch/examples repository) as there. `main(opts)`
 * runs it from code; its defaults are small (SMALL) for `npm test`, which compares it with
 * PyTorch on a tiny corpus (test/examples.word-language-model.test.ts).
 *
 * Differences, each refused or said here:
 * - `--model Transformer` is refused: torchlet has no nn.TransformerEncoder (see model file).
 * - `--cuda` is refused as PyTorch without CUDA refuses it; `--mps` falls back to the CPU as the
 *   original does where MPS is not available; `--onnx-export` is refused (no ONNX exporter).
 * - torch.save(model, f) pickles the module itself; torchlet cannot pickle a TypeScript class, so
 *   --save writes a torch.save zip file (torch.load reads it in Python) of a dict with
 *   RNNModel's constructor arguments and its state_dict (an OrderedDict; with --tied,
 *   encoder.weight and decoder.weight share one storage, as in PyTorch's). Loading it builds an
 *   RNNModel from those arguments and loads the state dict into it (loadModel).
 * - Ctrl+C ends the process: the training loop is synchronous, so there is no KeyboardInterrupt
 *   to catch and no test of the best model after an interrupt.
 */
import { nn, io, Tensor, manualSeed, noGrad, defaultGenerator } from '../../src';
import { integer, real, strictFlags, UsageError } from '../lib/train-args';
import { Log, consoleLog, fixed, runWithFlagsIfMain } from './common';
import { Corpus } from './word_language_model/data';
import { RNNModel, Hidden, TRANSFORMER_UNSUPPORTED } from './word_language_model/model';

/** The parsed flags (argparse's `args`), camelCased. */
export interface WordLanguageModelArgs {
  data: string;
  model: string;
  emsize: number;
  nhid: number;
  nlayers: number;
  lr: number;
  clip: number;
  epochs: number;
  batchSize: number;
  bptt: number;
  dropout: number;
  tied: boolean;
  seed: number;
  cuda: boolean;
  mps: boolean;
  logInterval: number;
  save: string;
  onnxExport: string;
  nhead: number;
  dryRun: boolean;
}

export interface WordLanguageModelMainOptions extends Partial<WordLanguageModelArgs> {
  /** Where `print` goes; the console by default. */
  log?: Log;
}

/** The original's defaults (argparse's). */
export const ORIGINAL: WordLanguageModelArgs = {
  data: './data/wikitext-2', model: 'LSTM', emsize: 200, nhid: 200, nlayers: 2, lr: 20, clip: 0.25, epochs: 40,
  batchSize: 20, bptt: 35, dropout: 0.2, tied: false, seed: 1111, cuda: false, mps: false, logInterval: 200,
  save: 'model.pt', onnxExport: '', nhead: 2, dryRun: false,
};

/** main()'s defaults: small, for `npm test` (the corpus folder is still the original's). */
export const SMALL: WordLanguageModelArgs = { ...ORIGINAL, emsize: 16, nhid: 16, epochs: 2, batchSize: 4, bptt: 5, logInterval: 5 };

export const HELP = `usage: word_language_model [-h] [--data DATA] [--model MODEL] [--emsize EMSIZE]
                           [--nhid NHID] [--nlayers NLAYERS] [--lr LR] [--clip CLIP]
                           [--epochs EPOCHS] [--batch_size N] [--bptt BPTT]
                           [--dropout DROPOUT] [--tied] [--seed SEED] [--cuda] [--mps]
                           [--log-interval N] [--save SAVE] [--onnx-export ONNX_EXPORT]
                           [--nhead NHEAD] [--dry-run]

PyTorch Wikitext-2 RNN/LSTM/GRU/Transformer Language Model

options:
  -h, --help            show this help message and exit
  --data DATA           location of the data corpus
  --model MODEL         type of network (RNN_TANH, RNN_RELU, LSTM, GRU, Transformer)
  --emsize EMSIZE       size of word embeddings
  --nhid NHID           number of hidden units per layer
  --nlayers NLAYERS     number of layers
  --lr LR               initial learning rate
  --clip CLIP           gradient clipping
  --epochs EPOCHS       upper epoch limit
  --batch_size N        batch size
  --bptt BPTT           sequence length
  --dropout DROPOUT     dropout applied to layers (0 = no dropout)
  --tied                tie the word embedding and softmax weights
  --seed SEED           random seed
  --cuda                use CUDA
  --mps                 enables macOS GPU training
  --log-interval N      report interval
  --save SAVE           path to save the final model
  --onnx-export ONNX_EXPORT
                        path to export the final model in onnx format
  --nhead NHEAD         the number of heads in the encoder/decoder of the transformer model
  --dry-run             verify the code and the model

(torchlet: --model Transformer, --cuda and --onnx-export are refused; see the file's header.)`;

/** What torchlet cannot run, as errors (main's); the parser reports them as usage errors. */
function unsupported(args: WordLanguageModelArgs): string | null {
  if (args.model === 'Transformer') return TRANSFORMER_UNSUPPORTED;
  if (args.cuda) return '--cuda: Torch not compiled with CUDA enabled (torchlet runs on the CPU)';
  if (args.onnxExport.length > 0) return '--onnx-export is not supported: torchlet has no ONNX exporter';
  return null;
}

/** argparse's `parser.parse_args()`: the flags, or null for --help. Problems are UsageErrors. */
export function parseWordLanguageModelArgs(argv: string[]): WordLanguageModelArgs | null {
  const str = { type: 'string' } as const;
  const bool = { type: 'boolean' } as const;
  const v = strictFlags(argv, {
    data: str, model: str, emsize: str, nhid: str, nlayers: str, lr: str, clip: str, epochs: str, batch_size: str,
    bptt: str, dropout: str, tied: bool, seed: str, cuda: bool, mps: bool, 'log-interval': str, save: str,
    'onnx-export': str, nhead: str, 'dry-run': bool,
  });
  if (v.help) return null;
  const s = (k: string) => v[k] as string | undefined;
  const finite = (x: number) => Number.isFinite(x);
  const args: WordLanguageModelArgs = {
    data: s('data') ?? ORIGINAL.data,
    model: s('model') ?? ORIGINAL.model,
    emsize: integer('emsize', s('emsize'), ORIGINAL.emsize, 1),
    nhid: integer('nhid', s('nhid'), ORIGINAL.nhid, 1),
    nlayers: integer('nlayers', s('nlayers'), ORIGINAL.nlayers, 1),
    lr: real('lr', s('lr'), ORIGINAL.lr, finite, 'a number'),
    clip: real('clip', s('clip'), ORIGINAL.clip, finite, 'a number'),
    epochs: integer('epochs', s('epochs'), ORIGINAL.epochs, 0),
    batchSize: integer('batch_size', s('batch_size'), ORIGINAL.batchSize, 1),
    bptt: integer('bptt', s('bptt'), ORIGINAL.bptt, 1),
    dropout: real('dropout', s('dropout'), ORIGINAL.dropout, (x) => x >= 0 && x <= 1, 'a probability in [0, 1]'),
    tied: Boolean(v.tied),
    seed: integer('seed', s('seed'), ORIGINAL.seed, 0),
    cuda: Boolean(v.cuda),
    mps: Boolean(v.mps),
    logInterval: integer('log-interval', s('log-interval'), ORIGINAL.logInterval, 1),
    save: s('save') ?? ORIGINAL.save,
    onnxExport: s('onnx-export') ?? ORIGINAL.onnxExport,
    nhead: integer('nhead', s('nhead'), ORIGINAL.nhead, 1),
    dryRun: Boolean(v['dry-run']),
  };
  const problem = unsupported(args);
  if (problem !== null) throw new UsageError(problem);
  return args;
}

/** What --save writes: RNNModel's constructor arguments and its state dict (see the header). */
export interface SavedModel {
  rnn_type: string; ntoken: number; ninp: number; nhid: number; nlayers: number; dropout: number; tie_weights: boolean;
  /** A Map when saved (pickled as an OrderedDict, as PyTorch's state_dict); io.load gives a plain object. */
  state_dict: Map<string, Tensor> | Record<string, Tensor>;
}

/** torch.save(model, f), as torchlet saves an RNNModel. */
export function saveModel(model: RNNModel, args: WordLanguageModelArgs, file: string): void {
  const saved: SavedModel = {
    rnn_type: model.rnnType, ntoken: model.ntoken, ninp: model.encoder.embeddingDim, nhid: model.nhid,
    nlayers: model.nlayers, dropout: args.dropout, tie_weights: args.tied, state_dict: new Map(Object.entries(model.stateDict())),
  };
  io.save(saved, file);
}

/** torch.load(f) of what saveModel wrote: a new RNNModel with the saved weights. */
export function loadModel(file: string): RNNModel {
  const saved = io.load(file) as SavedModel;
  // torch.load draws no random numbers; building the model draws its initial weights, so the
  // default generator is put back as it was (generate.py samples from it right after).
  const generatorState = defaultGenerator.getState();
  const model = new RNNModel(saved.rnn_type, saved.ntoken, saved.ninp, saved.nhid, saved.nlayers, saved.dropout, saved.tie_weights);
  defaultGenerator.setState(generatorState);
  model.loadStateDict(saved.state_dict);
  return model;
}

/** Python's '{:Nd}' / '{:N.2f}': right-aligned in N characters. */
const pad = (s: string | number, width: number) => String(s).padStart(width);

/** Trains and tests as the original's module does; returns the best model (as reloaded from --save). */
export async function main(opts: WordLanguageModelMainOptions = {}): Promise<RNNModel> {
  const { log, ...flags } = opts;
  const print: Log = log ?? consoleLog;
  const args: WordLanguageModelArgs = { ...SMALL, ...flags };
  const problem = unsupported(args);
  if (problem !== null) throw new Error(problem);

  // Set the random seed manually for reproducibility.
  manualSeed(args.seed);
  // There is no CUDA device (so no warning about --cuda) and no MPS device (so no warning, and
  // --mps falls back to the CPU, as use_mps is false): device = torch.device("cpu").

  /// ////////////////////////////////////////////////////////////////////////////
  // Load data
  /// ////////////////////////////////////////////////////////////////////////////

  const corpus = new Corpus(args.data);

  // Starting from sequential data, batchify arranges the dataset into columns.
  // For instance, with the alphabet as the sequence and batch size 4, we'd get
  // ┌ a g m s ┐
  // │ b h n t │
  // │ c i o u │
  // │ d j p v │
  // │ e k q w │
  // └ f l r x ┘.
  // These columns are treated as independent by the model, which means that the
  // dependence of e. g. 'g' on 'f' can not be learned, but allows more efficient
  // batch processing.

  function batchify(data: Tensor, bsz: number): Tensor {
    // Work out how cleanly we can divide the dataset into bsz parts.
    const nbatch = Math.floor(data.size(0) / bsz);
    // Trim off any extra elements that wouldn't cleanly fit (remainders).
    data = data.narrow(0, 0, nbatch * bsz);
    // Evenly divide the data across the bsz batches.
    data = data.view(bsz, -1).t().contiguous();
    return data; // data.to(device)
  }

  const evalBatchSize = 10;
  const trainData = batchify(corpus.train, args.batchSize);
  const valData = batchify(corpus.valid, evalBatchSize);
  const testData = batchify(corpus.test, evalBatchSize);

  /// ////////////////////////////////////////////////////////////////////////////
  // Build the model
  /// ////////////////////////////////////////////////////////////////////////////

  const ntokens = corpus.dictionary.length;
  // (args.model == 'Transformer' was refused above: model.TransformerModel is not ported)
  let model = new RNNModel(args.model, ntokens, args.emsize, args.nhid, args.nlayers, args.dropout, args.tied);

  const criterion = new nn.NLLLoss();

  /// ////////////////////////////////////////////////////////////////////////////
  // Training code
  /// ////////////////////////////////////////////////////////////////////////////

  /** Wraps hidden states in new Tensors, to detach them from their history. */
  function repackageHidden(h: Hidden): Hidden {
    if (h instanceof Tensor) {
      return h.detach();
    } else {
      return h.map((v) => repackageHidden(v)) as [Tensor, Tensor];
    }
  }

  // get_batch subdivides the source data into chunks of length args.bptt.
  // If source is equal to the example output of the batchify function, with
  // a bptt-limit of 2, we'd get the following two Variables for i = 0:
  // ┌ a g m s ┐ ┌ b h n t ┐
  // └ b h n t ┘ └ c i o u ┘
  // Note that despite the name of the function, the subdivison of data is not
  // done along the batch dimension (i.e. dimension 1), since that was handled
  // by the batchify function. The chunks are along dimension 0, corresponding
  // to the seq_len dimension in the LSTM.

  function getBatch(source: Tensor, i: number): [Tensor, Tensor] {
    const seqLen = Math.min(args.bptt, source.shape[0] - 1 - i);
    const data = source.index(`${i}:${i + seqLen}`); // source[i:i+seq_len]
    const target = source.index(`${i + 1}:${i + 1 + seqLen}`).view(-1);
    return [data, target];
  }

  function evaluate(dataSource: Tensor): number {
    // Turn on evaluation mode which disables dropout.
    model.eval();
    let totalLoss = 0;
    let hidden = model.initHidden(evalBatchSize);
    noGrad(() => {
      for (let i = 0; i < dataSource.size(0) - 1; i += args.bptt) {
        const [data, targets] = getBatch(dataSource, i);
        let output: Tensor;
        [output, hidden] = model.call(data, hidden) as [Tensor, Hidden];
        hidden = repackageHidden(hidden);
        totalLoss += data.shape[0] * criterion.call(output, targets).item();
      }
    });
    return totalLoss / (dataSource.shape[0] - 1);
  }

  let lr = args.lr;
  let epoch = 0;

  function train(): void {
    // Turn on training mode which enables dropout.
    model.train();
    let totalLoss = 0;
    let startTime = performance.now();
    let hidden = model.initHidden(args.batchSize);
    for (let batch = 0, i = 0; i < trainData.size(0) - 1; batch++, i += args.bptt) {
      const [data, targets] = getBatch(trainData, i);
      // Starting each batch, we detach the hidden state from how it was previously produced.
      // If we didn't, the model would try backpropagating all the way to start of the dataset.
      model.zeroGrad();
      hidden = repackageHidden(hidden);
      let output: Tensor;
      [output, hidden] = model.call(data, hidden) as [Tensor, Hidden];
      const loss = criterion.call(output, targets) as Tensor;
      loss.backward();

      // `clip_grad_norm` helps prevent the exploding gradient problem in RNNs / LSTMs.
      nn.utils.clipGradNorm_(model.parameters(), args.clip);
      for (const p of model.parameters()) {
        p.data.add_(p.grad!, -lr); // p.data.add_(p.grad, alpha=-lr)
      }

      totalLoss += loss.item();

      if (batch % args.logInterval === 0 && batch > 0) {
        const curLoss = totalLoss / args.logInterval;
        const elapsed = (performance.now() - startTime) / 1000;
        print(`| epoch ${pad(epoch, 3)} | ${pad(batch, 5)}/${pad(Math.floor(trainData.shape[0] / args.bptt), 5)} batches | ` +
          `lr ${fixed(lr, 2).padStart(2, '0')} | ms/batch ${pad(fixed(elapsed * 1000 / args.logInterval, 2), 5)} | ` +
          `loss ${pad(fixed(curLoss, 2), 5)} | ppl ${pad(fixed(Math.exp(curLoss), 2), 8)}`);
        totalLoss = 0;
        startTime = performance.now();
      }
      if (args.dryRun) {
        break;
      }
    }
  }

  // Loop over epochs.
  let bestValLoss: number | null = null;

  // At any point you can hit Ctrl + C to break out of training early (here: it ends the process).
  for (epoch = 1; epoch < args.epochs + 1; epoch++) {
    const epochStartTime = performance.now();
    train();
    const valLoss = evaluate(valData);
    print('-'.repeat(89));
    print(`| end of epoch ${pad(epoch, 3)} | time: ${pad(fixed((performance.now() - epochStartTime) / 1000, 2), 5)}s | ` +
      `valid loss ${pad(fixed(valLoss, 2), 5)} | valid ppl ${pad(fixed(Math.exp(valLoss), 2), 8)}`);
    print('-'.repeat(89));
    // Save the model if the validation loss is the best we've seen so far.
    if (!bestValLoss || valLoss < bestValLoss) {
      saveModel(model, args, args.save); // with open(args.save, 'wb') as f: torch.save(model, f)
      bestValLoss = valLoss;
    } else {
      // Anneal the learning rate if no improvement has been seen in the validation dataset.
      lr /= 4.0;
    }
  }

  // Load the best saved model. (flatten_parameters() has nothing to do here: the weights are
  // separate tensors either way.)
  model = loadModel(args.save);

  // Run on test data.
  const testLoss = evaluate(testData);
  print('='.repeat(89));
  print(`| End of training | test loss ${pad(fixed(testLoss, 2), 5)} | test ppl ${pad(fixed(Math.exp(testLoss), 2), 8)}`);
  print('='.repeat(89));

  // (len(args.onnx_export) > 0 was refused above: export_onnx is not ported)
  return model;
}

runWithFlagsIfMain(module, 'word_language_model', { parse: parseWordLanguageModelArgs, HELP, main });

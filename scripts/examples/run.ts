/**
 * `npm run example -- <name> [--help]`: runs one ported program (scripts/examples/<name>.ts)
 * with its original sizes; `--help` (or no name) lists them.
 */
import { runWithFlags } from './common';
import type { ProgramWithFlags } from './common';

interface Example {
  /** Where the original lives in pytorch/tutorials (or pytorch/examples, where named). */
  original: string;
  what: string;
}

const EXAMPLES: Record<string, Example> = {
  polynomial_tensor: { original: 'beginner_source/examples_tensor/polynomial_tensor.py', what: 'a polynomial fit with tensors and a hand-written backward' },
  polynomial_autograd: { original: 'beginner_source/examples_autograd/polynomial_autograd.py', what: 'the same with autograd' },
  polynomial_custom_function: { original: 'beginner_source/examples_autograd/polynomial_custom_function.py', what: 'with a custom autograd.Function (LegendrePolynomial3)' },
  polynomial_nn: { original: 'beginner_source/examples_nn/polynomial_nn.py', what: 'with nn.Sequential(Linear, Flatten) and MSELoss' },
  polynomial_optim: { original: 'beginner_source/examples_nn/polynomial_optim.py', what: 'with optim.SGD' },
  polynomial_module: { original: 'beginner_source/examples_nn/polynomial_module.py', what: 'with a custom nn.Module' },
  dynamic_net: { original: 'beginner_source/examples_nn/dynamic_net.py', what: 'control flow and weight sharing, SGD with momentum' },
  tensor_tutorial: { original: 'beginner_source/blitz/tensor_tutorial.py', what: '60 Minute Blitz: tensors' },
  autograd_tutorial: { original: 'beginner_source/blitz/autograd_tutorial.py', what: '60 Minute Blitz: autograd, a ResNet-18 step (--weights <resnet18 .pth> for pretrained weights)' },
  neural_networks_tutorial: { original: 'beginner_source/blitz/neural_networks_tutorial.py', what: '60 Minute Blitz: neural networks (LeNet)' },
  cifar10_tutorial: { original: 'beginner_source/blitz/cifar10_tutorial.py', what: '60 Minute Blitz: training a classifier on CIFAR-10 (in ./data)' },
  mnist_main: { original: 'pytorch/examples: mnist/main.py', what: "the MNIST example with its own flags (--epochs, --lr, --dry-run, ...; '-- mnist_main --help' lists them)" },
  mnist_rnn: { original: 'pytorch/examples: mnist_rnn/main.py', what: "an LSTM over MNIST's rows, with its own flags ('-- mnist_rnn --help' lists them)" },
  dcgan: { original: 'pytorch/examples: dcgan/main.py', what: "a DCGAN; '--dataset fake' needs no data, images and checkpoints to --outf ('-- dcgan --help' lists the flags)" },
  time_sequence_prediction: { original: 'pytorch/examples: time_sequence_prediction/train.py', what: "two LSTMCells learn sine waves with LBFGS, predictions plotted to predict<i>.svg (--steps; '-- time_sequence_prediction --help')" },
  vae: { original: 'pytorch/examples: vae/main.py', what: "a variational autoencoder on MNIST, images to results/ (--epochs, --batch-size, ...; '-- vae --help' lists them)" },
  word_language_model: { original: 'pytorch/examples: word_language_model/main.py', what: "an LSTM/GRU/RNN language model on ./data/wikitext-2, best model to model.pt ('-- word_language_model --help' lists the flags; no Transformer)" },
  word_language_model_generate: { original: 'pytorch/examples: word_language_model/generate.py', what: "samples words from the model.pt word_language_model saved into generated.txt ('-- word_language_model_generate --help')" },
};

function usage(): string {
  const width = Math.max(...Object.keys(EXAMPLES).map((n) => n.length));
  return [
    'Usage: npm run example -- <name> [--help]',
    '',
    'Runs a PyTorch tutorial program ported line for line (scripts/examples/<name>.ts) with the',
    "original's sizes. The originals are in pytorch/tutorials, or in pytorch/examples where named:",
    '',
    ...Object.entries(EXAMPLES).map(([name, e]) => `  ${name.padEnd(width)}  ${e.what}\n  ${' '.repeat(width)}  (${e.original})`),
  ].join('\n');
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  if (name === undefined) {
    process.stderr.write(`name an example\n\n${usage()}\n`);
    return 2;
  }
  if (!(name in EXAMPLES)) {
    process.stderr.write(`unknown example '${name}'\n\n${usage()}\n`);
    return 2;
  }
  if (name in WITH_FLAGS) return runWithFlags(name, WITH_FLAGS[name](), rest);
  const opts: Record<string, unknown> = {};
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--help' || rest[i] === '-h') {
      process.stdout.write(`${name}: ${EXAMPLES[name].what}\n(${EXAMPLES[name].original})\n`);
      return 0;
    } else if (rest[i] === '--weights' && name === 'autograd_tutorial') {
      if (rest[i + 1] === undefined) {
        process.stderr.write(`${name}: --weights needs the path of a resnet18 .pth file\n`);
        return 2;
      }
      opts.weightsPath = rest[++i];
    } else {
      process.stderr.write(`${name}: unknown argument '${rest[i]}'\n`);
      return 2;
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(`./${name}`) as { main(opts: object): unknown; ORIGINAL: object };
  await mod.main({ ...mod.ORIGINAL, ...opts });
  return 0;
}

/* eslint-disable @typescript-eslint/no-var-requires */
/** The pytorch/examples programs, whose argparse flags are parsed as the original parses them. */
const WITH_FLAGS: Record<string, () => ProgramWithFlags> = {
  mnist_main: () => {
    const m = require('./mnist_main') as typeof import('./mnist_main');
    return { parse: m.parseMnistArgs, HELP: m.HELP, main: m.main };
  },
  mnist_rnn: () => {
    const m = require('./mnist_rnn') as typeof import('./mnist_rnn');
    return { parse: m.parseMnistRnnArgs, HELP: m.HELP, main: m.main };
  },
  time_sequence_prediction: () => {
    const m = require('./time_sequence_prediction') as typeof import('./time_sequence_prediction');
    return { parse: m.parseTimeSequenceArgs, HELP: m.HELP, main: (args) => m.main({ ...m.ORIGINAL, ...(args as object) }) };
  },
  vae: () => {
    const m = require('./vae') as typeof import('./vae');
    return { parse: m.parseVaeArgs, HELP: m.HELP, main: m.main };
  },
  dcgan: () => {
    const m = require('./dcgan') as typeof import('./dcgan');
    return { parse: m.parseDcganArgs, HELP: m.HELP, main: m.mainWithFlags };
  },
  word_language_model: () => {
    const m = require('./word_language_model') as typeof import('./word_language_model');
    return { parse: m.parseWordLanguageModelArgs, HELP: m.HELP, main: m.main };
  },
  word_language_model_generate: () => {
    const m = require('./word_language_model_generate') as typeof import('./word_language_model_generate');
    return { parse: m.parseGenerateArgs, HELP: m.HELP, main: m.main };
  },
};
/* eslint-enable @typescript-eslint/no-var-requires */

run(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});

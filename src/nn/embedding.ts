/** torch.nn.Embedding: a lookup table of numEmbeddings rows of embeddingDim, initialised N(0, 1). */
import { Tensor } from '../tensor';
import { allocFloat32 } from '../storage';
import { Generator } from '../random';
import { noGrad } from '../autograd';
import { embedding, checkEmbeddingOptions, normalizePaddingIdx, EMBEDDING_OPTIONS } from '../ops/embedding';
import type { EmbeddingOptions } from '../ops/embedding';
import { checkOptions } from '../options';
import { Module } from './module';
import { Parameter } from './parameter';
import { normal_ } from './init';

export interface EmbeddingModuleOptions extends EmbeddingOptions {
  /** The initial weight [numEmbeddings, embeddingDim] instead of N(0, 1) (PyTorch's `_weight`). */
  _weight?: Tensor | null;
  /** Draws the initial weights from this generator instead of the default one. */
  generator?: Generator;
}

export interface FromPretrainedOptions extends EmbeddingOptions {
  /** Whether the weight stays fixed (requiresGrad false; default true). */
  freeze?: boolean;
}

const MODULE_OPTIONS = [...EMBEDDING_OPTIONS, '_weight', 'generator'];

export class Embedding extends Module {
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly sparse: boolean;
  weight: Parameter;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: EmbeddingModuleOptions = {}) {
    super();
    checkOptions('Embedding', options, MODULE_OPTIONS, {
      device: 'tensors live on the CPU (or in the wasm backend), chosen with setBackend', dtype: 'parameters are float32',
    });
    checkEmbeddingOptions('Embedding', options);
    for (const [name, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new TypeError(`Embedding: ${name} must be a non-negative integer, got ${v}`);
    }
    this.paddingIdx = normalizePaddingIdx('Embedding', options.paddingIdx, numEmbeddings);
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    this.scaleGradByFreq = options.scaleGradByFreq ?? false;
    this.sparse = options.sparse ?? false;
    const given = options._weight ?? null;
    if (given === null) {
      this.weight = new Parameter(new Tensor(allocFloat32(numEmbeddings * embeddingDim, true), [numEmbeddings, embeddingDim]));
      this.resetParameters(options.generator);
    } else {
      if (!(given instanceof Tensor) || given.shape.length !== 2 || given.shape[0] !== numEmbeddings || given.shape[1] !== embeddingDim) {
        throw new Error('Embedding: Shape of weight does not match num_embeddings and embedding_dim');
      }
      this.weight = new Parameter(given);
    }
  }

  /** N(0, 1), then the padding row zeroed, as PyTorch's reset_parameters. */
  resetParameters(generator?: Generator): void {
    noGrad(() => {
      normal_(this.weight, 0, 1, generator);
      if (this.paddingIdx !== null) this.weight.select(0, this.paddingIdx).fill_(0);
    });
  }

  /**
   * torch.nn.Embedding.from_pretrained: a module whose weight is `embeddings` (shared, not
   * copied), frozen unless `freeze: false`.
   */
  static fromPretrained(embeddings: Tensor, options: FromPretrainedOptions = {}): Embedding {
    checkOptions('Embedding.fromPretrained', options, [...EMBEDDING_OPTIONS, 'freeze']);
    if (!(embeddings instanceof Tensor) || embeddings.shape.length !== 2) {
      throw new Error('Embedding.fromPretrained: Embeddings parameter is expected to be 2-dimensional');
    }
    const { freeze = true, ...rest } = options;
    const [rows, cols] = embeddings.shape;
    const module = new Embedding(rows, cols, { ...rest, _weight: embeddings });
    module.weight.requiresGrad = !freeze;
    return module;
  }

  override forward(input: Tensor): Tensor {
    return embedding(input, this.weight, {
      paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType, scaleGradByFreq: this.scaleGradByFreq,
      sparse: this.sparse,
    });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, paddingIdx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, maxNorm=${this.maxNorm}`;
    if (this.normType !== 2) s += `, normType=${this.normType}`;
    if (this.scaleGradByFreq) s += ', scaleGradByFreq=true';
    if (this.sparse) s += ', sparse=true';
    return s;
  }
}

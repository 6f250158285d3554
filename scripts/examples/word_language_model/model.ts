/**
 * pytorch/examples word_language_model/model.py (commit 00ef8a7), line for line: RNNModel, an
 * Embedding encoder, a recurrent module (nn.LSTM, nn.GRU or nn.RNN with tanh or relu) and a
 * Linear decoder, optionally with the decoder's weight tied to the encoder's.
 *
 * TransformerModel (and its PositionalEncoding) is not ported: torchlet has no
 * nn.Transformer / nn.TransformerEncoder, and `--model Transformer` is refused (see
 * TRANSFORMER_UNSUPPORTED) rather than half-built.
 */
import { nn, F, Tensor, zeros } from '../../../src';

/** The refusal of `--model Transformer`. */
export const TRANSFORMER_UNSUPPORTED = "--model Transformer is not supported: torchlet has no nn.Transformer / " +
  'nn.TransformerEncoder (nor MultiheadAttention) yet, which TransformerModel is built on; use RNN_TANH, RNN_RELU, LSTM or GRU';

export type RnnType = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';
/** An LSTM's hidden state is (h, c); the others' is h. */
export type Hidden = Tensor | [Tensor, Tensor];

/** Container module with an encoder, a recurrent module, and a decoder. */
export class RNNModel extends nn.Module {
  ntoken: number;
  drop: nn.Dropout;
  encoder: nn.Embedding;
  rnn: nn.LSTM | nn.GRU | nn.RNN;
  decoder: nn.Linear;
  rnnType: string;
  nhid: number;
  nlayers: number;

  constructor(rnnType: string, ntoken: number, ninp: number, nhid: number, nlayers: number, dropout = 0.5, tieWeights = false) {
    super();
    this.ntoken = ntoken;
    this.drop = new nn.Dropout(dropout);
    this.encoder = new nn.Embedding(ntoken, ninp);
    if (rnnType === 'LSTM' || rnnType === 'GRU') {
      this.rnn = rnnType === 'LSTM' ? new nn.LSTM(ninp, nhid, nlayers, { dropout }) : new nn.GRU(ninp, nhid, nlayers, { dropout });
    } else {
      const nonlinearity = ({ RNN_TANH: 'tanh', RNN_RELU: 'relu' } as const)[rnnType as 'RNN_TANH' | 'RNN_RELU'];
      if (nonlinearity === undefined) {
        throw new Error(`ValueError: An invalid option for \`--model\` was supplied,
                                 options are ['LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU']`);
      }
      this.rnn = new nn.RNN(ninp, nhid, nlayers, { nonlinearity, dropout });
    }
    this.decoder = new nn.Linear(nhid, ntoken);

    // Optionally tie weights as in:
    // "Using the Output Embedding to Improve Language Models" (Press & Wolf 2016)
    // https://arxiv.org/abs/1608.05859
    // and
    // "Tying Word Vectors and Word Classifiers: A Loss Framework for Language Modeling" (Inan et al. 2016)
    // https://arxiv.org/abs/1611.01462
    if (tieWeights) {
      if (nhid !== ninp) {
        throw new Error('ValueError: When using the tied flag, nhid must be equal to emsize');
      }
      this.decoder.weight = this.encoder.weight; // one Parameter, under both names in the state dict
    }

    this.initWeights();

    this.rnnType = rnnType;
    this.nhid = nhid;
    this.nlayers = nlayers;
  }

  initWeights(): void {
    const initrange = 0.1;
    nn.init.uniform_(this.encoder.weight, -initrange, initrange);
    nn.init.zeros_(this.decoder.bias!);
    nn.init.uniform_(this.decoder.weight, -initrange, initrange);
  }

  override forward(input: Tensor, hidden: Hidden): [Tensor, Hidden] {
    const emb = this.drop.call(this.encoder.call(input));
    let [output, newHidden] = (this.rnn as nn.Module).call(emb, hidden) as [Tensor, Hidden]; // output, hidden = self.rnn(emb, hidden)
    output = this.drop.call(output);
    let decoded = this.decoder.call(output);
    decoded = decoded.view(-1, this.ntoken);
    return [F.logSoftmax(decoded, 1), newHidden];
  }

  initHidden(bsz: number): Hidden {
    // weight = next(self.parameters()); weight.new_zeros(...): float32 zeros, as the parameters
    if (this.rnnType === 'LSTM') {
      return [zeros([this.nlayers, bsz, this.nhid]), zeros([this.nlayers, bsz, this.nhid])];
    } else {
      return zeros([this.nlayers, bsz, this.nhid]);
    }
  }
}

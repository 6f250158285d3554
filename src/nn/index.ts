/** torch.nn: modules, parameters, initialisation and the functional ops. */
export { Module, zeroGradOf } from './module';
export type { ZeroGradOptions, LoadStateDictResult, StateDict } from './module';
export { Parameter } from './parameter';
export { Conv2d, Linear, MaxPool2d, ReLU, Flatten, Identity, Sigmoid, Tanh } from './layers';
export type { Conv2dModuleOptions, MaxPool2dModuleOptions, LinearOptions, Conv2dPaddingMode } from './layers';
export { LeakyReLU, ELU, GELU, SiLU, Softmax, LogSoftmax } from './activation';
export { BatchNorm1d, BatchNorm2d } from './batchnorm';
export type { BatchNormOptions } from './batchnorm';
export { LayerNorm, GroupNorm } from './normalization';
export type { LayerNormOptions, GroupNormOptions } from './normalization';
export { Dropout } from './dropout';
export type { DropoutOptions } from './dropout';
export { Sequential, ModuleList, ModuleDict } from './containers';
export type { ForwardHook, ForwardPreHook, RemovableHandle } from './module';
export * as utils from './utils';
export {
  CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss,
} from './loss';
export * as init from './init';
export * as functional from '../functional';
// nn layers of issue 11 (pools, embedding, padding, transposed convolution)
export { AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d } from './pooling';
export { Embedding } from './embedding';
export type { EmbeddingModuleOptions, FromPretrainedOptions } from './embedding';
export { Dropout2d } from './dropout';
export { Unflatten } from './layers';
export { ConvTranspose2d } from './conv-transpose';
export type { ConvTranspose2dModuleOptions } from './conv-transpose';
// recurrent layers (mnist_rnn)
export { RNNCell, LSTMCell, GRUCell } from './rnn-cell';
export type { RNNCellOptions, RnnNonlinearity } from './rnn-cell';
export { RNNBase, RNN, LSTM, GRU } from './rnn';
export type { RNNBaseOptions, RNNOptions, LSTMOptions } from './rnn';

/**
 * The ops as functions, like torch.nn.functional: `F.relu(x)`, `F.conv2d(x, w, b, { stride })`,
 * `F.maxPool2d(x, 2)`, `F.linear(x, w, b)`, `F.crossEntropy(logits, labels)`,
 * `F.dropout(x, p, training)`.
 */
export {
  relu, conv2d, maxPool2d, maxPool2dWithIndices, linear, crossEntropy, nllLoss, logSoftmax, softmax,
  flatten, matmul, add, sub, mul, div, sigmoid, tanh, dropout,
} from './ops';
export type { Conv2dOptions, MaxPool2dOptions, CrossEntropyLossOptions, NllLossOptions } from './ops';

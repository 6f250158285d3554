/** torch.optim: Optimizer, SGD, Adam, Adadelta, Adagrad, RMSprop, AdamW, and lrScheduler (torch.optim.lr_scheduler). */
export { Optimizer } from './optimizer';
export type { ParamGroup, ParamGroupInput, ParamsInput, ParamState, StateValue, OptimizerStateDict } from './optimizer';
export { SGD, sgd } from './sgd';
export type { SGDOptions } from './sgd';
export { Adam, adam } from './adam';
export type { AdamOptions, AdamState } from './adam';
export { Adadelta, adadelta } from './adadelta';
export type { AdadeltaOptions, AdadeltaState } from './adadelta';
export { Adagrad, adagrad } from './adagrad';
export type { AdagradOptions, AdagradState } from './adagrad';
export { RMSprop, rmsprop } from './rmsprop';
export type { RMSpropOptions, RMSpropState } from './rmsprop';
export { AdamW, adamw } from './adamw';
export type { AdamWOptions } from './adamw';
export * as lrScheduler from './lrScheduler';
export { fromPyTorchStateDict, toPyTorchStateDict } from './pytorch-state-dict';
export type { PyTorchOptimizerStateDict } from './pytorch-state-dict';

/** torch.optim: Optimizer, SGD, Adam, and lrScheduler (torch.optim.lr_scheduler). */
export { Optimizer } from './optimizer';
export type { ParamGroup, ParamGroupInput, ParamsInput, ParamState, StateValue, OptimizerStateDict } from './optimizer';
export { SGD, sgd } from './sgd';
export type { SGDOptions } from './sgd';
export { Adam, adam } from './adam';
export type { AdamOptions, AdamState } from './adam';
export * as lrScheduler from './lrScheduler';

/** torch.optim.lr_scheduler: the LRScheduler base, its schedulers, and ReduceLROnPlateau. */
export { LRScheduler } from './scheduler';
export type { LRSchedulerStateDict } from './scheduler';
export { StepLR } from './stepLR';
export type { StepLROptions } from './stepLR';
export { MultiStepLR } from './multiStepLR';
export type { MultiStepLROptions } from './multiStepLR';
export { ExponentialLR } from './exponentialLR';
export type { ExponentialLROptions } from './exponentialLR';
export { CosineAnnealingLR } from './cosineAnnealingLR';
export type { CosineAnnealingLROptions } from './cosineAnnealingLR';
export { LambdaLR } from './lambdaLR';
export type { LambdaLROptions, LrLambda } from './lambdaLR';
export { OneCycleLR } from './oneCycleLR';
export type { OneCycleLROptions } from './oneCycleLR';
export { ReduceLROnPlateau } from './reduceLROnPlateau';
export type { ReduceLROnPlateauOptions, ReduceLROnPlateauStateDict } from './reduceLROnPlateau';

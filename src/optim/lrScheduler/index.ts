/** torch.optim.lr_scheduler: the LRScheduler base and StepLR. */
export { LRScheduler } from './scheduler';
export type { LRSchedulerStateDict } from './scheduler';
export { StepLR } from './stepLR';
export type { StepLROptions } from './stepLR';

/** `autograd` as torch.autograd: grad, backward, Function, and the graph's node types. */
export { grad, backward, Function, FunctionCtx } from './autograd-api';
export type { GradOptions } from './autograd-api';
export { Node, AccumulateGrad, SavedTensor } from './autograd';
export type { OpDef } from './autograd';

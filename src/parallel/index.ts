/** Data-parallel training over worker_threads (see data-parallel.ts). */
export { DataParallel, liveReplicaCount, replicaScriptPath } from './data-parallel';
export type { DataParallelOptions } from './data-parallel';
export { shardSizes, shardLossFactors } from './shards';
export type { LossWeighting } from './shards';
export { modelSpecOf, criterionSpecOf } from './spec';
export { threadCpuMs } from './thread-cpu';
export type { ModelSpec, CriterionSpec, SplitCriterion } from './spec';

export * from './safetensors';
export { writeFileAtomic } from './atomic';
export { saveCheckpoint, loadCheckpoint, readCheckpointState, CheckpointError, CHECKPOINT_FORMAT } from './checkpoint';
export type { SaveCheckpointOptions, LoadedCheckpoint, CheckpointState, ModuleLike, OptimizerLike } from './checkpoint';
export { lineChartSvg, niceTicks, escapeXml } from './plot';
export type { Series, LineChartOptions } from './plot';
export { save, load, TorchFileError, UnpicklingError, PicklingError } from './torch-format';

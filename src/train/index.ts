/** The recipe's training loop (resumable), evaluation, run logs and the recipe's print format. */
export { fit, evaluate, initialTrainState, trainStateProblems } from './loop';
export type {
  FitOptions, FitResult, TrainState, LogRecord, EvaluationResult, EpochLoader, TrainableModel, Criterion, StepOptimizer, Batch,
} from './loop';
export { RunLog } from './run-log';
export type { MetricsLine } from './run-log';
export { formatFixed, formatInt, formatLossLine } from './format';

/**
 * What `npm run train` keeps in a checkpoint's `extra` besides the model and optimizer, and
 * its check: a resumed run takes its data set, batch size and position from there, so a file
 * with an unknown data set, a negative position or a non-numeric running loss is refused (with
 * every problem named) before anything is built or loaded.
 */
import { trainStateProblems, type TrainState } from '../../src/train/loop';
import { Problems, describeValue } from '../../src/options';
import { DATASETS, isPlainRunName, type DatasetName } from './train-args';
import { MODELS, type ModelName } from './train-model';

export interface CheckpointExtra {
  trainState: TrainState;
  /** The model trained (absent in checkpoints from before --model: the seed Net). */
  model: ModelName;
  runName: string;
  dataset: DatasetName;
  batchSize: number;
  seed: number;
  /** Sizes of the data sets trained on, checked on resume; synthetic set options. */
  trainImages: number;
  epochs: number;
  logEvery: number;
  syntheticTrainSize: number | null;
  syntheticTestSize: number | null;
}

/** The problems of a checkpoint's `extra` for resuming a run (empty when it can be resumed). */
export function checkpointExtraProblems(extra: Record<string, unknown>): string[] {
  const problems = new Problems();
  if (extra.trainState === undefined) {
    problems.add(new Error('the checkpoint has no training position (extra.trainState); it cannot be resumed'));
  } else {
    for (const p of trainStateProblems(extra.trainState)) problems.add(new Error(p));
  }
  if (!(DATASETS as readonly unknown[]).includes(extra.dataset)) {
    problems.add(new Error(`unknown data set ${describeValue(extra.dataset)} (expected one of ${DATASETS.join(', ')})`));
  }
  if (extra.model !== undefined && !(MODELS as readonly unknown[]).includes(extra.model)) {
    problems.add(new Error(`unknown model ${describeValue(extra.model)} (expected one of ${MODELS.join(', ')})`));
  }
  if (extra.runName !== undefined && !isPlainRunName(extra.runName)) {
    problems.add(new Error(`runName must be a plain directory name (no slashes, not . or ..), got ${describeValue(extra.runName)}`));
  }
  const positive = (x: number) => Number.isSafeInteger(x) && x >= 1;
  for (const key of ['batchSize', 'epochs', 'logEvery', 'trainImages']) {
    if (extra[key] !== undefined) problems.number(key, extra[key], positive, `${key} must be a positive integer, got ${String(extra[key])}`);
  }
  if (extra.seed !== undefined) problems.count('seed', extra.seed);
  for (const key of ['syntheticTrainSize', 'syntheticTestSize']) {
    if (extra[key] != null) problems.count(key, extra[key]);
  }
  return problems.messages();
}

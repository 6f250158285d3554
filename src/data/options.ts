/** Option checks shared by the data sets. */
import { describeValue } from '../options';

/** torchvision's data-set options with no counterpart here, and why. */
export const DATASET_UNSUPPORTED = {
  targetTransform: 'labels are class indices; map them after loading',
};

/** Switches such as `train` must be booleans: the string 'false' would otherwise mean true. */
export function checkBooleanOptions(where: string, options: object, keys: readonly string[]): void {
  for (const key of keys) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${where}: ${key} must be a boolean, got ${describeValue(value)}`);
  }
}

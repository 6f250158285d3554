/**
 * How a batch is split across threads, and how much each shard's mean loss counts.
 *
 * CrossEntropyLoss's 'mean' divides by the total weight of the batch's targets: the number of
 * targets that are not `ignoreIndex`, or, with class weights, the sum of their classes' weights.
 * A shard's own mean divides by its own total, so shard k's loss and gradient count with
 * `shardTotal_k / batchTotal`; the weighted sum of the shard means is then the batch's mean
 * loss, and the weighted sum of their gradients its gradient.
 */

/** Sizes of `parts` contiguous shards of `batch` rows, in order; the first get the remainder. */
export function shardSizes(batch: number, parts: number): number[] {
  const base = Math.floor(batch / parts);
  const extra = batch % parts;
  return Array.from({ length: parts }, (_, k) => base + (k < extra ? 1 : 0));
}

export interface LossWeighting {
  /** Class weights (CrossEntropyLoss's / NLLLoss's `weight`), or null. */
  weight: Float32Array | null;
  ignoreIndex: number;
  /** Default 'mean'. With 'sum' every shard's sum counts once (factor 1). */
  reduction?: 'mean' | 'sum';
}

/**
 * The factor of each shard's mean loss. When no target of the batch counts (all ignored) the
 * batch's mean is 0/0 as in PyTorch: the first shard then carries it alone (factor 1), so the
 * result is the same NaN a single thread gives.
 */
export function shardLossFactors(labels: Int32Array, sizes: readonly number[], w: LossWeighting): number[] {
  if (w.reduction === 'sum') return sizes.map(() => 1);
  const totals: number[] = [];
  let row = 0;
  let all = 0;
  for (const n of sizes) {
    let t = 0;
    for (let i = row; i < row + n; i++) {
      const y = labels[i];
      if (y === w.ignoreIndex) continue;
      t += w.weight ? w.weight[y] : 1;
    }
    totals.push(t);
    all += t;
    row += n;
  }
  if (!(all > 0) || !Number.isFinite(all)) return sizes.map((_, k) => (k === 0 ? 1 : 0));
  return totals.map((t) => t / all);
}

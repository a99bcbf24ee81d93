/**
 * The q-quantile with linear interpolation between closest ranks, as SQL's PERCENTILE_CONT:
 * position q*(n-1) among n ascending values, read through `kth` (the k-th smallest, 0-based).
 * `n` must be above zero.
 */
export function quantileOf(n: number, q: number, kth: (k: number) => number): number {
  const rank = q * (n - 1);
  const lo = Math.floor(rank);
  const a = kth(lo);
  return rank === lo ? a : a + (rank - lo) * (kth(lo + 1) - a);
}

/** quantileOf over an ascending, non-empty array. */
export const percentile = (sorted: ArrayLike<number>, q: number): number => quantileOf(sorted.length, q, (k) => sorted[k] as number);

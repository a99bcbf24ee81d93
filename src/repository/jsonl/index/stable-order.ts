/** Lets other work run; called between slices of a long computation. */
export type Pause = () => Promise<void>;

/** A computation cut into slices: each `yield` is a place where other work may run. */
export type Steps<T> = Generator<void, T>;

/** Runs all slices at once. */
export function runNow<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs the slices, pausing between them. */
export async function runSliced<T>(steps: Steps<T>, pause: Pause): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pause();
  }
}

const MIN_RUN = 32;

/**
 * The permutation that sorts `keys` ascending, keeping equal keys in their given order: a
 * natural merge sort, so a sorted input costs one pass, a reversed or a concatenation of k
 * sorted files log k passes, and any order at most O(n log n). The keys move along with the
 * permutation (`keys` is the caller's copy, and is reordered), so every pass reads them in
 * sequence instead of through the permutation: at millions of rows that is the difference
 * between a pass in cache and a cache miss per comparison. With `pause`, it yields after each
 * pass and inside long passes, so a million keys never hold the caller for long.
 */
export function* stableOrder(keys: Float64Array): Steps<Uint32Array> {
  const n = keys.length;
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const bounds = yield* naturalRuns(keys, order);
  if (bounds.length <= 2) return order;
  let spare = new Uint32Array(n);
  let from: Float64Array = keys;
  let to: Float64Array = new Float64Array(n);
  let runs = bounds;
  while (runs.length > 2) {
    const merged: number[] = [0];
    let since = 0;
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r] as number;
      const mid = runs[r + 1] as number;
      const hi = r + 2 < runs.length ? (runs[r + 2] as number) : mid;
      mergeRuns(from, order, to, spare, lo, mid, hi);
      merged.push(hi);
      since += hi - lo;
      if (since >= 1 << 17) {
        since = 0;
        yield;
      }
    }
    [order, spare] = [spare, order];
    [from, to] = [to, from];
    runs = merged;
    yield;
  }
  return order;
}

/** Cuts `order` into sorted runs (reversing strictly descending ones, extending short ones by
 * insertion sort, keys moved along) and returns their boundaries, 0 first and n last. */
function* naturalRuns(keys: Float64Array, order: Uint32Array): Steps<number[]> {
  const n = order.length;
  const bounds = [0];
  let lo = 0;
  let since = 0;
  while (lo < n) {
    let hi = lo + 1;
    if (hi < n && (keys[hi] as number) < (keys[lo] as number)) {
      while (hi < n && (keys[hi] as number) < (keys[hi - 1] as number)) hi++;
      order.subarray(lo, hi).reverse();
      keys.subarray(lo, hi).reverse();
    } else {
      while (hi < n && (keys[hi] as number) >= (keys[hi - 1] as number)) hi++;
    }
    const end = Math.min(n, Math.max(hi, lo + MIN_RUN));
    if (end > hi) insertionSort(keys, order, lo, hi, end);
    bounds.push(end);
    since += end - lo;
    lo = end;
    if (since >= 1 << 17) {
      since = 0;
      yield;
    }
  }
  return bounds;
}

/** Sorts [lo, end) stably, given that [lo, sorted) is already sorted; keys[i] is order[i]'s key. */
function insertionSort(keys: Float64Array, order: Uint32Array, lo: number, sorted: number, end: number): void {
  for (let i = sorted; i < end; i++) {
    const item = order[i] as number;
    const key = keys[i] as number;
    let j = i - 1;
    while (j >= lo && (keys[j] as number) > key) {
      order[j + 1] = order[j] as number;
      keys[j + 1] = keys[j] as number;
      j--;
    }
    order[j + 1] = item;
    keys[j + 1] = key;
  }
}

/** Merges the sorted runs [lo, mid) and [mid, hi) of (fromKeys, from) into (toKeys, to); left
 * first on ties. */
function mergeRuns(fromKeys: Float64Array, from: Uint32Array, toKeys: Float64Array, to: Uint32Array, lo: number, mid: number, hi: number): void {
  let a = lo;
  let b = mid;
  let k = lo;
  while (a < mid && b < hi) {
    const x = fromKeys[a] as number;
    const y = fromKeys[b] as number;
    if (y < x) {
      toKeys[k] = y;
      to[k++] = from[b++] as number;
    } else {
      toKeys[k] = x;
      to[k++] = from[a++] as number;
    }
  }
  while (a < mid) {
    toKeys[k] = fromKeys[a] as number;
    to[k++] = from[a++] as number;
  }
  while (b < hi) {
    toKeys[k] = fromKeys[b] as number;
    to[k++] = from[b++] as number;
  }
}

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
/** Keys a range of the lean sort holds about, at most (see stableOrder). */
const RANGE_KEYS = 1 << 16;
/** Keys between two pauses of a pass. */
const SLICE_KEYS = 1 << 17;

/**
 * The permutation that sorts the keys (the parts taken as one array, in order) ascending,
 * keeping equal keys in their given order, with pauses (`yield`) so that millions of keys never
 * hold the caller for long. A sorted input costs one pass and no memory beyond the permutation.
 *
 * The keys get a natural merge sort: a reversed input or a concatenation of k sorted ones costs
 * log k passes, any order at most O(n log n), with a copy of the keys and spares, 24 bytes a key.
 * `lean`, a large input is instead dealt by key into ranges of about RANGE_KEYS keys (a
 * counting pass, then one stable scatter of positions), and each range's keys are fetched and
 * merge-sorted with small spares: the permutation's 4 bytes a key and little else, each range's
 * passes in cache, but presorted stretches longer than a range no longer save passes. Keys
 * crowded into one range (one bin of the deal holds them all) sort like a whole input that size.
 */
export function* stableOrder(parts: Float64Array | readonly Float64Array[], lean = false): Steps<Uint32Array> {
  const list = parts instanceof Float64Array ? [parts] : parts;
  let n = 0;
  let sorted = true;
  let previous = -Infinity;
  let min = Infinity;
  let max = -Infinity;
  for (const part of list) {
    n += part.length;
    // Indexed loops: for-of over a typed array inside a generator made an object per key.
    for (let i = 0; i < part.length; i++) {
      const v = part[i] as number;
      if (v < previous) sorted = false;
      previous = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const order = new Uint32Array(n);
  if (sorted) {
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }
  if (!lean || n <= 2 * RANGE_KEYS) {
    const keys = new Float64Array(n);
    let at = 0;
    for (const part of list) {
      keys.set(part, at);
      at += part.length;
    }
    for (let i = 0; i < n; i++) order[i] = i;
    yield* sortInPlace(keys, order, new Float64Array(n), new Uint32Array(n));
    return order;
  }

  // The deal: bins of equal key width, about 64 keys each when keys are spread evenly.
  const bins = Math.min(1 << 20, Math.max(1024, 2 ** Math.ceil(Math.log2(n / 64))));
  const scale = bins / (max - min);
  const binOf = (v: number) => Math.min(bins - 1, Math.floor((v - min) * scale));
  const first = new Uint32Array(bins + 1);
  let since = 0;
  for (const part of list) {
    for (let i = 0; i < part.length; i++) {
      const b = binOf(part[i] as number) + 1;
      first[b] = (first[b] as number) + 1;
    }
    since += part.length;
    if (since >= SLICE_KEYS) {
      since = 0;
      yield;
    }
  }
  for (let b = 0; b < bins; b++) first[b + 1] = (first[b + 1] as number) + (first[b] as number);
  const next = first.slice(0, bins);
  let j = 0;
  for (const part of list) {
    for (let i = 0; i < part.length; i++) {
      const b = binOf(part[i] as number);
      const at = next[b] as number;
      next[b] = at + 1;
      order[at] = j++;
    }
    since += part.length;
    if (since >= SLICE_KEYS) {
      since = 0;
      yield;
    }
  }

  // Ranges of whole bins, each sorted on its own: no key of a range is after a key of the next.
  // A range's keys are fetched for its sort, so no copy of all the keys is ever held.
  const keyOf = keyReader(list);
  let keys = new Float64Array(0);
  let spareKeys = new Float64Array(0);
  let spareOrder = new Uint32Array(0);
  for (let b = 0; b < bins; ) {
    const lo = first[b] as number;
    let e = b + 1;
    while (e < bins && (first[e + 1] as number) - lo <= RANGE_KEYS) e++;
    const hi = first[e] as number;
    if (hi - lo > 1) {
      if (keys.length < hi - lo) {
        keys = new Float64Array(Math.max(hi - lo, RANGE_KEYS));
        spareKeys = new Float64Array(keys.length);
        spareOrder = new Uint32Array(keys.length);
      }
      for (let k = lo; k < hi; k++) keys[k - lo] = keyOf(order[k] as number);
      yield* sortInPlace(keys.subarray(0, hi - lo), order.subarray(lo, hi), spareKeys.subarray(0, hi - lo), spareOrder.subarray(0, hi - lo));
    }
    since += hi - lo;
    if (since >= SLICE_KEYS) {
      since = 0;
      yield;
    }
    b = e;
  }
  return order;
}

/** Key j of the parts taken as one array: parts of one length (the last may be shorter), as
 * the index's chunks are, are read in place; others are joined once. */
function keyReader(list: readonly Float64Array[]): (j: number) => number {
  const size = list[0]?.length ?? 0;
  const bits = Math.log2(size);
  if (Number.isInteger(bits) && list.every((part, p) => part.length === size || p === list.length - 1)) {
    const mask = size - 1;
    return (j) => (list[j >>> bits] as Float64Array)[j & mask] as number;
  }
  const all = new Float64Array(list.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of list) {
    all.set(part, at);
    at += part.length;
  }
  return (j) => all[j] as number;
}

/**
 * Sorts `order` by `keys` stably (keys[i] is order[i]'s key, and moves with it): a natural
 * merge sort that alternates between the arrays and the spares (of the same length), so every
 * pass reads the keys in sequence instead of through the permutation.
 */
function* sortInPlace(keys: Float64Array, order: Uint32Array, spareKeys: Float64Array, spareOrder: Uint32Array): Steps<void> {
  let runs = yield* naturalRuns(keys, order);
  let from: Float64Array = keys;
  let fromOrder = order;
  let to: Float64Array = spareKeys;
  let toOrder = spareOrder;
  while (runs.length > 2) {
    const merged: number[] = [0];
    let since = 0;
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r] as number;
      const mid = runs[r + 1] as number;
      const hi = r + 2 < runs.length ? (runs[r + 2] as number) : mid;
      mergeRuns(from, fromOrder, to, toOrder, lo, mid, hi);
      merged.push(hi);
      since += hi - lo;
      if (since >= SLICE_KEYS) {
        since = 0;
        yield;
      }
    }
    [fromOrder, toOrder] = [toOrder, fromOrder];
    [from, to] = [to, from];
    runs = merged;
    yield;
  }
  if (fromOrder !== order) order.set(fromOrder);
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
    if (since >= SLICE_KEYS) {
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

import { quantileOf } from "../../domain/quantile.ts";

/**
 * Values kept for exact percentiles under a steady stream of additions: a sorted run plus a
 * short unsorted tail. Asking sorts only the tail and finds ranks across both sorted parts by
 * binary search, so a summary asked between writes costs O(tail log tail + log n), not O(n);
 * the tail is merged into the run once it grows past an eighth of it.
 */
export class SortedSample {
  private values = new Float64Array(16);
  private n = 0;
  private sortedN = 0;

  get size(): number {
    return this.n;
  }

  add(v: number): void {
    if (this.n === this.values.length) this.values = resized(this.values, this.n * 2);
    this.values[this.n++] = v;
  }

  /** Gives back the room kept for growth: after a build, doubling leaves up to half unused. */
  trim(): void {
    const keep = Math.max(16, this.n);
    if (this.values.length > keep) this.values = resized(this.values, keep);
  }

  /** The k-th smallest value (0-based); the sample must not be empty. */
  kth(k: number): number {
    const tail = this.sortTail();
    const head = this.values.subarray(0, this.sortedN);
    return kthOfTwo(head, tail, k);
  }

  /** The q-quantile as PERCENTILE_CONT; the sample must not be empty. */
  quantile(q: number): number {
    return quantileOf(this.n, q, (k) => this.kth(k));
  }

  private sortTail(): Float64Array {
    if (this.n - this.sortedN > Math.max(1024, this.sortedN >> 3)) {
      // Merge: sort everything once; typed arrays sort numerically and fast.
      this.values.subarray(0, this.n).sort();
      this.sortedN = this.n;
    }
    return this.values.subarray(this.sortedN, this.n).sort();
  }
}

/**
 * The values in an array of `length`. transfer() hands the old memory back at once, where a copy
 * leaves it to the collector, and a build grows thousands of samples at a time; runtimes without
 * it (Node 20) copy.
 */
function resized(values: Float64Array<ArrayBuffer>, length: number): Float64Array<ArrayBuffer> {
  const buffer = values.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (typeof buffer.transfer === "function") return new Float64Array(buffer.transfer(length * 8));
  const copy = new Float64Array(length);
  copy.set(values.subarray(0, Math.min(length, values.length)));
  return copy;
}

/** The k-th smallest of the union of two ascending arrays, by binary search over the split. */
function kthOfTwo(a: Float64Array, b: Float64Array, k: number): number {
  if (a.length > b.length) return kthOfTwo(b, a, k);
  // Take i from a and k+1-i from b; find the i where the largest taken is the k-th.
  let lo = Math.max(0, k + 1 - b.length);
  let hi = Math.min(k + 1, a.length);
  while (lo < hi) {
    const i = (lo + hi) >> 1;
    const j = k + 1 - i;
    if ((a[i] as number) < (b[j - 1] as number)) lo = i + 1;
    else hi = i;
  }
  const i = lo;
  const j = k + 1 - i;
  const fromA = i > 0 ? (a[i - 1] as number) : -Infinity;
  const fromB = j > 0 ? (b[j - 1] as number) : -Infinity;
  return Math.max(fromA, fromB);
}

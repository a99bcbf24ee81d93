/** Keeps the first `size` items in a given order out of a stream, in O(size) memory and
 * O(log size) per item: a binary heap whose root is the worst item kept. Items are row
 * positions unless said otherwise. */
export class BoundedHeap<T = number> {
  private readonly heap: T[] = [];
  constructor(
    private readonly size: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}

  offer(item: T): void {
    if (this.size <= 0) return;
    const h = this.heap;
    if (h.length < this.size) {
      h.push(item);
      let i = h.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.compare(h[i] as T, h[parent] as T) <= 0) break;
        [h[i], h[parent]] = [h[parent] as T, h[i] as T];
        i = parent;
      }
    } else if (this.compare(item, h[0] as T) < 0) {
      h[0] = item;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let worst = i;
        if (l < h.length && this.compare(h[l] as T, h[worst] as T) > 0) worst = l;
        if (r < h.length && this.compare(h[r] as T, h[worst] as T) > 0) worst = r;
        if (worst === i) break;
        [h[i], h[worst]] = [h[worst] as T, h[i] as T];
        i = worst;
      }
    }
  }

  /** The items kept, best first. */
  sorted(): T[] {
    return [...this.heap].sort(this.compare);
  }
}

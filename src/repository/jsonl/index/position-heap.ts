/** The best `size` positions by a comparator, worst at the root. */
export class PositionHeap {
  private readonly heap: number[] = [];
  constructor(
    private readonly size: number,
    private readonly compare: (a: number, b: number) => number,
  ) {}

  offer(p: number): void {
    const h = this.heap;
    if (h.length < this.size) {
      h.push(p);
      let i = h.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.compare(h[i] as number, h[parent] as number) <= 0) break;
        [h[i], h[parent]] = [h[parent] as number, h[i] as number];
        i = parent;
      }
    } else if (this.compare(p, h[0] as number) < 0) {
      h[0] = p;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let worst = i;
        if (l < h.length && this.compare(h[l] as number, h[worst] as number) > 0) worst = l;
        if (r < h.length && this.compare(h[r] as number, h[worst] as number) > 0) worst = r;
        if (worst === i) break;
        [h[i], h[worst]] = [h[worst] as number, h[i] as number];
        i = worst;
      }
    }
  }

  sorted(): number[] {
    return [...this.heap].sort(this.compare);
  }
}

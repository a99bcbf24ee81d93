/**
 * A sum of floating-point numbers that does not depend on the order they are added in: the
 * exact sum is kept as non-overlapping partials (Shewchuk's algorithm, as in Python's
 * math.fsum) and rounded once when read. A plain running sum of the same durations read from a
 * shuffled file would differ in the last digits from the sorted file's.
 */
export class ExactSum {
  private readonly partials: number[] = [];

  add(value: number): void {
    let x = value;
    let i = 0;
    const p = this.partials;
    for (let j = 0; j < p.length; j++) {
      let y = p[j] as number;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    p.push(x);
  }

  /** The exact sum, correctly rounded (half to even). */
  value(): number {
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    n -= 1;
    let hi = p[n] as number;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      n -= 1;
      const y = p[n] as number;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half-even when the rest of the partials push the remainder past a half.
    if (n > 0 && ((lo < 0 && (p[n - 1] as number) < 0) || (lo > 0 && (p[n - 1] as number) > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}

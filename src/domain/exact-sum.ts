/**
 * A sum of floating-point numbers that does not depend on the order they are added in: the
 * exact sum is kept and rounded once when read. Usually it fits in two doubles (hi + lo, by
 * error-free TwoSum steps); when it no longer does, it moves to Shewchuk's partials (as in
 * Python's math.fsum), which hold any exact sum. A plain running sum of the durations read
 * from a shuffled file differs in the last digits from the sorted file's.
 */
export class ExactSum {
  private hi = 0;
  private lo = 0;
  private partials: number[] | null = null;

  add(x: number): void {
    if (this.partials) {
      addPartial(this.partials, x);
      return;
    }
    // hi + x = s + e exactly, then lo + e = t + f exactly.
    const s = this.hi + x;
    const sb = s - this.hi;
    const e = this.hi - (s - sb) + (x - sb);
    const t = this.lo + e;
    const tb = t - this.lo;
    const f = this.lo - (t - tb) + (e - tb);
    if (f !== 0 || !Number.isFinite(s)) {
      // Two doubles no longer hold the exact sum s + t + f.
      this.partials = [];
      for (const part of [s, t, f]) addPartial(this.partials, part);
      return;
    }
    // Renormalize: hi becomes the correctly rounded sum, lo the exact rest.
    this.hi = s + t;
    const hb = this.hi - s;
    this.lo = s - (this.hi - hb) + (t - hb);
  }

  /** The exact sum, correctly rounded (half to even). */
  value(): number {
    return this.partials ? roundPartials(this.partials) : this.hi;
  }
}

function addPartial(p: number[], value: number): void {
  let x = value;
  let i = 0;
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

function roundPartials(p: readonly number[]): number {
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

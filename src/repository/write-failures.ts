/** Why a write failed, as a short stable label for metrics: an errno code (ENOSPC, EACCES,
 * EROFS, EIO, ...), an error's own code, or "other". */
export function failureCause(error: unknown): string {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_-]{1,40}$/.test(code)) return code;
    if (typeof code === "number") return `E${code}`;
  }
  return "other";
}

/**
 * Counts a store's write failures by cause and remembers the current one: from a failure until
 * the next write (or probe) succeeds, the store's writes are failing and /health says so.
 */
export class WriteFailures {
  private readonly counts = new Map<string, number>();
  private failing: { cause: string; reason: string } | null = null;

  record(cause: string, reason: string): void {
    this.counts.set(cause, (this.counts.get(cause) ?? 0) + 1);
    this.failing = { cause, reason };
  }

  /** Writes work again; true when they had been failing. */
  succeeded(): boolean {
    const was = this.failing !== null;
    this.failing = null;
    return was;
  }

  /** The current failure, or null while writes work. */
  get current(): { cause: string; reason: string } | null {
    return this.failing;
  }

  /** Failures so far by cause. */
  totals(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

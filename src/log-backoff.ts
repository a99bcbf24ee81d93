import type { LogFields, Logger } from "./logger.ts";

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 60_000;

/**
 * One recurring problem's log: the first occurrence is logged at once, repeats of the same
 * problem at most after 1 s, 2 s, 4 s, ... up to once a minute (with how often it happened
 * meanwhile), a different problem at once, and the recovery once.
 */
export class BackoffLog {
  private key: string | null = null;
  private occurrences = 0;
  private unlogged = 0;
  private delay = FIRST_DELAY_MS;
  private nextAt = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a problem is being reported (no recovery since). */
  get active(): boolean {
    return this.key !== null;
  }

  /** Reports an occurrence; `key` tells one problem from another (default: message and fields). */
  report(level: "warn" | "error", message: string, fields: LogFields = {}, key = `${message}\u0000${JSON.stringify(fields)}`): void {
    const now = this.now();
    this.occurrences += 1;
    if (key !== this.key) {
      this.key = key;
      this.occurrences = 1;
      this.unlogged = 0;
      this.delay = FIRST_DELAY_MS;
      this.nextAt = now + this.delay;
      this.logger[level](message, fields);
      return;
    }
    if (now < this.nextAt) {
      this.unlogged += 1;
      return;
    }
    this.logger[level](message, { ...fields, repeated: this.unlogged + 1, occurrences: this.occurrences });
    this.unlogged = 0;
    this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
    this.nextAt = now + this.delay;
  }

  /** The problem is over: logs `message` once, if a problem was being reported. */
  recover(message: string, fields: LogFields = {}): void {
    if (this.key === null) return;
    this.logger.info(message, { ...fields, occurrences: this.occurrences });
    this.key = null;
    this.occurrences = 0;
    this.unlogged = 0;
  }
}

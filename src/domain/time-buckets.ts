import type { HistoryBucketSize } from "./pipeline-stats.ts";

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone.length <= 64;
  } catch {
    return false;
  }
}

/** A formatter of an instant's wall-clock fields in `zone`, 24-hour, from which its offset follows. */
export const wallClockFormat = (zone: string) =>
  new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Assigns instants to hour, day or ISO-week buckets in a time zone. Zone offsets change only at
 * transitions, so the offset is computed once per UTC hour and cached: bucketing a million runs
 * costs a few thousand Intl calls, not a million.
 */
export class TimeBuckets {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(
    readonly zone: string,
    readonly size: HistoryBucketSize,
  ) {
    this.format = wallClockFormat(zone);
  }

  /** The zone's offset from UTC (ms) at an instant. */
  offsetAt(utcMs: number): number {
    const hour = Math.floor(utcMs / HOUR_MS);
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      const parts = Object.fromEntries(this.format.formatToParts(new Date(hour * HOUR_MS)).map((p) => [p.type, p.value]));
      const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
      offset = wall - hour * HOUR_MS;
      this.offsets.set(hour, offset);
    }
    return offset;
  }

  /** The bucket an instant falls in, as the bucket's start in local wall-clock ms (UTC-based). */
  bucketOf(utcMs: number): number {
    const local = utcMs + this.offsetAt(utcMs);
    if (this.size === "hour") return Math.floor(local / HOUR_MS) * HOUR_MS;
    const day = Math.floor(local / DAY_MS) * DAY_MS;
    if (this.size === "day") return day;
    // ISO weeks start on Monday; 1970-01-01 was a Thursday.
    const weekday = (Math.floor(local / DAY_MS) + 3) % 7;
    return day - ((weekday + 7) % 7) * DAY_MS;
  }

  /** A bucket start (local wall-clock ms) as ISO 8601 with the zone's offset at that moment. */
  label(localMs: number): string {
    // The offset at the wall-clock time: try the offset of the instant it would be in UTC first.
    let offset = this.offsetAt(localMs);
    offset = this.offsetAt(localMs - offset);
    const sign = offset < 0 ? "-" : "+";
    const abs = Math.abs(offset) / 60_000;
    const hh = String(Math.floor(abs / 60)).padStart(2, "0");
    const mm = String(abs % 60).padStart(2, "0");
    return `${new Date(localMs).toISOString().slice(0, 19)}${sign}${hh}:${mm}`;
  }
}

import { wallClockFormat } from "../../../src/domain/time-buckets.ts";

/**
 * SQLite has no time zones. To execute the Oracle store's `col AT TIME ZONE :zone` the fake
 * driver replaces it with a CASE over the zone's UTC offsets, found here from Intl (the IANA data
 * the runtime ships, independent of the process's TZ): one WHEN per transition between FIRST_YEAR
 * and LAST_YEAR. Instants outside that range get the nearest offset in it.
 */
const FIRST_YEAR = 1970;
const LAST_YEAR = 2100;
const DAY = 86_400;

/** A change of offset: from `at` (epoch seconds, UTC) on, the zone is `offset` seconds from UTC. */
interface Transition {
  at: number;
  offset: number;
}

function offsetAt(format: Intl.DateTimeFormat, epochSeconds: number): number {
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(new Date(epochSeconds * 1000))) parts[part.type] = part.value;
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall / 1000 - epochSeconds;
}

const cache = new Map<string, { initial: number; transitions: Transition[] }>();

/** The zone's offset before FIRST_YEAR and every transition after it: a daily scan, then a
 * bisection to the second within the day that changed. Throws RangeError for an unknown zone. */
export function zoneTransitions(zone: string): { initial: number; transitions: Transition[] } {
  const cached = cache.get(zone);
  if (cached) return cached;
  const format = wallClockFormat(zone);
  const start = Date.UTC(FIRST_YEAR, 0, 1) / 1000;
  const end = Date.UTC(LAST_YEAR, 0, 1) / 1000;
  const initial = offsetAt(format, start);
  const transitions: Transition[] = [];
  let previous = initial;
  for (let t = start + DAY; t <= end; t += DAY) {
    const offset = offsetAt(format, t);
    if (offset === previous) continue;
    let lo = t - DAY;
    let hi = t;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(format, mid) === previous) lo = mid;
      else hi = mid;
    }
    transitions.push({ at: hi, offset });
    previous = offset;
  }
  const result = { initial, transitions };
  cache.set(zone, result);
  return result;
}

/**
 * SQLite for the wall-clock text of `column` (UTC text) in `zone`: `datetime(column, '<n> seconds')`
 * with n chosen by a CASE on the instant. The SQL holds numbers only (unixepoch() truncates the
 * fraction, and every transition is at a whole second), no literal with a colon in it.
 */
export function wallClockSql(column: string, zone: string): string {
  const { initial, transitions } = zoneTransitions(zone);
  const modifier = (offset: number) => `'${offset >= 0 ? "+" : ""}${offset} seconds'`;
  if (transitions.length === 0) return `datetime(${column}, ${modifier(initial)})`;
  const whens = [];
  let offset = initial;
  for (const transition of transitions) {
    whens.push(`WHEN unixepoch(${column}) < ${transition.at} THEN ${modifier(offset)}`);
    offset = transition.offset;
  }
  return `datetime(${column}, CASE ${whens.join(" ")} ELSE ${modifier(offset)} END)`;
}

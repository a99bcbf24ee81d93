/**
 * Date-time parsing shared by request validation and the JSONL reader.
 *
 * The original service accepted Python `datetime` values: "YYYY-MM-DD HH:MM:SS" or with "T",
 * an optional fraction and an optional "Z" or ±HH:MM offset. We accept exactly those forms and
 * reject impossible calendar dates (2025-02-30) instead of rolling them over as `Date` would.
 */

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

export interface ParsedDateTime {
  /** Wall-clock text as given, normalised to "YYYY-MM-DDTHH:MM:SS[.fff]". */
  readonly local: string;
  /** Microseconds since the epoch, treating a value without offset as UTC. */
  readonly epochMicros: number;
  /** The instant as "YYYY-MM-DDTHH:MM:SS[.fff]Z". */
  readonly utc: string;
  readonly hasOffset: boolean;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Parses a date-time; `null` when the text is not one of the accepted forms or not a real date. */
export function parseDateTime(text: string, options: { allowDateOnly?: boolean } = {}): ParsedDateTime | null {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return null;
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  if (hs === undefined && !options.allowDateOnly) return null;
  if (hs !== undefined && ss === undefined) return null;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs ?? 0);
  const minute = Number(mis ?? 0);
  const second = Number(ss ?? 0);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;

  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return null;
    offsetMinutes = sign * (oh * 60 + om);
  }

  const fraction = frac ? `.${frac}` : "";
  const micros = frac ? Math.floor(Number(`0.${frac}`) * 1e6 + 1e-6) : 0;
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear undoes that.
  const wall = new Date(wallMs);
  wall.setUTCFullYear(year);
  const utcMs = wall.getTime() - offsetMinutes * 60_000;
  const u = new Date(utcMs);
  const local = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}`;
  const utc =
    `${pad(u.getUTCFullYear(), 4)}-${pad(u.getUTCMonth() + 1)}-${pad(u.getUTCDate())}` +
    `T${pad(u.getUTCHours())}:${pad(u.getUTCMinutes())}:${pad(u.getUTCSeconds())}${fraction}Z`;
  return { local, epochMicros: utcMs * 1000 + micros, utc, hasOffset: Boolean(zone) };
}

/** Formats epoch microseconds as an ISO 8601 UTC instant; the fraction only when non-zero. */
export function formatEpochMicros(epochMicros: number): string {
  const ms = Math.floor(epochMicros / 1000);
  const micros = epochMicros - ms * 1000 + (ms % 1000) * 1000;
  const base = new Date(ms - (ms % 1000)).toISOString().slice(0, 19);
  if (micros === 0) return `${base}Z`;
  return `${base}.${String(micros).padStart(6, "0").replace(/0+$/, "")}Z`;
}

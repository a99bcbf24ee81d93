/**
 * Date-time parsing shared by request validation and the JSONL reader.
 *
 * The original service accepted Python `datetime` values: "YYYY-MM-DD HH:MM:SS" or with "T",
 * an optional fraction and an optional "Z" or ±HH:MM offset; as RFC 3339 allows, "t" and "z"
 * may be lowercase. We accept exactly those forms and
 * reject impossible calendar dates (2025-02-30) instead of rolling them over as `Date` would.
 */

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** DATE_TIME with a time required, as a JSON Schema pattern: what the OpenAPI document states.
 * It cannot say "a real calendar date"; the descriptions do. */
export const DATE_TIME_PATTERN = "^\\s*\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}([.,]\\d{1,9})?\\s*([Zz]|[+-]\\d{2}(:?\\d{2})?)?\\s*$";

export interface ParsedDateTime {
  /** Wall-clock text as given, normalised to "YYYY-MM-DDTHH:MM:SS[.fff]". */
  readonly local: string;
  /** Microseconds since the epoch, treating a value without offset as UTC. */
  readonly epochMicros: number;
  /** The instant as "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (see formatUtcMicros). */
  readonly utc: string;
  readonly hasOffset: boolean;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const CUMULATIVE_DAYS = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

const digit = (text: string, at: number) => {
  const d = text.charCodeAt(at) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
};
const two = (text: string, at: number) => digit(text, at) * 10 + digit(text, at + 1);

/**
 * Epoch microseconds of the forms almost every line holds ("2025-08-15T05:49:07Z",
 * "2025-08-14 22:49:07", "...+00:00"), computed without a regex, a Date or a string: index builds
 * call this millions of times. NaN for anything else, which then takes the general path.
 */
export function commonFormMicros(text: string): number {
  const n = text.length;
  if (n !== 19 && n !== 20 && n !== 25) return Number.NaN;
  const sep = text.charCodeAt(10);
  if ((sep !== 84 && sep !== 32) || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return Number.NaN;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return Number.NaN;
  if (n === 20 && text.charCodeAt(19) !== 90) return Number.NaN;
  if (n === 25 && !text.endsWith("+00:00")) return Number.NaN;
  const year = two(text, 0) * 100 + two(text, 2);
  const month = two(text, 5);
  const day = two(text, 8);
  const hour = two(text, 11);
  const minute = two(text, 14);
  const second = two(text, 17);
  // NaN fails every comparison, so non-digits fall through to the general parser.
  if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59)) return Number.NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const dim = month === 2 ? (leap ? 29 : 28) : (DAYS_IN_MONTH[month - 1] as number);
  if (day > dim) return Number.NaN;
  const y = year - 1;
  const days =
    y * 365 + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) - 719162 +
    (CUMULATIVE_DAYS[month - 1] as number) + (leap && month > 2 ? 1 : 0) + day - 1;
  return (days * 86400 + hour * 3600 + minute * 60 + second) * 1_000_000;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function parseCommon(text: string): ParsedDateTime | undefined {
  const epochMicros = commonFormMicros(text);
  if (Number.isNaN(epochMicros)) return undefined;
  const local = text.charCodeAt(10) === 84 ? text.slice(0, 19) : `${text.slice(0, 10)}T${text.slice(11, 19)}`;
  return { local, epochMicros, utc: `${local}Z`, hasOffset: text.length !== 19 };
}

/** Parses a date-time; `null` when the text is not one of the accepted forms or not a real date. */
export function parseDateTime(text: string, options: { allowDateOnly?: boolean } = {}): ParsedDateTime | null {
  const common = parseCommon(text);
  if (common) return common;
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
  const local = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}`;
  const epochMicros = utcMs * 1000 + micros;
  return { local, epochMicros, utc: formatUtcMicros(epochMicros), hasOffset: Boolean(zone) };
}

/** Formats epoch microseconds as the canonical UTC text: "YYYY-MM-DDTHH:MM:SS[.ffffff]Z", the
 * fraction to microseconds without trailing zeros. Every stored start_utc/end_utc has this form. */
export function formatUtcMicros(epochMicros: number): string {
  const ms = Math.floor(epochMicros / 1000);
  const rest = Math.round(epochMicros - ms * 1000);
  const iso = new Date(ms).toISOString();
  const fraction = `${iso.slice(20, 23)}${String(rest).padStart(3, "0")}`.replace(/0+$/, "");
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ""}Z`;
}

/**
 * Date-time parsing shared by request validation and the JSONL reader.
 *
 * The original service accepted Python `datetime` values: "YYYY-MM-DD HH:MM:SS" or with "T",
 * an optional fraction and an optional "Z" or ±HH:MM offset; as RFC 3339 allows, "t" and "z"
 * may be lowercase. We accept exactly those forms and
 * reject impossible calendar dates (2025-02-30) instead of rolling them over as `Date` would.
 */

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

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
  /** The fraction has digits past microseconds that are not zero; `utc` dropped them. */
  readonly beyondMicros?: boolean;
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
  return commonFormMicrosAt(text, 0, text.length);
}

/** commonFormMicros of text[from, from + n), read in place (the build scans lines without
 * cutting their values out). */
export function commonFormMicrosAt(text: string, from: number, n: number): number {
  if (n !== 19 && n !== 20 && n !== 25) return Number.NaN;
  const sep = text.charCodeAt(from + 10);
  if ((sep !== 84 && sep !== 32) || text.charCodeAt(from + 4) !== 45 || text.charCodeAt(from + 7) !== 45) return Number.NaN;
  if (text.charCodeAt(from + 13) !== 58 || text.charCodeAt(from + 16) !== 58) return Number.NaN;
  if (n === 20 && text.charCodeAt(from + 19) !== 90) return Number.NaN;
  if (n === 25 && !text.startsWith("+00:00", from + 19)) return Number.NaN;
  const year = two(text, from) * 100 + two(text, from + 2);
  const month = two(text, from + 5);
  const day = two(text, from + 8);
  const hour = two(text, from + 11);
  const minute = two(text, from + 14);
  const second = two(text, from + 17);
  // NaN fails every comparison, so non-digits fall through to the general parser.
  if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59)) return Number.NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const dim = month === 2 ? (leap ? 29 : 28) : (DAYS_IN_MONTH[month - 1] as number);
  if (day > dim) return Number.NaN;
  const y = year - 1;
  const days =
    y * 365 +
    Math.floor(y / 4) -
    Math.floor(y / 100) +
    Math.floor(y / 400) -
    719162 +
    (CUMULATIVE_DAYS[month - 1] as number) +
    (leap && month > 2 ? 1 : 0) +
    day -
    1;
  return (days * 86400 + hour * 3600 + minute * 60 + second) * 1_000_000;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const byteDigit = (bytes: Uint8Array, at: number) => {
  const d = (bytes[at] as number) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
};
const byteTwo = (bytes: Uint8Array, at: number) => byteDigit(bytes, at) * 10 + byteDigit(bytes, at + 1);

/**
 * Whether the ASCII text at bytes[from, from + length) is one commonFormMicros accepts (not
 * NaN), judged on the bytes: readers that copy stored lines check their date-times this way
 * without making strings of them. A test holds the two to the same answers.
 */
export function isCommonForm(bytes: Uint8Array, from: number, length: number): boolean {
  if (length !== 19 && length !== 20 && length !== 25) return false;
  if (from + length > bytes.length) return false;
  const sep = bytes[from + 10];
  if ((sep !== 84 && sep !== 32) || bytes[from + 4] !== 45 || bytes[from + 7] !== 45) return false;
  if (bytes[from + 13] !== 58 || bytes[from + 16] !== 58) return false;
  if (length === 20 && bytes[from + 19] !== 90) return false;
  if (length === 25) {
    const zone = [43, 48, 48, 58, 48, 48]; // "+00:00"
    for (let i = 0; i < 6; i++) if (bytes[from + 19 + i] !== zone[i]) return false;
  }
  const year = byteTwo(bytes, from) * 100 + byteTwo(bytes, from + 2);
  const month = byteTwo(bytes, from + 5);
  const day = byteTwo(bytes, from + 8);
  const hour = byteTwo(bytes, from + 11);
  const minute = byteTwo(bytes, from + 14);
  const second = byteTwo(bytes, from + 17);
  if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59)) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const dim = month === 2 ? (leap ? 29 : 28) : (DAYS_IN_MONTH[month - 1] as number);
  return day <= dim;
}

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
  // From the digits, not from a float: 0.123457 * 1e6 is 123456.99999999999.
  const micros = frac ? Number(frac.slice(0, 6).padEnd(6, "0")) : 0;
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day);
  wall.setUTCHours(hour, minute, second, Math.floor(micros / 1000));
  const utcMs = wall.getTime() - offsetMinutes * 60_000;
  const instant = new Date(utcMs);
  const utcYear = instant.getUTCFullYear();
  // An offset can carry an instant out of 0001-9999, which no store can hold as RFC 3339 text.
  if (utcYear < 1 || utcYear > 9999) return null;
  const subMillis = micros % 1000;
  const local = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}`;
  return {
    local,
    epochMicros: utcMs * 1000 + subMillis,
    utc: utcText(instant, subMillis),
    hasOffset: Boolean(zone),
    ...(frac !== undefined && /[1-9]/.test(frac.slice(6)) ? { beyondMicros: true } : {}),
  };
}

/** "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" of an instant of years 0001-9999 plus 0-999 microseconds. */
function utcText(instant: Date, subMillis: number): string {
  const iso = instant.toISOString();
  const fraction = `${iso.slice(20, 23)}${pad(subMillis, 3)}`.replace(/0+$/, "");
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ""}Z`;
}

/** Epoch microseconds of 0001-01-01T00:00:00Z and of 10000-01-01T00:00:00Z: the float nearest
 * 9999-12-31T23:59:59.999999Z is the latter, so both name the end of the range. */
const MIN_MICROS = -62_135_596_800_000_000;
const MAX_MICROS = 253_402_300_800_000_000;

/**
 * Formats epoch microseconds as the canonical UTC text: "YYYY-MM-DDTHH:MM:SS[.ffffff]Z", the
 * fraction to microseconds without trailing zeros. Every stored start_utc/end_utc has this form.
 *
 * A float holds every microsecond only from 1684 to 2255 (2^53 us around the epoch); outside,
 * a number is within 32 us of the instant it stands for, so stored records keep their text and
 * never pass through this. The result stays within 0001-9999 (a number rounded past the last
 * microsecond of 9999 is that microsecond).
 */
export function formatUtcMicros(epochMicros: number): string {
  if (epochMicros >= MAX_MICROS) return "9999-12-31T23:59:59.999999Z";
  const clamped = Math.max(epochMicros, MIN_MICROS);
  const ms = Math.floor(clamped / 1000);
  const rest = Math.min(999, Math.max(0, Math.round(clamped - ms * 1000)));
  return utcText(new Date(ms), rest);
}

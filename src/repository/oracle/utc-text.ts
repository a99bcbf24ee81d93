import { parseDateTime } from "../../domain/datetime.ts";

/**
 * UTC instants cross the wire as fixed-width text, "YYYY-MM-DDTHH:MM:SS.fffffffff" (UTC wall
 * clock, nine fraction digits), and are converted to TIMESTAMP WITH TIME ZONE at +00:00 inside the
 * SQL. No JavaScript Date is involved, so neither the service's TZ nor the session time zone can
 * shift a value, and fractions keep every digit the service has: instants are canonical to
 * microseconds (formatUtcMicros), padded here to nine (a Date bind would cut them to milliseconds).
 */
const UTC_MASK = `'YYYY-MM-DD"T"HH24:MI:SS.FF9'`;

/** SQL turning a bind holding UTC text into a TIMESTAMP WITH TIME ZONE at +00:00. */
export const utcIn = (bind: string) => `FROM_TZ(TO_TIMESTAMP(${bind}, ${UTC_MASK}), '+00:00')`;

/** SQL reading a TIMESTAMP WITH TIME ZONE expression back as UTC text. */
export const utcOut = (expression: string) => `TO_CHAR(SYS_EXTRACT_UTC(${expression}), ${UTC_MASK})`;

/** The bind text for an instant in any accepted form: "2025-08-15T05:49:07.25Z" ->
 * "2025-08-15T05:49:07.250000000". */
export function utcBindText(instant: string): string {
  const utc = parseDateTime(instant)?.utc;
  const m = utc === undefined ? null : /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(utc);
  if (!m) throw new Error(`not an instant: ${instant.slice(0, 64)}`);
  return `${m[1]}.${(m[2] ?? "").padEnd(9, "0")}`;
}

/** The API form of UTC text read back: "2025-08-15T05:49:07.250000000" -> "2025-08-15T05:49:07.25Z";
 * the fraction only when it is not zero, as the other stores write it. */
export function utcFromText(text: string): string {
  const m = /^(.{19})(?:\.(\d*))?$/.exec(text);
  if (!m) throw new Error(`unexpected timestamp text from the database: ${text.slice(0, 64)}`);
  const fraction = (m[2] ?? "").replace(/0+$/, "");
  return fraction ? `${m[1]}.${fraction}Z` : `${m[1]}Z`;
}

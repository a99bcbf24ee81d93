import { commonFormMicrosAt, parseDateTime } from "./datetime.ts";
import { FIELD_NAMES } from "./pipeline-info.ts";
import type { RunKeys } from "./run-decoder.ts";
import { identityHashIn } from "./run-identity.ts";

/**
 * What precedes each field's value in the line the service writes itself (JSON.stringify of a
 * stored run): `{"start_local":`, `,"end_local":`, ... in FIELD_NAMES order.
 */
const KEY_TOKENS = FIELD_NAMES.map((name, i) => `${i === 0 ? "{" : ","}"${name}":`);
const [
  START_LOCAL,
  END_LOCAL,
  START_UTC,
  END_UTC,
  ELAPSED,
  ELAPSED_HUMAN,
  OUTPUT_FILE,
  ROWCOUNT,
  LOG_FILE,
  PID,
  DATE_CODE,
  PIPELINE,
  SCRIPT,
  TYPE,
  ENVIRONMENT,
] = KEY_TOKENS as [string, string, string, string, string, string, string, string, string, string, string, string, string, string, string];

const QUOTE = 34;
const BACKSLASH = 92;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
/** Decimal digits a mantissa may have here: below 2^53, so it and its value are exact. */
const MAX_DIGITS = 15;
const POW10 = Array.from({ length: MAX_DIGITS + 1 }, (_, k) => 10 ** k);

/**
 * A cursor over one line: each read moves `at` past what it read, or returns a miss (-1 / NaN /
 * false) when the text is not in the plain form it expects.
 */
class Cursor {
  at = 0;
  end = 0;
  constructor(public text = "") {}

  /** Whether the key token is next; a loop of charCodeAt, which compiles to loads, where
   * startsWith is a call into the runtime per key. */
  key(token: string): boolean {
    const { text, at } = this;
    const n = token.length;
    if (at + n > this.end) return false;
    for (let i = 0; i < n; i++) if (text.charCodeAt(at + i) !== token.charCodeAt(i)) return false;
    this.at = at + n;
    return true;
  }

  /** A string value without escapes or control characters: the index after its closing quote
   * (its text is text[start + 1, result - 1)), or -1. */
  plainString(): number {
    const { text, end } = this;
    let i = this.at;
    if (text.charCodeAt(i) !== QUOTE) return -1;
    for (i++; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.at = i + 1;
        return i + 1;
      }
      // An escape needs JSON.parse; a raw control character is invalid JSON.
      if (c === BACKSLASH || c < 0x20) return -1;
    }
    return -1;
  }

  /** A JSON number of the form -?(0|[1-9][0-9]*)(.[0-9]+)? with at most MAX_DIGITS digits, as
   * JSON.parse reads it; NaN for anything else (exponents, long mantissas, invalid forms).
   * `integer` refuses a fraction. */
  number(integer: boolean): number {
    const { text, end } = this;
    let i = this.at;
    const negative = text.charCodeAt(i) === MINUS;
    if (negative) i++;
    const first = i;
    let mantissa = 0;
    let c = i < end ? text.charCodeAt(i) : -1;
    while (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      c = ++i < end ? text.charCodeAt(i) : -1;
    }
    const intDigits = i - first;
    // JSON has no leading zeros ("012") and no bare sign.
    if (intDigits === 0 || (intDigits > 1 && text.charCodeAt(first) === ZERO)) return Number.NaN;
    let fraction = 0;
    if (c === DOT) {
      if (integer) return Number.NaN;
      const from = ++i;
      c = i < end ? text.charCodeAt(i) : -1;
      while (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        c = ++i < end ? text.charCodeAt(i) : -1;
      }
      fraction = i - from;
      if (fraction === 0) return Number.NaN;
    }
    if (intDigits + fraction > MAX_DIGITS) return Number.NaN;
    this.at = i;
    // Both operands are exact, and IEEE division rounds correctly: the double nearest the
    // decimal, which is what JSON.parse gives.
    const magnitude = fraction === 0 ? mantissa : mantissa / (POW10[fraction] as number);
    return negative ? -magnitude : magnitude;
  }
}

const cursor = new Cursor();

/** A date-time string value in one of the common forms: its epoch micros (NaN otherwise); the
 * value's text is text[cursor.at - n - 1, cursor.at - 1). */
function dateValue(): number {
  const from = cursor.at + 1;
  const after = cursor.plainString();
  return after === -1 ? Number.NaN : commonFormMicrosAt(cursor.text, from, after - 1 - from);
}

/** A label value: the string, null for `null`, undefined when neither in plain form. */
function labelValue(): string | null | undefined {
  const text = cursor.text;
  const at = cursor.at;
  if (
    text.charCodeAt(at) === 110 &&
    text.charCodeAt(at + 1) === 117 &&
    text.charCodeAt(at + 2) === 108 &&
    text.charCodeAt(at + 3) === 108 &&
    at + 4 <= cursor.end
  ) {
    cursor.at += 4;
    return null;
  }
  const from = cursor.at + 1;
  const after = cursor.plainString();
  return after === -1 ? undefined : text.slice(from, after - 1);
}

/**
 * The index's keys of the line text[from, to) when it is a run in the form the service writes
 * (every field in FIELD_NAMES order, no whitespace, strings without escapes, plain numbers,
 * date-times in the common forms, a pipeline_name that is a string); undefined for any other
 * line, which must then be decoded in full (JSON.parse + decodeRunKeys). For every line it
 * reads, the keys are exactly decodeRunKeys(JSON.parse(line))'s, as a property test checks.
 */
export function scanRunKeys(text: string, from: number, to: number): RunKeys | undefined {
  cursor.text = text;
  cursor.at = from;
  cursor.end = to;
  if (!cursor.key(START_LOCAL)) return undefined;
  const startLocalMicros = dateValue();
  if (Number.isNaN(startLocalMicros) || !cursor.key(END_LOCAL) || Number.isNaN(dateValue())) return undefined;
  if (!cursor.key(START_UTC)) return undefined;
  const startUtcFrom = cursor.at + 1;
  const startMicros = dateValue();
  const startUtcTo = cursor.at - 1;
  if (Number.isNaN(startMicros) || !cursor.key(END_UTC)) return undefined;
  const endMicros = dateValue();
  if (Number.isNaN(endMicros) || !cursor.key(ELAPSED)) return undefined;
  const elapsed = cursor.number(false);
  if (Number.isNaN(elapsed) || !cursor.key(ELAPSED_HUMAN) || cursor.plainString() === -1) return undefined;
  if (!cursor.key(OUTPUT_FILE) || cursor.plainString() === -1 || !cursor.key(ROWCOUNT)) return undefined;
  const rowcount = cursor.number(true);
  if (Number.isNaN(rowcount) || !cursor.key(LOG_FILE) || cursor.plainString() === -1 || !cursor.key(PID)) return undefined;
  const pid = cursor.number(true);
  if (Number.isNaN(pid) || !cursor.key(DATE_CODE)) return undefined;
  const codeFrom = cursor.at + 1;
  const codeAfter = cursor.plainString();
  if (codeAfter === -1 || !cursor.key(PIPELINE)) return undefined;
  const nameFrom = cursor.at + 1;
  // A missing name is inferred from the paths: the full decode does that.
  const pipelineName = labelValue();
  if (typeof pipelineName !== "string") return undefined;
  const nameTo = cursor.at - 1;
  if (!cursor.key(SCRIPT)) return undefined;
  const script = labelValue();
  if (script === undefined || !cursor.key(TYPE)) return undefined;
  const type = labelValue();
  if (type === undefined || !cursor.key(ENVIRONMENT)) return undefined;
  const environment = labelValue();
  if (environment === undefined || cursor.at !== to - 1 || text.charCodeAt(cursor.at) !== 125) return undefined;
  const startUtcText = text.slice(startUtcFrom, startUtcTo);
  return {
    startMicros,
    endMicros,
    // The common forms have no offset or a zero one: their micros are the wall clock's.
    startLocalMicros,
    identity: identityHashIn(text, nameFrom, nameTo, text, codeFrom, codeAfter - 1, pid),
    elapsed,
    rowcount,
    // The common UTC form with T and Z is canonical as it is.
    startUtc: startUtcText.length === 20 && startUtcText.charCodeAt(10) === 84 ? startUtcText : (parseDateTime(startUtcText) as { utc: string }).utc,
    labels: [pipelineName, script, type, environment],
  };
}

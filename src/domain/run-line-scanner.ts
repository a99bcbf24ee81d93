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

  /** A string value: the index after its closing quote (its text is text[start + 1, result - 1)),
   * or -1. Only for a line `clean` has passed, where the next quote closes the string. */
  plainString(): number {
    const { text, at } = this;
    if (text.charCodeAt(at) !== QUOTE) return -1;
    const close = text.indexOf('"', at + 1);
    if (close === -1 || close >= this.end) return -1;
    this.at = close + 1;
    return close + 1;
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

/** A backslash (an escape, which needs JSON.parse) or a control character (invalid in a JSON
 * string, whitespace or invalid outside). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
const UNUSUAL = /[\\\x00-\x1f]/g;

/** Whether text[from, to) holds no UNUSUAL character: one native scan instead of a loop over
 * every character of the line. */
function clean(text: string, from: number, to: number): boolean {
  UNUSUAL.lastIndex = from;
  return !UNUSUAL.test(text) || UNUSUAL.lastIndex - 1 >= to;
}

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

type Labels = [string | null, string | null, string | null, string | null];

/** The labels of the last lines by the text of their section (from pipeline_name's value to
 * the closing brace): a file has few label combinations, so most lines reuse one array and its
 * strings instead of cutting four out (and Map lookups of those strings find their hash cached). */
const sections = new Map<string, Labels>();
let sectionChars = 0;
/** Combinations and characters kept at most; past either the table starts over. */
const MAX_SECTIONS = 4096;
const MAX_SECTION_CHARS = 1 << 20;

/** A copy of a string that holds its own characters: a slice may keep the whole text it was
 * cut from alive, and the table outlives the text. */
const own = (text: string): string => JSON.parse(JSON.stringify(text)) as string;
const ownLabel = (text: string | null): string | null => (text === null ? null : own(text));

/** The four labels from pipeline_name's value at `from` to the record's closing brace at to - 1;
 * undefined unless each is plain (a string, or null but for pipeline_name, which the full decode
 * infers). The arrays are shared between lines: callers must not change them. */
function labelSection(text: string, from: number, to: number): Labels | undefined {
  if (text.charCodeAt(to - 1) !== 125) return undefined;
  const key = text.slice(from, to - 1);
  const known = sections.get(key);
  if (known) return known;
  cursor.at = from;
  // A missing name is inferred from the paths: the full decode does that.
  const pipelineName = labelValue();
  if (typeof pipelineName !== "string" || !cursor.key(SCRIPT)) return undefined;
  const script = labelValue();
  if (script === undefined || !cursor.key(TYPE)) return undefined;
  const type = labelValue();
  if (type === undefined || !cursor.key(ENVIRONMENT)) return undefined;
  const environment = labelValue();
  if (environment === undefined || cursor.at !== to - 1) return undefined;
  if (sections.size >= MAX_SECTIONS || sectionChars + key.length > MAX_SECTION_CHARS) {
    sections.clear();
    sectionChars = 0;
  }
  const labels: Labels = [own(pipelineName), ownLabel(script), ownLabel(type), ownLabel(environment)];
  sections.set(own(key), labels);
  sectionChars += key.length;
  return labels;
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
  if (!clean(text, from, to)) return undefined;
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
  const labels = labelSection(text, nameFrom - 1, to);
  if (!labels) return undefined;
  // A plain string's text is the string: the name ends where its length says.
  const nameTo = nameFrom + (labels[0] as string).length;
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
    labels,
  };
}

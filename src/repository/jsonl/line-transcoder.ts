import { isCommonForm } from "../../domain/datetime.ts";
import { FNV1A_OFFSET, fnv1aStep } from "../../domain/fnv1a.ts";
import { FIELD_NAMES } from "../../domain/pipeline-info.ts";

/**
 * Writes the canonical JSON of a stored line's run (what `JSON.stringify(decodeLine(line).run)`
 * gives) straight from the line's bytes, for lines in the one shape this can judge without
 * decoding: every field present once, in field order, no whitespace, strings of printable ASCII
 * without escapes, numbers as JSON.stringify writes them, date-times in the common forms
 * ("T" or a space; UTC ending in Z), a pipeline_name that is a string. Anything
 * else answers -1 and is left to the decoder, so the answer never depends on which path ran (a
 * test holds both to the same bytes for every shape the decoder accepts).
 *
 * Why each rule gives the decoder's bytes: such a line parses to exactly these strings and
 * numbers, the decoder's usual-shape path keeps them (local date-times only get a "T" for the
 * space, as parseDateTime's common form does), and JSON.stringify writes ASCII strings without
 * quotes or backslashes as they are and the numbers as they are (canonicalNumberEnd).
 */

const KEY_BYTES = FIELD_NAMES.map((name, i) => new TextEncoder().encode(`${i === 0 ? "{" : ","}"${name}":`));
type Kind = "local" | "utc" | "seconds" | "integer" | "text" | "label" | "name";
const KINDS: Record<string, Kind> = {
  start_local: "local",
  end_local: "local",
  start_utc: "utc",
  end_utc: "utc",
  elapsed_seconds: "seconds",
  rowcount: "integer",
  pid: "integer",
  pipeline_name: "name",
  script_name: "label",
  pipeline_type: "label",
  environment: "label",
};
const FIELD_KINDS: Kind[] = FIELD_NAMES.map((name) => KINDS[name] ?? "text");

const QUOTE = 34;
const BACKSLASH = 92;

const isDigit = (b: number | undefined) => b !== undefined && b >= 48 && b <= 57;

/**
 * End (exclusive) of a JSON number at `at` that JSON.stringify(JSON.parse(text)) writes back as
 * it is, or -1. Integers: no fraction or exponent, at most 15 digits (so safe), not "-0".
 * Seconds may have a fraction not ending in 0; with at most 15 digits in all, the double keeps
 * exactly those digits and Number#toString (the shortest text that reads back as the same
 * double) is that text, in fixed notation down to 1e-6 (so at most five zeros after "0.").
 */
function canonicalNumberEnd(line: Uint8Array, at: number, integer: boolean): number {
  let i = at;
  if (line[i] === 45) i++;
  const intStart = i;
  if (line[i] === 48) i++;
  else {
    if (!isDigit(line[i]) || line[i] === 48) return -1;
    while (isDigit(line[i])) i++;
  }
  let digits = i - intStart;
  const zeroInt = digits === 1 && line[intStart] === 48;
  if (line[i] === 46) {
    if (integer) return -1;
    i++;
    const fracStart = i;
    while (isDigit(line[i])) i++;
    if (i === fracStart || line[i - 1] === 48) return -1;
    digits += i - fracStart;
    if (zeroInt) {
      let zeros = 0;
      while (line[fracStart + zeros] === 48) zeros++;
      if (zeros > 5) return -1;
    }
  } else if (zeroInt && intStart > at) return -1; // "-0" is written "0"
  if (line[i] === 101 || line[i] === 69) return -1;
  return digits <= 15 ? i : -1;
}

/** End (exclusive, after the closing quote) of a plain ASCII string at `at`, or -1. */
function stringEnd(line: Uint8Array, at: number): number {
  if (line[at] !== QUOTE) return -1;
  for (let i = at + 1; i < line.length; i++) {
    const b = line[i] as number;
    if (b === QUOTE) return i + 1;
    if (b < 0x20 || b > 0x7e || b === BACKSLASH) return -1;
  }
  return -1;
}

const isNull = (line: Uint8Array, at: number) => line[at] === 110 && line[at + 1] === 117 && line[at + 2] === 108 && line[at + 3] === 108;

/**
 * The pipeline names of the lines copied, without a string per line: a few dozen names cover
 * millions of runs, so a name is made once per distinct byte sequence.
 */
export class NameCollector {
  private readonly byHash = new Map<number, string[]>();
  constructor(readonly names: Set<string>) {}

  /** Adds the ASCII text at line[from, to). */
  add(line: Uint8Array, from: number, to: number): void {
    let hash = FNV1A_OFFSET;
    for (let i = from; i < to; i++) hash = fnv1aStep(hash, line[i] as number);
    let bucket = this.byHash.get(hash);
    if (bucket) {
      for (const name of bucket) if (sameText(name, line, from, to)) return;
    } else {
      bucket = [];
      this.byHash.set(hash, bucket);
    }
    const name = Buffer.from(line.buffer, line.byteOffset + from, to - from).toString("latin1");
    bucket.push(name);
    this.names.add(name);
  }
}

function sameText(text: string, line: Uint8Array, from: number, to: number): boolean {
  if (text.length !== to - from) return false;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== line[from + i]) return false;
  return true;
}

/**
 * Writes the canonical JSON of `line`'s run into `out` at `at` and returns where it ends, or -1
 * (nothing meaningful written) when the line is not in the shape described above. The
 * canonical text is then the line itself, with a "T" for a space in the local date-times, so
 * `out` needs room for `line.length` bytes. `names` receives the run's pipeline_name.
 */
export function transcodeLine(line: Uint8Array, out: Uint8Array, at: number, names: NameCollector): number {
  let i = 0;
  let nameFrom = 0;
  let nameTo = 0;
  let startLocalAt = 0;
  let endLocalAt = 0;
  for (let f = 0; f < KEY_BYTES.length; f++) {
    const key = KEY_BYTES[f] as Uint8Array;
    for (let k = 0; k < key.length; k++) if (line[i + k] !== key[k]) return -1;
    const valueAt = i + key.length;
    const kind = FIELD_KINDS[f] as Kind;
    let end: number;
    if (kind === "seconds" || kind === "integer") end = canonicalNumberEnd(line, valueAt, kind === "integer");
    else if (kind === "label" && isNull(line, valueAt)) end = valueAt + 4;
    else {
      end = stringEnd(line, valueAt);
      if (end >= 0 && (kind === "local" || kind === "utc")) {
        const length = end - valueAt - 2;
        if (length !== (kind === "local" ? 19 : 20) || !isCommonForm(line, valueAt + 1, length)) return -1;
        if (kind === "utc" && line[valueAt + 11] !== 84) return -1;
        if (f === 0) startLocalAt = valueAt + 11;
        else if (kind === "local") endLocalAt = valueAt + 11;
      } else if (kind === "name") {
        nameFrom = valueAt + 1;
        nameTo = end - 1;
      }
    }
    if (end < 0) return -1;
    i = end;
  }
  if (i !== line.length - 1 || line[i] !== 125) return -1;
  out.set(line, at);
  // The common local form with a space is canonically written with a "T" (parseDateTime).
  out[at + startLocalAt] = 84;
  out[at + endLocalAt] = 84;
  names.add(line, nameFrom, nameTo);
  return at + line.length;
}

import { isAscii } from "node:buffer";
import { readSync } from "node:fs";
import type { RunKeys } from "../../domain/run-decoder.ts";
import { scanRunKeys } from "../../domain/run-line-scanner.ts";
import { CHUNK_ROWS, Chunk } from "./index/chunk.ts";
import { gatherRows } from "./index/columns.ts";
import { Labels, type LabelValues } from "./index/labels.ts";
import { runNow, stableOrder } from "./index/stable-order.ts";
import { decodeLineKeys, decodeLineKeysInFull, type IndexedLine } from "./record-codec.ts";

const NEWLINE = 0x0a;
const decoder = new TextDecoder();
/** Bytes read per call; a longer line grows the buffer to hold it. */
const READ_BYTES = 1 << 20;

/** A part of the file to index: the lines that begin at or after `start` and before `end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A skipped line of a range: its index among the range's lines (0-based) and why. */
export interface SkippedLine {
  line: number;
  reason: string;
}

/**
 * What a range's lines hold for the index: rows in full chunks but the last, in file order or,
 * once sortRange has run, by (start, offset),
 * their group ids local to the range (`labels[id]`), and what was not a run.
 */
export interface ParsedRange {
  chunks: Chunk[];
  rows: number;
  labels: LabelValues[];
  /** Lines consumed: every terminated line, and a provisional last one. */
  lines: number;
  skipped: SkippedLine[];
  /** Offset of the first line consumed, and the byte after the last (its newline included);
   * both null when the range holds no line. */
  first: number | null;
  next: number | null;
  /** The last line had no newline but was a whole record: it is the last row; `next` is its end. */
  provisional: boolean;
  /** The smallest end - start of the range's rows. */
  minGap: number;
}

/**
 * Parses the lines of a byte range of a file open as `fd`, reading no further than `size` (the
 * file's size when the build began). A range that does not begin at 0 begins after the first
 * newline at or after start - 1, so ranges cut anywhere share out the lines exactly; the range's
 * last line is read to its end even past `end`. Lines are judged as the line-by-line build
 * judges them (decodeLineKeys): the same rows, skips and reasons.
 */
export function parseRange(fd: number, range: ByteRange, size: number, progress?: (bytes: number) => void): ParsedRange {
  const labels = new Labels();
  const out: ParsedRange = { chunks: [], rows: 0, labels: [], lines: 0, skipped: [], first: null, next: null, provisional: false, minGap: Infinity };
  parseInto(out, labels, fd, range, size, progress);
  out.labels = Array.from({ length: labels.groupCount }, (_, id) => labels.labelsOf(id));
  return out;
}

function parseInto(out: ParsedRange, labels: Labels, fd: number, range: ByteRange, size: number, progress?: (bytes: number) => void): void {
  let buffer = new Uint8Array(Math.min(READ_BYTES, Math.max(1, size - Math.max(0, range.start - 1))));
  // The bytes buffer[0, filled) are the file's from `base`.
  let base = Math.max(0, range.start - 1);
  let filled = 0;
  const fill = (): boolean => {
    if (base + filled >= size) return false;
    if (filled === buffer.length) {
      const grown = new Uint8Array(buffer.length * 2);
      grown.set(buffer);
      buffer = grown;
    }
    const n = readSync(fd, buffer, filled, Math.min(buffer.length - filled, size - base - filled), base + filled);
    if (n === 0) return false;
    filled += n;
    return true;
  };
  /** Drops buffer[0, keep) and reads on. */
  const shift = (keep: number) => {
    buffer.copyWithin(0, keep, filled);
    base += keep;
    filled -= keep;
  };

  // Where the first line begins.
  let at = 0;
  if (range.start > 0) {
    for (;;) {
      const nl = buffer.subarray(0, filled).indexOf(NEWLINE, at);
      if (nl !== -1) {
        at = nl + 1;
        break;
      }
      at = filled;
      shift(filled);
      at = 0;
      if (!fill()) return;
    }
  }
  if (base + at >= range.end) return;
  out.first = base + at;

  let chunk: Chunk | null = null;
  const add = (k: RunKeys, offset: number, length: number) => {
    if (!chunk || chunk.n === CHUNK_ROWS) {
      chunk = new Chunk();
      out.chunks.push(chunk);
    }
    const i = chunk.n++;
    chunk.start[i] = k.startMicros;
    chunk.end[i] = k.endMicros;
    chunk.startLocal[i] = k.startLocalMicros;
    chunk.elapsed[i] = k.elapsed;
    chunk.rowcount[i] = k.rowcount;
    chunk.offset[i] = offset;
    chunk.length[i] = length;
    chunk.group[i] = labels.groupOf(k.labels);
    chunk.identity[i] = k.identity;
    const gap = k.endMicros - k.startMicros;
    if (gap < out.minGap) out.minGap = gap;
    out.rows += 1;
  };
  const judge = (decoded: IndexedLine, offset: number, length: number) => {
    if (decoded.kind === "run") add(decoded.keys, offset, length);
    else if (decoded.kind === "invalid") out.skipped.push({ line: out.lines, reason: decoded.reason });
    out.lines += 1;
    out.next = offset + length + 1;
  };

  let reported = 0;
  for (;;) {
    const view = buffer.subarray(0, filled);
    const last = view.lastIndexOf(NEWLINE);
    if (last >= at) {
      // Whole lines in view[at, last]; stop after the one that begins at or after range.end.
      const body = view.subarray(at, last);
      const stopAt = range.end - base;
      let done = false;
      if (isAscii(body)) {
        const text = decoder.decode(body);
        let from = 0;
        for (;;) {
          if (at + from >= stopAt) {
            done = true;
            break;
          }
          const nl = text.indexOf("\n", from);
          const stop = nl === -1 ? text.length : nl;
          // The usual line is read in place; any other is cut out and decoded in full.
          const keys = scanRunKeys(text, from, stop);
          if (keys) {
            add(keys, base + at + from, stop - from);
            out.lines += 1;
            out.next = base + at + stop + 1;
          } else judge(decodeLineKeysInFull(text.slice(from, stop)), base + at + from, stop - from);
          if (nl === -1) break;
          from = nl + 1;
        }
      } else {
        let cut = at;
        while (cut <= last) {
          if (cut >= stopAt) {
            done = true;
            break;
          }
          const nl = view.indexOf(NEWLINE, cut);
          judge(decodeLineKeys(decoder.decode(view.subarray(cut, nl))), base + cut, nl - cut);
          cut = nl + 1;
        }
      }
      if (done) return;
      at = last + 1;
      if (base + at >= range.end) return;
    }
    if (progress && base + at - reported >= 1 << 22) {
      reported = base + at;
      progress(reported);
    }
    // Keep the partial line, read on.
    shift(at);
    at = 0;
    if (!fill()) break;
  }
  // The file (as of `size`) ends inside a line with no newline.
  if (filled > at) {
    const offset = base + at;
    const length = filled - at;
    const decoded = decodeLineKeys(decoder.decode(buffer.subarray(at, filled)));
    // A whole record is served; anything else waits for the rest of the line.
    if (decoded.kind === "run") {
      add(decoded.keys, offset, length);
      out.lines += 1;
      out.next = offset + length;
      out.provisional = true;
    }
  }
}

/**
 * Puts a parsed range's rows in (start, offset) order, one column at a time through one spare
 * column (gatherRows). Equal starts keep file order, so ranges sorted this way and taken in
 * file order are sorted runs of the whole file: the build's final sort then merges a few runs
 * instead of sorting every row, and the worker threads do this part of it.
 */
export function sortRange(parsed: ParsedRange): void {
  const chunks = parsed.chunks;
  const order = runNow(stableOrder(chunks.map((chunk) => chunk.start.subarray(0, chunk.n))));
  let sorted = true;
  for (let k = 0; k < order.length && sorted; k++) sorted = order[k] === k;
  if (!sorted) runNow(gatherRows(chunks, order));
}

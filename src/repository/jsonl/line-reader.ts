import { isAscii } from "node:buffer";
import { type FileHandle, open } from "node:fs/promises";

const NEWLINE = 0x0a;
const decoder = new TextDecoder();
/** Bytes read per call: big enough that the calls cost nothing next to the decoding. */
const READ_BYTES = 1 << 20;

/** One line of a JSONL file, without its newline. */
export interface FileLine {
  /** 1-based line number. */
  number: number;
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Length in bytes. */
  length: number;
  /** The line's text; decoded once per chunk when the chunk is ASCII, else per line. */
  text: string;
  /** False for a last line that has no newline yet (torn, or still being written). */
  terminated: boolean;
}

/**
 * Streams a file's lines from `start` (a byte offset at a line start) to the end of the file as
 * it is now. Given an open handle, it reads that file by position, whatever the path names
 * meanwhile (a rotation between a stat and the read cannot swap the file under it); given a
 * path, it opens it for the read (a missing file has no lines). Memory holds one chunk and one
 * partial line. Chunks that are pure ASCII (nearly all of a JSONL file) are decoded in one call
 * and cut into lines as strings, where character and byte offsets agree; others are decoded
 * line by line.
 */
export async function* readLines(source: string | FileHandle, start = 0, firstNumber = 1): AsyncGenerator<FileLine> {
  if (typeof source !== "string") {
    yield* linesOf(source, start, firstNumber);
    return;
  }
  let handle: FileHandle;
  try {
    handle = await open(source, "r");
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw new Error(`${source} is a directory, not a JSONL file`);
    }
  } catch (error) {
    // A file nobody has written yet is an empty store.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    if ((error as NodeJS.ErrnoException).code === "EISDIR") throw new Error(`${source} is a directory, not a JSONL file`);
    throw error;
  }
  try {
    yield* linesOf(handle, start, firstNumber);
  } finally {
    await handle.close();
  }
}

async function* linesOf(handle: FileHandle, start: number, firstNumber: number): AsyncGenerator<FileLine> {
  let carry: Uint8Array | null = null;
  let carryOffset = start;
  let number = firstNumber;
  let position = start;
  // One buffer for every read: lines leave it as strings, a partial line as a copy.
  const buffer = new Uint8Array(READ_BYTES);
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    let from = 0;
    let nl = chunk.indexOf(NEWLINE);
    if (carry && nl !== -1) {
      // The line that began in an earlier chunk ends here.
      const bytes = concat(carry, chunk.subarray(0, nl));
      carry = null;
      yield { number: number++, offset: carryOffset, length: bytes.length, text: decoder.decode(bytes), terminated: true };
      from = nl + 1;
      carryOffset = position + from;
      nl = chunk.indexOf(NEWLINE, from);
    }
    if (!carry && nl !== -1) {
      const last = chunk.lastIndexOf(NEWLINE);
      const body = chunk.subarray(from, last);
      if (isAscii(body)) {
        const text = decoder.decode(body);
        let at = 0;
        for (let end = text.indexOf("\n"); ; end = text.indexOf("\n", at)) {
          const stop = end === -1 ? text.length : end;
          yield { number: number++, offset: position + from + at, length: stop - at, text: text.slice(at, stop), terminated: true };
          if (end === -1) break;
          at = end + 1;
        }
      } else {
        let cut = from;
        for (let end = chunk.indexOf(NEWLINE, cut); end !== -1 && end <= last; end = chunk.indexOf(NEWLINE, cut)) {
          const bytes = chunk.subarray(cut, end);
          yield { number: number++, offset: position + cut, length: bytes.length, text: decoder.decode(bytes), terminated: true };
          cut = end + 1;
        }
      }
      from = last + 1;
      carryOffset = position + from;
    }
    if (from < chunk.length) carry = carry ? concat(carry, chunk.subarray(from)) : chunk.slice(from);
    position += bytesRead;
  }
  if (carry && carry.length > 0) yield { number, offset: carryOffset, length: carry.length, text: decoder.decode(carry), terminated: false };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

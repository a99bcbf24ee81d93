const NEWLINE = 0x0a;

/** One line of a JSONL file, without its newline. */
export interface FileLine {
  /** 1-based line number. */
  number: number;
  /** Byte offset of the line's first byte. */
  offset: number;
  bytes: Uint8Array;
  /** False for a last line that has no newline yet (torn, or still being written). */
  terminated: boolean;
}

/**
 * Streams a file's lines with Bun's native file stream, from `start` (a byte offset at a line
 * start) to the end of the file as it is now. Memory holds one chunk and one partial line.
 */
export async function* readLines(path: string, start = 0, firstNumber = 1): AsyncGenerator<FileLine> {
  const file = Bun.file(path);
  try {
    if ((await file.stat()).isDirectory()) throw new Error(`${path} is a directory, not a JSONL file`);
  } catch (error) {
    // A file nobody has written yet is an empty store.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  let carry: Uint8Array | null = null;
  let carryOffset = start;
  let number = firstNumber;
  let position = start;
  for await (const chunk of (start > 0 ? file.slice(start) : file).stream()) {
    let from = 0;
    let nl = chunk.indexOf(NEWLINE);
    while (nl !== -1) {
      let bytes: Uint8Array = chunk.subarray(from, nl);
      if (carry) {
        bytes = concat(carry, bytes);
        carry = null;
      }
      yield { number: number++, offset: carryOffset, bytes, terminated: true };
      from = nl + 1;
      carryOffset = position + from;
      nl = chunk.indexOf(NEWLINE, from);
    }
    if (from < chunk.length) carry = carry ? concat(carry, chunk.subarray(from)) : chunk.slice(from);
    position += chunk.length;
  }
  if (carry && carry.length > 0) yield { number, offset: carryOffset, bytes: carry, terminated: false };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

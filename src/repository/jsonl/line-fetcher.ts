import { readSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";

/** Reads can merge neighbouring lines when the gap between them is at most this many bytes. */
const MAX_GAP = 16 * 1024;
const MAX_SPAN = 4 * 1024 * 1024;
/** Spans up to this size are read synchronously: a line in the page cache comes back in a few
 * microseconds that way, against tens for a round trip through the thread pool, which is what
 * made exports of a file in random order (one span per line) slow. */
const SYNC_SPAN = 64 * 1024;
/** After this much synchronous reading, the next span goes through the thread pool, which gives
 * the event loop its turn even when the pages come from a slow disk. */
const SYNC_BUDGET_MS = 4;

/** A buffer a caller reuses across fetches, so a long export does not allocate one per batch. */
export class ScratchBuffer {
  private bytes = new Uint8Array(0);
  /** Fresh memory for each span, or (once handed over) the same memory each time. */
  take(size: number, reuse: boolean): Uint8Array {
    if (!reuse) return new Uint8Array(size);
    if (this.bytes.length < size) this.bytes = new Uint8Array(Math.max(size, this.bytes.length * 2));
    return this.bytes.subarray(0, size);
  }
}

/**
 * Reads lines back by (offset, length), in the order asked. Lines close together in the file,
 * as runs stored around the same time are, come in one read instead of one each.
 *
 * With `scratch`, the returned lines share one reused buffer: they are valid only until the next
 * call with the same scratch, and then only when every line came from a single read.
 */
export async function fetchLines(handle: FileHandle, offsets: ArrayLike<number>, lengths: ArrayLike<number>, scratch?: ScratchBuffer): Promise<Uint8Array[]> {
  const n = offsets.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (offsets[a] as number) - (offsets[b] as number));
  const out: Uint8Array[] = new Array(n);
  let i = 0;
  let spans = 0;
  let lastYield = performance.now();
  while (i < n) {
    const first = order[i] as number;
    const spanStart = offsets[first] as number;
    let spanEnd = spanStart + (lengths[first] as number);
    let j = i + 1;
    while (j < n) {
      const next = order[j] as number;
      const start = offsets[next] as number;
      const end = start + (lengths[next] as number);
      if (start - spanEnd > MAX_GAP || end - spanStart > MAX_SPAN) break;
      spanEnd = Math.max(spanEnd, end);
      j++;
    }
    // Only the first span may use the scratch buffer; later spans of the same call need their own.
    const buffer = scratch ? scratch.take(spanEnd - spanStart, spans === 0) : new Uint8Array(spanEnd - spanStart);
    spans += 1;
    let read = 0;
    if (buffer.length <= SYNC_SPAN && performance.now() - lastYield < SYNC_BUDGET_MS) {
      while (read < buffer.length) {
        const bytesRead = readSync(handle.fd, buffer, read, buffer.length - read, spanStart + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
    } else {
      while (read < buffer.length) {
        const { bytesRead } = await handle.read(buffer, read, buffer.length - read, spanStart + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      lastYield = performance.now();
    }
    for (let k = i; k < j; k++) {
      const index = order[k] as number;
      const from = (offsets[index] as number) - spanStart;
      out[index] = buffer.subarray(from, from + (lengths[index] as number));
    }
    i = j;
  }
  return out;
}

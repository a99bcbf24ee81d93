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
  take(size: number): Uint8Array {
    if (this.bytes.length < size) this.bytes = new Uint8Array(Math.max(size, this.bytes.length * 2));
    return this.bytes.subarray(0, size);
  }
}

/**
 * Reads lines back by (offset, length), in the order asked. Lines close together in the file,
 * as runs stored around the same time are, come in one read instead of one each. Every span
 * read lands in one buffer: a filtered export reads one span per line, and allocating each
 * one cost more than the read itself.
 *
 * With `scratch`, the returned lines share its memory: they are valid until the next call with
 * the same scratch.
 */
export async function fetchLines(handle: FileHandle, offsets: ArrayLike<number>, lengths: ArrayLike<number>, scratch?: ScratchBuffer): Promise<Uint8Array[]> {
  const n = offsets.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!isAscending(offsets)) order.sort((a, b) => (offsets[a] as number) - (offsets[b] as number));
  // Spans as (file start, file end, first index into order), then one buffer for all of them.
  const spans: number[] = [];
  let total = 0;
  for (let i = 0; i < n; ) {
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
    spans.push(spanStart, spanEnd, i);
    total += spanEnd - spanStart;
    i = j;
  }
  const buffer = scratch ? scratch.take(total) : new Uint8Array(total);
  const out: Uint8Array[] = new Array(n);
  let at = 0;
  let lastYield = performance.now();
  for (let s = 0; s < spans.length; s += 3) {
    const spanStart = spans[s] as number;
    const size = (spans[s + 1] as number) - spanStart;
    const into = buffer.subarray(at, at + size);
    let read = 0;
    if (size <= SYNC_SPAN && performance.now() - lastYield < SYNC_BUDGET_MS) {
      while (read < size) {
        const bytesRead = readSync(handle.fd, into, read, size - read, spanStart + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
    } else {
      while (read < size) {
        const { bytesRead } = await handle.read(into, read, size - read, spanStart + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      lastYield = performance.now();
    }
    const end = s + 3 < spans.length ? (spans[s + 5] as number) : n;
    for (let k = spans[s + 2] as number; k < end; k++) {
      const index = order[k] as number;
      const from = at + (offsets[index] as number) - spanStart;
      out[index] = buffer.subarray(from, from + (lengths[index] as number));
    }
    at += size;
  }
  return out;
}

function isAscending(values: ArrayLike<number>): boolean {
  for (let i = 1; i < values.length; i++) if ((values[i] as number) < (values[i - 1] as number)) return false;
  return true;
}

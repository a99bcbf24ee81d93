import type { FileHandle } from "node:fs/promises";

/** Reads can merge neighbouring lines when the gap between them is at most this many bytes. */
const MAX_GAP = 16 * 1024;
const MAX_SPAN = 4 * 1024 * 1024;

/**
 * Reads lines back by (offset, length), in the order asked. Lines close together in the file,
 * as runs stored around the same time are, come in one read instead of one each.
 */
export async function fetchLines(handle: FileHandle, offsets: ArrayLike<number>, lengths: ArrayLike<number>): Promise<Uint8Array[]> {
  const n = offsets.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (offsets[a] as number) - (offsets[b] as number));
  const out: Uint8Array[] = new Array(n);
  let i = 0;
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
    const buffer = new Uint8Array(spanEnd - spanStart);
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, spanStart + read);
      if (bytesRead === 0) break;
      read += bytesRead;
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

import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { fetchLines, ScratchBuffer } from "../../src/repository/jsonl/line-fetcher.ts";
import { tempDir } from "../support/temp-dir.ts";

let dir: Awaited<ReturnType<typeof tempDir>>;
let path: string;

// Bytes that differ at every position, so a line read from the wrong place cannot pass.
const SIZE = 3 * 2 ** 20;
const file = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i++) file[i] = (i * 2654435761) >>> 24;
beforeAll(async () => {
  dir = await tempDir("line-fetcher-");
  path = join(dir.dir, "bytes");
  writeFileSync(path, file);
});
afterAll(() => dir.remove());

/** Lines anywhere in the file, in any order, overlapping, repeated, neighbours and far apart. */
const refs = fc.array(
  fc.oneof(
    fc.record({ offset: fc.integer({ min: 0, max: SIZE - 1 }), length: fc.integer({ min: 0, max: 2000 }) }),
    fc.record({ offset: fc.integer({ min: 0, max: 40_000 }), length: fc.integer({ min: 1, max: 600 }) }),
  ),
  { maxLength: 300 },
);

test("fetchLines gives each line's bytes in the order asked, with or without a reused buffer", async () => {
  const handle = await open(path, "r");
  const scratch = new ScratchBuffer();
  try {
    await fc.assert(
      fc.asyncProperty(refs, fc.boolean(), async (asked, reuse) => {
        const fitting = asked.map(({ offset, length }) => ({ offset, length: Math.min(length, SIZE - offset) }));
        const offsets = fitting.map((r) => r.offset);
        const lengths = fitting.map((r) => r.length);
        const lines = await fetchLines(handle, offsets, lengths, reuse ? scratch : undefined);
        expect(lines.length).toBe(fitting.length);
        fitting.forEach(({ offset, length }, k) => {
          expect(lines[k]).toEqual(file.subarray(offset, offset + length));
        });
      }),
      { numRuns: 200 },
    );
  } finally {
    await handle.close();
  }
});

import { afterAll, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readLines } from "../../src/repository/jsonl/line-reader.ts";
import { tempDir } from "../support/temp-dir.ts";

const temp = await tempDir();
afterAll(() => temp.remove());

/** The lines of a byte buffer, the slow obvious way. */
function reference(bytes: Uint8Array) {
  const out: Array<{ offset: number; length: number; text: string; terminated: boolean }> = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      if (i === bytes.length && start === i) break;
      out.push({ offset: start, length: i - start, text: new TextDecoder().decode(bytes.subarray(start, i)), terminated: i < bytes.length });
      start = i + 1;
    }
  }
  return out;
}

test("lines, offsets and lengths are exact across chunks, ASCII or not, from any start", async () => {
  // Several MiB so the stream delivers many chunks; multi-byte characters land on chunk edges.
  const lines: string[] = [];
  for (let i = 0; i < 60_000; i++) {
    lines.push(i % 7 === 0 ? `{"n":${i},"s":"ünïcödé ✓ 🚀 ${"é".repeat(i % 13)}"}` : i % 11 === 0 ? "" : `{"n":${i},"pad":"${"x".repeat(i % 97)}"}`);
  }
  const text = `${lines.join("\n")}\n{"torn":`;
  const bytes = new TextEncoder().encode(text);
  const path = join(temp.dir, "lines.jsonl");
  await writeFile(path, bytes);
  const expected = reference(bytes);
  const got = [];
  for await (const line of readLines(path)) got.push({ offset: line.offset, length: line.length, text: line.text, terminated: line.terminated });
  expect(got.length).toBe(expected.length);
  expect(got).toEqual(expected);
  // Reading from a line start in the middle gives the rest, numbered on.
  const from = expected[40_000] as { offset: number };
  const rest = [];
  for await (const line of readLines(path, from.offset, 40_001)) rest.push(line);
  expect(rest[0]?.number).toBe(40_001);
  expect(rest.map((l) => l.offset)).toEqual(expected.slice(40_000).map((l) => l.offset));
});

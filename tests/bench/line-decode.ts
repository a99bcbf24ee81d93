/**
 * CPU per line of the index's line decode, in process: the in-place scanner (decodeLineKeys)
 * against the full decode (JSON.parse + decodeRunKeys), back to back over the same lines.
 *
 *   bun tests/bench/line-decode.ts [file] [lines]
 */
import { openSync, readSync } from "node:fs";
import { decodeLineKeys, decodeLineKeysInFull, type IndexedLine } from "../../src/repository/jsonl/record-codec.ts";

const path = process.argv[2] ?? "tests/bench/data/runs-1000000-random.jsonl";
const wanted = Number(process.argv[3] ?? 100_000);

const buffer = new Uint8Array(wanted * 600);
const bytes = readSync(openSync(path, "r"), buffer, 0, buffer.length, 0);
const text = new TextDecoder().decode(buffer.subarray(0, bytes));
const lines = text.split("\n").slice(0, wanted);

/** CPU microseconds a line of one pass of `decode` over every line. */
function pass(decode: (line: string) => IndexedLine): number {
  const before = process.cpuUsage();
  let runs = 0;
  for (const line of lines) if (decode(line).kind === "run") runs++;
  const used = process.cpuUsage(before);
  if (runs === 0) throw new Error("no line decoded as a run");
  return (used.user + used.system) / lines.length;
}

const results: Record<string, number[]> = { scanner: [], full: [] };
for (let round = 0; round < 5; round++) {
  results.scanner?.push(pass(decodeLineKeys));
  results.full?.push(pass(decodeLineKeysInFull));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const [name, xs] of Object.entries(results)) {
  console.log(`${name}: median ${median(xs).toFixed(2)} us CPU a line (${xs.map((x) => x.toFixed(2)).join(", ")}), ${(1 / median(xs)).toFixed(2)} M lines/s`);
}

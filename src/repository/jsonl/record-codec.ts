import type { PipelineRun } from "../../domain/pipeline-info.ts";
import { type DecodedRun, decodeRunKeys, decodeStoredRun, type RunKeys } from "../../domain/run-decoder.ts";
import { scanRunKeys } from "../../domain/run-line-scanner.ts";

export type DecodedLine = { kind: "run"; run: PipelineRun; startMicros: number; endMicros: number } | { kind: "blank" } | { kind: "invalid"; reason: string };

const decoder = new TextDecoder();

type Parsed = { kind: "value"; value: unknown } | { kind: "blank" } | { kind: "invalid"; reason: string };

/** JSON.parse of one line; blank lines are not errors. */
function parseLine(line: Uint8Array | string): Parsed {
  const text = typeof line === "string" ? line : decoder.decode(line);
  try {
    return { kind: "value", value: JSON.parse(text) };
  } catch {
    return text.trim() === "" ? { kind: "blank" } : { kind: "invalid", reason: "not valid JSON" };
  }
}

/** Reads one JSONL line with the original's lax rules; never throws. */
export function decodeLine(line: Uint8Array | string): DecodedLine {
  const parsed = parseLine(line);
  if (parsed.kind !== "value") return parsed;
  const decoded = decodeStoredRun(parsed.value);
  if (!decoded.ok) return { kind: "invalid", reason: decoded.reason };
  const { run, startMicros, endMicros }: DecodedRun = decoded.value;
  return { kind: "run", run, startMicros, endMicros };
}

export type IndexedLine = { kind: "run"; keys: RunKeys } | { kind: "blank" } | { kind: "invalid"; reason: string };

/** What the index needs of a line; accepts exactly the lines decodeLine accepts. */
export function decodeLineKeys(line: Uint8Array | string): IndexedLine {
  const text = typeof line === "string" ? line : decoder.decode(line);
  const scanned = scanRunKeys(text, 0, text.length);
  return scanned ? { kind: "run", keys: scanned } : decodeLineKeysInFull(text);
}

/** decodeLineKeys through JSON.parse and decodeRunKeys, for lines the scanner does not read. */
export function decodeLineKeysInFull(line: Uint8Array | string): IndexedLine {
  const parsed = parseLine(line);
  if (parsed.kind !== "value") return parsed;
  const decoded = decodeRunKeys(parsed.value);
  return decoded.ok ? { kind: "run", keys: decoded.keys } : { kind: "invalid", reason: decoded.reason };
}

/** One run as one JSONL line, newline included, in the forms the Python service also reads. */
export function encodeRun(run: PipelineRun): string {
  return `${JSON.stringify(run)}\n`;
}

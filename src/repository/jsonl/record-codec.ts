import { type PipelineRun, StoredRunSchema } from "../../domain/pipeline-info.ts";

export type DecodedLine =
  | { kind: "run"; run: PipelineRun }
  | { kind: "blank" }
  | { kind: "invalid"; reason: string };

const decoder = new TextDecoder();

/** Reads one JSONL line with the original's lax rules; never throws. */
export function decodeLine(bytes: Uint8Array | string): DecodedLine {
  const text = typeof bytes === "string" ? bytes : decoder.decode(bytes);
  if (text.trim() === "") return { kind: "blank" };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: "invalid", reason: "not valid JSON" };
  }
  const parsed = StoredRunSchema.safeParse(value);
  if (parsed.success) return { kind: "run", run: parsed.data };
  const fields = parsed.error.issues.map((issue) => issue.path.join(".") || "(record)");
  return { kind: "invalid", reason: `invalid fields: ${[...new Set(fields)].join(", ")}` };
}

/** One run as one JSONL line, newline included, in the forms the Python service also reads. */
export function encodeRun(run: PipelineRun): string {
  return `${JSON.stringify(run)}\n`;
}

import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import type { JsonlOptions } from "./jsonl-scan-repository.ts";
import { createJsonlScanRepository } from "./jsonl-scan-repository.ts";

/** Every JSONL store implementation; file-format tests run against each. */
export const JSONL_STORES: Array<[string, (options: JsonlOptions) => Promise<RunRepository>]> = [
  ["indexed", async (options) => createJsonlRepository({ ...options, followIntervalMs: 50 })],
  ["scan", async (options) => createJsonlScanRepository(options)],
];

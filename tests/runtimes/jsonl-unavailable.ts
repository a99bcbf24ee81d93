import type { JsonlStoreOptions } from "../../src/repository/jsonl/jsonl-repository.ts";
import type { RunRepository } from "../../src/repository/port.ts";

/**
 * Stands in for the JSONL store when HTTP test files that cover both stores are bundled for
 * another runtime: that store is built on Bun's file APIs and bun:ffi, so its tests stay with Bun
 * (they are skipped by name) and only the memory-store half of each file runs.
 */
export function createJsonlRepository(_options: JsonlStoreOptions): RunRepository {
  throw new Error("the JSONL store runs on Bun only");
}

import type { PipelineRun } from "./pipeline-info.ts";
import { differingFields, identityKey } from "./run-identity.ts";

/** What happened to one run handed to a store. */
export type InsertOutcome =
  | { status: "created"; run: PipelineRun }
  /** A run with the same identity and the same content was already stored: nothing written. */
  | { status: "existing"; run: PipelineRun }
  /** A run with the same identity but other content is stored; `fields` name the differences. */
  | { status: "conflict"; run: PipelineRun; fields: string[] };

/** What a batch becomes: one outcome per run, in order, and the runs to write. */
export interface InsertPlan {
  outcomes: InsertOutcome[];
  fresh: PipelineRun[];
}

/**
 * Decides each run of a batch (in stored form) against the runs stored under its identity: a new
 * identity is created, the first time only; a repeat, in the store or earlier in the batch, is
 * existing when equal and a conflict naming the differing fields otherwise.
 */
export function planInsert(
  batch: readonly PipelineRun[],
  stored: ReadonlyMap<string, PipelineRun>,
  keys: readonly string[] = batch.map(identityKey),
): InsertPlan {
  const known = new Map(stored);
  const outcomes: InsertOutcome[] = [];
  const fresh: PipelineRun[] = [];
  for (let i = 0; i < batch.length; i++) {
    const run = batch[i] as PipelineRun;
    const key = keys[i] as string;
    const existing = known.get(key);
    if (existing) {
      const fields = differingFields(existing, run);
      outcomes.push(fields.length ? { status: "conflict", run: existing, fields } : { status: "existing", run: existing });
      continue;
    }
    known.set(key, run);
    fresh.push(run);
    outcomes.push({ status: "created", run });
  }
  return { outcomes, fresh };
}

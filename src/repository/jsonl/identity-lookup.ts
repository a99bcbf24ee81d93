import { commonFormMicros, parseDateTime } from "../../domain/datetime.ts";
import type { PipelineRun } from "../../domain/pipeline-info.ts";
import { identityHash, identityKey } from "../../domain/run-identity.ts";
import type { Generation } from "./generation.ts";
import type { LineRef } from "./run-index.ts";

/**
 * The stored runs with the identities of `runs` (by identityKey). Candidates come from the index
 * (same start, same identity hash), one pass per distinct start; only their lines are read.
 */
export async function storedIdentities(
  gen: Generation,
  runs: readonly PipelineRun[],
  read: (offsets: number[], lengths: number[]) => Promise<PipelineRun[]>,
): Promise<Map<string, PipelineRun>> {
  const byStart = new Map<number, Set<number>>();
  for (const run of runs) {
    const fast = commonFormMicros(run.start_utc);
    const start = Number.isNaN(fast) ? (parseDateTime(run.start_utc)?.epochMicros ?? Number.NaN) : fast;
    let hashes = byStart.get(start);
    if (!hashes) {
      hashes = new Set();
      byStart.set(start, hashes);
    }
    hashes.add(identityHash(run.pipeline_name, run.date_code, run.pid));
  }
  const refs: LineRef[] = [];
  for (const [start, hashes] of byStart) for (const list of gen.index.identityCandidates(start, hashes).values()) refs.push(...list);
  const found = new Map<string, PipelineRun>();
  if (refs.length === 0) return found;
  for (const run of await read(
    refs.map((r) => r.offset),
    refs.map((r) => r.length),
  )) {
    const key = identityKey(run);
    if (!found.has(key)) found.set(key, run);
  }
  return found;
}

/**
 * Serializes inserts per identity: a second insert of an identity waits until the first one is
 * stored (and indexed), so that it is seen as existing instead of written twice.
 */
export function identityClaims() {
  const inFlight = new Map<string, Promise<void>>();
  return async function claim(keys: readonly string[]): Promise<() => void> {
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const claimed: string[] = [];
    // A fixed order over all inserts means two batches can never wait for each other in a cycle.
    for (const key of keys.length === 1 ? keys : [...new Set(keys)].sort()) {
      for (let other = inFlight.get(key); other; other = inFlight.get(key)) await other;
      inFlight.set(key, done);
      claimed.push(key);
    }
    return () => {
      for (const key of claimed) inFlight.delete(key);
      release();
    };
  };
}

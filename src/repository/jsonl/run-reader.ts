import type { PipelineRun } from "../../domain/pipeline-info.ts";
import { StoreUnavailableError } from "../../errors.ts";
import { describeError, type Generation, useGeneration } from "./generation.ts";
import { fetchLines, type ScratchBuffer } from "./line-fetcher.ts";
import { decodeLine } from "./record-codec.ts";

/** A line is not where the index says it is: the file was rewritten in place. */
export class StaleIndexError extends Error {}

/** Decoded runs kept for reuse: ~1 KiB each, so about 10 MiB. */
const CACHE_RUNS = 10_000;

/**
 * Reads and decodes the runs at the given lines of a generation's file, from its cache where it
 * can. A line that no longer decodes throws StaleIndexError: the file was rewritten in place,
 * which the index cannot notice by size and inode alone. Exports pass a scratch buffer and
 * bypass the cache, which they would only flush.
 */
export async function readRuns(
  gen: Generation,
  path: string,
  offsets: ArrayLike<number>,
  lengths: ArrayLike<number>,
  scratch?: ScratchBuffer,
): Promise<PipelineRun[]> {
  if (!gen.handle || offsets.length === 0) return [];
  const { cache } = gen;
  const runs: (PipelineRun | undefined)[] = scratch ? [] : Array.from(offsets, (offset) => cache.get(offset));
  const missing: number[] = [];
  for (let i = 0; i < offsets.length; i++) if (runs[i] === undefined) missing.push(i);
  if (missing.length === 0) return runs as PipelineRun[];
  // Retired with nobody reading: its handle is closed or closing; the caller retries on the new one.
  if (gen.retired && gen.users === 0) throw new StaleIndexError();
  const release = useGeneration(gen);
  try {
    const lines = await fetchLines(
      gen.handle,
      missing.map((i) => offsets[i] as number),
      missing.map((i) => lengths[i] as number),
      scratch,
    );
    lines.forEach((bytes, k) => {
      const decoded = decodeLine(bytes);
      if (decoded.kind !== "run") throw new StaleIndexError();
      const i = missing[k] as number;
      runs[i] = decoded.run;
      if (!scratch) {
        cache.set(offsets[i] as number, decoded.run);
        if (cache.size > CACHE_RUNS) cache.delete(cache.keys().next().value as number);
      }
    });
    return runs as PipelineRun[];
  } catch (error) {
    if (error instanceof StaleIndexError) throw error;
    throw new StoreUnavailableError(`cannot read ${path}: ${describeError(error)}`, 5, { cause: error });
  } finally {
    release();
  }
}

import type { PipelineRun } from "../../domain/pipeline-info.ts";
import { StoreUnavailableError } from "../../errors.ts";
import type { EncodedRuns } from "../port.ts";
import { describeError, type Generation, useGeneration } from "./generation.ts";
import { fetchLines, type ScratchBuffer } from "./line-fetcher.ts";
import { type NameCollector, transcodeLine } from "./line-transcoder.ts";
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

const textEncoder = new TextEncoder();

/**
 * The runs at the given lines of a generation's file as their canonical JSON (the bytes
 * JSON.stringify gives for what readRuns returns), separated: a line already in the
 * usual shape is copied, others are decoded and encoded. `separator` is a byte (a comma unless
 * given). Adds each run's pipeline_name to
 * `names`. The bytes are the caller's to keep; the lines come through `scratch`.
 */
export async function readRunsJson(
  gen: Generation,
  path: string,
  offsets: ArrayLike<number>,
  lengths: ArrayLike<number>,
  scratch: ScratchBuffer,
  names: NameCollector,
  separator = 44,
): Promise<EncodedRuns> {
  if (!gen.handle || offsets.length === 0) return { bytes: new Uint8Array(0), count: 0 };
  if (gen.retired && gen.users === 0) throw new StaleIndexError();
  const release = useGeneration(gen);
  try {
    const lines = await fetchLines(gen.handle, offsets, lengths, scratch);
    let room = 0;
    for (const line of lines) room += line.length + 1;
    let out = new Uint8Array(room);
    let at = 0;
    /** Room the lines after this one may need. */
    let rest = room;
    for (let k = 0; k < lines.length; k++) {
      const line = lines[k] as Uint8Array;
      rest -= line.length + 1;
      if (k > 0) out[at++] = separator;
      const end = transcodeLine(line, out, at, names);
      if (end >= 0) {
        at = end;
        continue;
      }
      const decoded = decodeLine(line);
      if (decoded.kind !== "run") throw new StaleIndexError();
      if (decoded.run.pipeline_name !== null) names.names.add(decoded.run.pipeline_name);
      const text = JSON.stringify(decoded.run);
      // Escapes and non-ASCII text can make the canonical form longer than the line.
      const need = at + text.length * 3 + rest;
      if (need > out.length) {
        const grown = new Uint8Array(need);
        grown.set(out.subarray(0, at));
        out = grown;
      }
      at += textEncoder.encodeInto(text, out.subarray(at)).written;
    }
    return { bytes: out.subarray(0, at), count: lines.length };
  } catch (error) {
    if (error instanceof StaleIndexError) throw error;
    throw new StoreUnavailableError(`cannot read ${path}: ${describeError(error)}`, 5, { cause: error });
  } finally {
    release();
  }
}

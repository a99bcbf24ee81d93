import { access, constants } from "node:fs/promises";
import { dirname } from "node:path";
import type { PipelineRun } from "../../domain/pipeline-info.ts";
import type { PipelineSummary } from "../../domain/responses.ts";
import type { Page, RunFilter } from "../../domain/run-query.ts";
import { StoreUnavailableError } from "../../errors.ts";
import { type Logger, silentLogger } from "../../logger.ts";
import type { RunPage, RunRepository, StoreHealth } from "../port.ts";
import { type KeyedRun, SummaryBuilder, TopRuns, keyRun, matcher, newestFirst } from "../run-order.ts";
import { type FsyncMode, createAppender } from "./appender.ts";
import { readLines } from "./line-reader.ts";
import { decodeLine, encodeRun } from "./record-codec.ts";

export interface JsonlOptions {
  path: string;
  fsync?: FsyncMode;
  logger?: Logger;
}

/**
 * The JSONL store without an index: every read streams and parses the whole file. Memory for
 * counts and summaries is independent of the file's size; a page holds offset + limit runs.
 * It is the reference the indexed store is checked against and the benchmarks' baseline.
 */
export function createJsonlScanRepository(options: JsonlOptions): RunRepository {
  const { path, logger = silentLogger } = options;
  const appender = createAppender(path, options.fsync ?? "always");
  const reported = new Set<number>();
  let skippedLines = 0;

  async function* scan(): AsyncGenerator<KeyedRun> {
    let skipped = 0;
    try {
      for await (const line of readLines(path)) {
        const decoded = decodeLine(line.bytes);
        if (decoded.kind === "run") {
          yield keyRun(decoded.run, line.number);
        } else if (decoded.kind === "invalid" && line.terminated) {
          skipped += 1;
          if (!reported.has(line.number)) {
            reported.add(line.number);
            logger.warn("skipped JSONL line", { path, line: line.number, reason: decoded.reason });
          }
        }
      }
    } catch (error) {
      throw new StoreUnavailableError(`cannot read ${path}`, 5, { cause: error });
    }
    skippedLines = skipped;
  }

  async function* matching(filter: RunFilter): AsyncGenerator<KeyedRun> {
    const accept = matcher(filter);
    for await (const k of scan()) if (accept(k)) yield k;
  }

  return {
    backend: "jsonl",

    async findRuns(filter: RunFilter, page: Page): Promise<RunPage> {
      const top = new TopRuns(page.offset + page.limit);
      let total = 0;
      for await (const k of matching(filter)) {
        total += 1;
        top.offer(k);
      }
      return { total, runs: top.sorted().slice(page.offset).map((k) => k.run) };
    },

    async *streamRuns(filter: RunFilter): AsyncIterable<PipelineRun> {
      const all: KeyedRun[] = [];
      for await (const k of matching(filter)) all.push(k);
      all.sort(newestFirst);
      for (const k of all) yield k.run;
    },

    async countRuns(filter: RunFilter): Promise<number> {
      let total = 0;
      for await (const _ of matching(filter)) total += 1;
      return total;
    },

    async summarizePipelines(filter: RunFilter = {}): Promise<PipelineSummary[]> {
      const builder = new SummaryBuilder();
      for await (const k of matching(filter)) builder.add(k);
      return builder.summaries();
    },

    async insertRun(run: PipelineRun): Promise<PipelineRun> {
      try {
        await appender.append([encodeRun(run)]);
      } catch (error) {
        throw new StoreUnavailableError(`cannot append to ${path}`, 5, { cause: error });
      }
      return run;
    },

    async health(): Promise<StoreHealth> {
      try {
        let records = 0;
        for await (const _ of scan()) records += 1;
        await access(dirname(path), constants.W_OK).catch(async (error) => {
          // A missing folder is created on the first write; only an existing, unwritable one is bad.
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        });
        return { status: "healthy", records, skippedLines };
      } catch (error) {
        return { status: "unhealthy", reason: describe(error), skippedLines };
      }
    },

    close: () => appender.close(),
  };
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as NodeJS.ErrnoException)?.code;
  return error instanceof Error ? `${error.message}${code ? ` (${code})` : ""}` : "store error";
}

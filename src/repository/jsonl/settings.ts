import { z } from "zod";
import { flag, oneOf } from "../../env-values.ts";
import type { FsyncMode } from "./appender.ts";
import type { JsonlStoreOptions } from "./jsonl-repository.ts";

/** What the JSONL store does when a setting is not given, in the environment or by a caller. */
export const JSONL_DEFAULTS = { path: "pipeline_data.jsonl", fsync: "always" as FsyncMode, archiveDeleted: false } as const;

const FSYNC_MODES = ["always", "interval", "never"] as const satisfies readonly FsyncMode[];

/** The PIPELINE_JSONL_* variables; config.ts adds them to its schema when PIPELINE_BACKEND=jsonl. */
export const JSONL_VARIABLES = {
  PIPELINE_BACKEND: z.literal("jsonl"),
  PIPELINE_JSONL_PATH: z.string().min(1, "must be a file path").default(JSONL_DEFAULTS.path),
  PIPELINE_JSONL_FSYNC: oneOf(FSYNC_MODES).default(JSONL_DEFAULTS.fsync),
  PIPELINE_JSONL_ARCHIVE_DELETED: flag.default(JSONL_DEFAULTS.archiveDeleted),
};

export type JsonlVariables = z.output<z.ZodObject<typeof JSONL_VARIABLES>>;

/** The store's options from the validated PIPELINE_JSONL_* variables. */
export const jsonlStoreOptions = (config: JsonlVariables): Pick<JsonlStoreOptions, "path" | "fsync" | "archiveDeleted"> => ({
  path: config.PIPELINE_JSONL_PATH,
  fsync: config.PIPELINE_JSONL_FSYNC,
  archiveDeleted: config.PIPELINE_JSONL_ARCHIVE_DELETED,
});

/**
 * The run's fields, defined once: every schema, CSV column list and table column list is derived
 * from RUN_FIELDS. `kind` says how a value is read and kept; `maxLength` is the column size of
 * sql/create_pipeline_runs.sql, which POST enforces so that every store can hold what it accepts.
 */
export const RUN_FIELDS = [
  { name: "start_local", kind: "local", description: "Local wall-clock start" },
  { name: "end_local", kind: "local", description: "Local wall-clock end" },
  { name: "start_utc", kind: "instant", description: "Start instant" },
  { name: "end_utc", kind: "instant", description: "End instant, not before start_utc" },
  { name: "elapsed_seconds", kind: "seconds", description: "Duration in seconds" },
  { name: "elapsed_human", kind: "text", maxLength: 256, description: "Duration for people" },
  { name: "output_file", kind: "text", maxLength: 1024, description: "Path of the output" },
  { name: "rowcount", kind: "count", description: "Rows produced" },
  { name: "log_file", kind: "text", maxLength: 1024, description: "Path of the log" },
  { name: "pid", kind: "count", description: "Process id of the run" },
  { name: "date_code", kind: "text", maxLength: 64, description: "Date code; not unique across pipelines" },
  { name: "pipeline_name", kind: "label", maxLength: 255, description: "Pipeline label (inferred from paths when absent)" },
  { name: "script_name", kind: "label", maxLength: 255, description: "Script label" },
  { name: "pipeline_type", kind: "label", maxLength: 100, description: "Pipeline type label" },
  { name: "environment", kind: "label", maxLength: 50, description: "Environment label" },
] as const satisfies ReadonlyArray<{ name: string; kind: FieldKind; maxLength?: number; description: string }>;

/**
 * local: wall-clock text without offset ("2025-08-14T22:49:07"); instant: UTC text ending in Z;
 * seconds: a non-negative number; count: a non-negative integer; text: a string; label: a string
 * or null, one of the four a run is grouped and filtered by.
 */
export type FieldKind = "local" | "instant" | "seconds" | "count" | "text" | "label";

interface KindValue {
  local: string;
  instant: string;
  seconds: number;
  count: number;
  text: string;
  label: string | null;
}

type RunField = (typeof RUN_FIELDS)[number];
export type FieldName = RunField["name"];
export type FieldOfKind<K extends FieldKind> = Extract<RunField, { kind: K }>["name"];

/** One stored pipeline run, exactly as the API returns it and the JSONL file holds it. */
export type PipelineRun = { [F in RunField as F["name"]]: KindValue[F["kind"]] };

/** The field names in their stored order (JSONL keys, CSV columns, table columns). */
export const FIELD_NAMES: readonly FieldName[] = RUN_FIELDS.map((field) => field.name);

export const fieldsOfKind = <K extends FieldKind>(...kinds: K[]): Array<FieldOfKind<K>> =>
  RUN_FIELDS.filter((field) => (kinds as FieldKind[]).includes(field.kind)).map((field) => field.name as FieldOfKind<K>);

export type Label = FieldOfKind<"label">;
/** The four labels, in field order: runs are grouped by them and filtered on each. */
export const LABELS: readonly Label[] = fieldsOfKind("label");

/** A run's label values, in LABELS order. */
export const labelValues = (run: PipelineRun): Array<string | null> => LABELS.map((label) => run[label]);

type LimitedField = Extract<RunField, { maxLength: number }>["name"];
/** Column sizes of sql/create_pipeline_runs.sql; POST rejects what the Oracle table could not hold. */
export const MAX_LENGTH = Object.fromEntries(RUN_FIELDS.flatMap((field) => ("maxLength" in field ? [[field.name, field.maxLength]] : []))) as Readonly<
  Record<LimitedField, number>
>;

export const SAMPLE_RUN: PipelineRun = {
  start_local: "2025-08-14T22:49:07",
  end_local: "2025-08-14T23:17:19",
  start_utc: "2025-08-15T05:49:07Z",
  end_utc: "2025-08-15T06:17:19Z",
  elapsed_seconds: 1692.8,
  elapsed_human: "28m 12s",
  output_file: "/apps/exensio_data/reference_data/jag_test/SubconLotRefData-2025-08-12_2025-08-12.subconLot",
  rowcount: 8543,
  log_file: "/apps/exensio_data/reference_data/jag_test/log/getSubconLotRefData_LOTGDB.log",
  pid: 53452,
  date_code: "2025-08-12_2025-08-12",
  pipeline_name: "get_subcon_lot_ref_data_LOTGDB_rc10.py",
  script_name: "get_subcon_lot_ref_data_LOTGDB_rc10.py",
  pipeline_type: "batch",
  environment: "prod",
};
